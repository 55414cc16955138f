package planner

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
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
	out := map[string]Sessions{}
	if len(after) == 0 {
		return out, nil
	}
	var ids, instants []string
	for id, t := range after {
		ids = append(ids, id)
		instants = append(instants, t.UTC().Format(TimestampLayout))
	}
	for _, table := range []string{"oauth_tokens", "oauth_authorizations"} {
		rows, err := q.Query(ctx, `SELECT w.id::text, count(*) FROM `+table+` t
		  JOIN unnest($1::uuid[], $2::text[]::timestamp[]) AS w(id, after) ON t.user_id = w.id AND t.inserted_at < w.after
		  GROUP BY w.id`, ids, instants)
		if err != nil {
			return nil, fmt.Errorf("planner: counting sessions: %w", err)
		}
		for rows.Next() {
			var id string
			var n int64
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, fmt.Errorf("planner: counting sessions: %w", err)
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
			return nil, fmt.Errorf("planner: counting sessions: %w", err)
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
	// ActiveIDs and InactiveIDs digest the ids of each group (AccountsDigest),
	// so that apply refuses when other accounts are in the wrong state,
	// even as many as the plan counted.
	ActiveIDs, InactiveIDs string
}

// AccountsDigest is the digest of a remote_instance change's accounts: MD5
// of their ids (uuid text) in id order, joined by commas, as PostgreSQL's
// md5(string_agg(...)) computes it for the plan.
func AccountsDigest(ids []string) string {
	sum := md5.Sum([]byte(strings.Join(ids, ",")))
	return hex.EncodeToString(sum[:])
}

// AccountSet digests a set of accounts as it is built, in constant
// memory, whatever the order: the XOR of 16 bytes of SHA-256 of each id.
// A plan's local_users change records the accounts it changes so; apply
// refuses when they are other ones, even as many.
type AccountSet struct {
	n   int64
	sum [16]byte
}

// Add adds the account of id (uuid text); each is added once.
func (s *AccountSet) Add(id string) {
	h := sha256.Sum256([]byte(id))
	for i := range s.sum {
		s.sum[i] ^= h[i]
	}
	s.n++
}

// Len is how many accounts were added.
func (s *AccountSet) Len() int64 { return s.n }

// Digest is the set's digest, in hex.
func (s *AccountSet) Digest() string { return hex.EncodeToString(s.sum[:]) }

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
	rows, err := q.Query(ctx, `SELECT `+fmt.Sprintf(DomainOf, "u")+`, count(*) FILTER (WHERE u.is_active), count(*) FILTER (WHERE NOT u.is_active),
	    md5(coalesce(string_agg(u.id::text, ',' ORDER BY u.id) FILTER (WHERE u.is_active), '')),
	    md5(coalesce(string_agg(u.id::text, ',' ORDER BY u.id) FILTER (WHERE NOT u.is_active), ''))
	  FROM users u WHERE NOT u.local AND u.nickname IS NOT NULL AND `+fmt.Sprintf(DomainOf, "u")+` = ANY($1::text[]) GROUP BY 1`, domains)
	if err != nil {
		return nil, fmt.Errorf("planner: counting remote accounts: %w", err)
	}
	for rows.Next() {
		var d string
		var i Instance
		if err := rows.Scan(&d, &i.Active, &i.Inactive, &i.ActiveIDs, &i.InactiveIDs); err != nil {
			rows.Close()
			return nil, fmt.Errorf("planner: counting remote accounts: %w", err)
		}
		out[d] = i
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("planner: counting remote accounts: %w", err)
	}
	rows, err = q.Query(ctx, `SELECT `+fmt.Sprintf(DomainOf, "u")+`, count(*) FILTER (WHERE u.is_active), count(*) FILTER (WHERE NOT u.is_active)
	  FROM following_relationships fr JOIN users u ON u.id = fr.follower_id JOIN users g ON g.id = fr.following_id
	  WHERE NOT u.local AND u.nickname IS NOT NULL AND `+fmt.Sprintf(DomainOf, "u")+` = ANY($1::text[])
	    AND fr.state = 2 AND g.local AND g.is_active AND g.id <> u.id AND g.nickname IS NOT NULL AND g.nickname NOT LIKE 'internal.%'
	  GROUP BY 1`, domains)
	if err != nil {
		return nil, fmt.Errorf("planner: counting remote follows: %w", err)
	}
	for rows.Next() {
		var d string
		var a, n int64
		if err := rows.Scan(&d, &a, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("planner: counting remote follows: %w", err)
		}
		i := out[d]
		i.ActiveFollows, i.InactiveFollows = a, n
		out[d] = i
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("planner: counting remote follows: %w", err)
	}
	return out, nil
}

