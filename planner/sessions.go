package planner

import (
	"context"
	"fmt"
	"strings"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// endsSessions reports whether applying the user change c ends every
// session of the account: when it deactivates the account or revokes one
// of its roles (plans.Change.Revokes) and server.end_sessions is on. A
// running server takes the account of each request's token from its cache,
// which does not see roster's writes, so the tokens would keep working. The
// applier deletes the sessions by the same rule.
func endsSessions(cfg *schema.Config, c *plans.Change) bool {
	return cfg.Server.EndSessions && len(c.Revokes(declared(cfg, c))) > 0
}

// declared is the user block of a user change's account, nil when it has
// none.
func declared(cfg *schema.Config, c *plans.Change) *account.Declared {
	if u := cfg.User(c.Nickname); u != nil {
		return &u.Declared
	}
	return nil
}

// endSessions counts, for every change of p that ends the account's
// sessions (endsSessions), all of its OAuth tokens and authorizations, and
// shows them as sessions = N -> 0 with the reason. They are read after the
// plan is made, so that only a plan that deactivates or demotes reads them.
func endSessions(ctx context.Context, q live.Querier, cfg *schema.Config, p *plans.Plan) error {
	var ids []string
	for i := range p.Changes {
		if endsSessions(cfg, &p.Changes[i]) {
			ids = append(ids, p.Changes[i].ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	counts, err := live.ReadAllSessions(ctx, q, ids)
	if err != nil {
		return err
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if !endsSessions(cfg, c) {
			continue
		}
		s := counts[c.ID]
		if s.Total() == 0 {
			if u := cfg.User(c.Nickname); u != nil && u.SessionsValidAfter != nil {
				c.Unchanged++ // sessionsAndMFA left it to this count
			}
			continue
		}
		c.Attrs = append(c.Attrs, plans.Attr{Name: account.Sessions, Before: s.Total(), After: int64(0)})
		sortAttrs(c.Attrs)
		c.Notes = append(c.Notes, fmt.Sprintf("%s ended because %s, which a running server does not see while it caches the account: %s deleted, as the server's sign_out does",
			plural(s.Total(), "session", "sessions"), revocation(c, c.Revokes(declared(cfg, c))), held(s)))
	}
	return nil
}

// held names the OAuth tokens and authorizations of s, leaving out a kind
// it has none of.
func held(s live.Sessions) string {
	var parts []string
	if s.Tokens > 0 {
		parts = append(parts, plural(s.Tokens, "OAuth token", "OAuth tokens"))
	}
	if s.Authorizations > 0 {
		parts = append(parts, plural(s.Authorizations, "authorization", "authorizations"))
	}
	return strings.Join(parts, " and ")
}

// revocation says what the change takes away, without the value of a
// sensitive attribute.
func revocation(c *plans.Change, revoked []string) string {
	var roles []string
	active := false
	for _, name := range revoked {
		if c.Attr(name).Sensitive {
			return "a sensitive value deactivates the account or revokes a role"
		}
		if name == account.Active {
			active = true
		} else {
			roles = append(roles, name)
		}
	}
	switch {
	case len(roles) == 0:
		return "the account is deactivated"
	case active:
		return "the account loses " + strings.Join(roles, " and ") + " and is deactivated"
	}
	return "the account loses " + strings.Join(roles, " and ")
}
