package live

import (
	"context"
	"fmt"
	"time"

	"github.com/roster-project/roster/internal/accountset"
)

// Sessions counts an account's OAuth tokens and authorizations issued
// before its sessions_valid_after.
type Sessions struct{ Tokens, Authorizations int64 }

// Total is the number of sessions to revoke.
func (s Sessions) Total() int64 { return s.Tokens + s.Authorizations }

// TimestampLayout is how an instant is given to a timestamp(0) column:
// the server writes naive UTC.
const TimestampLayout = "2006-01-02 15:04:05"

// ReadSessions counts, for each account id, the OAuth tokens and
// authorizations inserted before its instant: one query per table,
// whatever the number of accounts.
func ReadSessions(ctx context.Context, q Querier, after map[string]time.Time) (map[string]Sessions, error) {
	var ids, instants []string
	for id, t := range after {
		ids = append(ids, id)
		instants = append(instants, t.UTC().Format(TimestampLayout))
	}
	return countSessions(ctx, q, ids, instants)
}

// ReadAllSessions counts, for each account id, all its OAuth tokens and
// authorizations: the sessions the server's sign_out ends.
func ReadAllSessions(ctx context.Context, q Querier, ids []string) (map[string]Sessions, error) {
	instants := make([]string, len(ids))
	for i := range instants {
		instants[i] = "infinity" // later than any timestamp
	}
	return countSessions(ctx, q, ids, instants)
}

// countSessions counts the tokens and authorizations of each account of
// ids inserted before its instant of instants (timestamp text).
func countSessions(ctx context.Context, q Querier, ids, instants []string) (map[string]Sessions, error) {
	out := map[string]Sessions{}
	if len(ids) == 0 {
		return out, nil
	}
	for _, table := range []string{"oauth_tokens", "oauth_authorizations"} {
		rows, err := q.Query(ctx, `SELECT w.id::text, count(*) FROM `+table+` t
		  JOIN unnest($1::uuid[], $2::text[]::timestamp[]) AS w(id, after) ON t.user_id = w.id AND t.inserted_at < w.after
		  GROUP BY w.id`, ids, instants)
		if err != nil {
			return nil, fmt.Errorf("counting sessions: %w", err)
		}
		for rows.Next() {
			var id string
			var n int64
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("counting sessions: %w", err)
			}
			s := out[id]
			if table == "oauth_tokens" {
				s.Tokens = n
			} else {
				s.Authorizations = n
			}
			out[id] = s
		}
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("counting sessions: %w", err)
		}
	}
	return out, nil
}

// Instance counts the accounts of a remote domain: active and not, and the
// accepted follows of active local accounts that each group holds (the
// rows deactivation or activation removes, server-semantics §2.12).
type Instance struct {
	Active, Inactive               int64
	ActiveFollows, InactiveFollows int64
	// ActiveIDs and InactiveIDs digest the ids of each group, so that apply
	// refuses when other accounts are in the wrong state, even as many, and
	// names them.
	ActiveIDs, InactiveIDs accountset.Set
}

// DomainOf is the SQL of the domain of a remote account's nickname
// (user@domain), lower-cased, compared exactly.
const DomainOf = `lower(split_part(%s.nickname::text, '@', 2))`

// ReadInstances counts the accounts of each remote domain, in one query
// for the accounts and one for their follows.
func ReadInstances(ctx context.Context, q Querier, domains []string) (map[string]Instance, error) {
	out := map[string]Instance{}
	if len(domains) == 0 {
		return out, nil
	}
	// Each Instance's sets take some kilobytes: built in place.
	read := map[string]*Instance{}
	rows, err := q.Query(ctx, `SELECT `+fmt.Sprintf(DomainOf, "u")+`, u.is_active, u.id::text
	  FROM users u WHERE NOT u.local AND u.nickname IS NOT NULL AND `+fmt.Sprintf(DomainOf, "u")+` = ANY($1::text[])`, domains)
	if err != nil {
		return nil, fmt.Errorf("counting remote accounts: %w", err)
	}
	for rows.Next() {
		var d, id string
		var active bool
		if err := rows.Scan(&d, &active, &id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("counting remote accounts: %w", err)
		}
		i := read[d]
		if i == nil {
			i = &Instance{}
			read[d] = i
		}
		if active {
			i.Active++
			i.ActiveIDs.Add(id)
		} else {
			i.Inactive++
			i.InactiveIDs.Add(id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting remote accounts: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT `+fmt.Sprintf(DomainOf, "u")+`, count(*) FILTER (WHERE u.is_active), count(*) FILTER (WHERE NOT u.is_active)
	  FROM following_relationships fr JOIN users u ON u.id = fr.follower_id JOIN users g ON g.id = fr.following_id
	  WHERE NOT u.local AND u.nickname IS NOT NULL AND `+fmt.Sprintf(DomainOf, "u")+` = ANY($1::text[])
	    AND fr.state = 2 AND g.local AND g.is_active AND g.id <> u.id AND g.nickname IS NOT NULL AND g.nickname NOT LIKE 'internal.%'
	  GROUP BY 1`, domains)
	if err != nil {
		return nil, fmt.Errorf("counting remote follows: %w", err)
	}
	for rows.Next() {
		var d string
		var a, n int64
		if err := rows.Scan(&d, &a, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("counting remote follows: %w", err)
		}
		if i := read[d]; i != nil {
			i.ActiveFollows, i.InactiveFollows = a, n
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("counting remote follows: %w", err)
	}
	for d, i := range read {
		out[d] = *i
	}
	return out, nil
}