// remoteInstances plans the remote_instance blocks: one change for each
// domain with accounts in the wrong state.
func (st *planning) remoteInstances(counts map[string]Instance) []*plans.Change {
	var out []*plans.Change
	for _, r := range st.cfg.RemoteInstances {
		if r.Active == nil {
			continue
		}
		n := counts[r.Domain]
		wrong, follows, ids, verb, name := n.Active, n.ActiveFollows, n.ActiveIDs, "deactivated as the server's deactivate_all_from_instance does", "active_accounts"
		if *r.Active {
			wrong, follows, ids, verb, name = n.Inactive, n.InactiveFollows, n.InactiveIDs, "activated as the server's activate does", "inactive_accounts"
		}
		if wrong == 0 {
			continue
		}
		c := &plans.Change{Address: r.Address(), Type: plans.TypeRemoteInstance, Nickname: r.Domain, Action: plans.Update,
			Attrs:    []plans.Attr{{Name: name, Before: wrong, After: int64(0)}},
			Accounts: ids,
			Source:   source(r.DeclRange)}
		note := fmt.Sprintf("%s of %s %s, but matching the domain exactly", plural(wrong, "account", "accounts"), r.Domain, verb)
		if follows > 0 {
			note += fmt.Sprintf("; %s of local accounts removed, follow counts recomputed, nothing federated", followsOf(follows))
		}
		c.Notes = append(c.Notes, note)
		out = append(out, c)
	}
	return out
}

// followsOf is "1 of their follows" or "N of their follows": the noun
// counts the follows of the group of accounts, whatever n.
func followsOf(n int64) string { return fmt.Sprintf("%d of their follows", n) }

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// LocalUsersCovers reports whether the local_users block applies to a local
// account in the given state: not an admin or moderator, not an internal
// actor (invisible, an Application, or internal.*), not deleted, and
// without a user block that sets confirmed. Deactivated accounts count, as
// in the server's confirm_all.
func LocalUsersCovers(cfg *schema.Config, u *LiveUser) bool {
	return !u.Admin && !u.Moderator && !u.Tombstone() && localUsersMayCover(u, cfg.User(u.Nickname))
}

// localUsersMayCover is the part of LocalUsersCovers that no change of the
// account's state alters: not an internal actor, and no user block (d) of
// its own that sets confirmed. The applier's SQL in localUsers says the
// same.
func localUsersMayCover(u *LiveUser, d *schema.User) bool {
	return !u.Invisible && u.ActorType != "Application" && !strings.HasPrefix(strings.ToLower(u.Nickname), "internal.") &&
		(d == nil || d.Confirmed == nil)
}

// afterPlan is an account as the plan leaves it: its roles and
// confirmation after the change, and deleted when the plan deletes it.
func afterPlan(lu *LiveUser, c *plans.Change) *LiveUser {
	if c == nil {
		return lu
	}
	after := *lu
	if c.Action == plans.Delete {
		after.Active, after.PasswordHash, after.Email, after.Name = false, nil, nil, nil
		return &after
	}
	for _, a := range c.Attrs {
		if v, ok := a.After.(bool); ok && !a.Sensitive {
			switch a.Name {
			case "admin":
				after.Admin = v
			case "moderator":
				after.Moderator = v
			case "confirmed":
				after.Confirmed = v
			}
		}
	}
	return &after
}

// localUsers plans the local_users block: the accounts it covers whose
// confirmation differs, counted over the rows the planner did not keep
// (as read) and the ones it kept (as the plan leaves them).
func (st *planning) localUsers(p *plans.Plan, unkept AccountSet) *plans.Change {
	l := st.cfg.LocalUsers
	if l == nil || l.Confirmed == nil {
		return nil
	}
	byID := map[string]*plans.Change{}
	for i := range p.Changes {
		if c := &p.Changes[i]; c.Type == plans.TypeUser && c.ID != "" {
			byID[c.ID] = c
		}
	}
	set := unkept
	for _, m := range []map[string]*LiveUser{st.managed, st.other} {
		for _, lu := range m {
			if u := afterPlan(lu, byID[lu.ID]); LocalUsersCovers(st.cfg, u) && u.Confirmed != *l.Confirmed {
				set.Add(lu.ID)
			}
		}
	}
	n := set.Len()
	if n == 0 {
		return nil
	}
	name, note := "unconfirmed_accounts", "confirmed as the server's confirm_all does, with no e-mail or welcome message"
	if !*l.Confirmed {
		name, note = "confirmed_accounts", "unconfirmed as the server's unconfirm_all does, each with a new confirmation token and no e-mail"
	}
	return &plans.Change{Address: string(plans.TypeLocalUsers), Type: plans.TypeLocalUsers, Action: plans.Update, Accounts: set.Digest(),
		Attrs:  []plans.Attr{{Name: name, Before: n, After: int64(0)}},
		Notes:  []string{plural(n, "account", "accounts") + " " + note + "; admins, moderators, internal actors, deleted accounts and users whose block sets confirmed are left alone"},
		Source: source(l.DeclRange)}
}
