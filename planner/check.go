package planner

import (
	"context"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/checks"
	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/listing"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// withChecks evaluates cfg's checks in q, adjusted by adj, into p.Checks,
// and adds their diagnostics to diags; seen are the accounts the plan's
// scan kept for them, or nil.
func withChecks(ctx context.Context, q live.Querier, cfg *schema.Config, p *plans.Plan, adj checks.Adjust, seen *checks.Seen, when checks.When, diags hcl.Diagnostics) (*plans.Plan, hcl.Diagnostics) {
	rs, err := checks.Evaluate(ctx, q, cfg, adj, seen, when)
	if err != nil {
		return nil, append(diags, diag.List(err, "Cannot read the database")...)
	}
	p.Checks = checks.Checks(rs)
	return p, append(diags, checks.Diagnostics(rs)...)
}

// predict adjusts the live state to the one p would leave, as the applier
// writes it: accounts created with the server's defaults, updated, deleted
// (a deleted account is no longer one roster manages), confirmed or
// unconfirmed by local_users; invites created and changed.
func predict(cfg *schema.Config, p *plans.Plan) checks.Adjust {
	byID := map[string]*plans.Change{}
	invites := map[int64]*plans.Change{}
	var localUsers *plans.Change
	adj := checks.Adjust{}
	for i := range p.Changes {
		c := &p.Changes[i]
		switch {
		case c.Type == plans.TypeUser && c.Action == plans.Create:
			adj.NewUsers = append(adj.NewUsers, created(cfg, c))
		case c.Type == plans.TypeUser:
			byID[c.ID] = c
		case c.Type == plans.TypeInvite && c.Action == plans.Create:
			adj.NewInvites = append(adj.NewInvites, createdInvite(cfg, c))
		case c.Type == plans.TypeInvite:
			invites[c.InviteID] = c
		case c.Type == plans.TypeLocalUsers:
			localUsers = c
		}
	}
	confirm := func(u *schema.LiveUser) {
		// Every account live.users holds is a users' account roster
		// manages, not an internal actor or a deleted one: the rest of
		// LocalUsersCovers.
		if l := cfg.LocalUsers; localUsers != nil && !u.Admin && !u.Moderator {
			if d := cfg.User(u.Nickname); d == nil || d.Confirmed == nil {
				u.Confirmed = *l.Confirmed
			}
		}
	}
	for _, u := range adj.NewUsers {
		confirm(u)
	}
	adj.User = func(id string, u *schema.LiveUser) bool {
		if c := byID[id]; c != nil {
			if c.Action == plans.Delete {
				return false
			}
			applyAttrs(cfg, c, u)
		}
		confirm(u)
		return true
	}
	adj.Invite = func(i *schema.LiveInvite) bool {
		if c := invites[i.ID]; c != nil {
			changedInvite(cfg, c, i)
		}
		return true
	}
	return adj
}

// created is the account a creation makes: what the change sets, and the
// server's defaults for the rest (the name defaults to the nickname).
func created(cfg *schema.Config, c *plans.Change) *schema.LiveUser {
	name := c.Nickname
	u := &schema.LiveUser{Nickname: c.Nickname, Name: &name, InsertedAt: cfg.Now.UTC()}
	for a := range account.Compared() {
		if a.Default != nil {
			setAttr(u, a.Name, a.Default)
		}
	}
	applyAttrs(cfg, c, u)
	return u
}

// applyAttrs sets on u the values c writes; a sensitive one, which the plan
// does not hold, is the user block's.
func applyAttrs(cfg *schema.Config, c *plans.Change, u *schema.LiveUser) {
	for _, a := range c.Attrs {
		v := a.After
		if a.Sensitive {
			attr, ok := account.Lookup(a.Name)
			d := cfg.User(c.Nickname)
			if !ok || !attr.Compared() || d == nil {
				continue
			}
			v = attr.Desired(&d.Declared)
		}
		setAttr(u, a.Name, v)
	}
}

// setAttr sets the attribute name of u to v, a value of a plan; a value of
// another type, or an attribute checks do not see, changes nothing.
func setAttr(u *schema.LiveUser, name string, v any) {
	if name != account.Tags {
		u.Set(name, v)
	} else if tags, ok := v.([]string); ok {
		u.Tags = withTags(u.Tags, tags)
	}
}

// withTags is what the applier leaves of stored tags when the
// configuration wants want: the stored ones it keeps, in stored order, then
// the new ones; a stored tag with capitals stays (untag never removes it).
func withTags(stored, want []string) []string {
	var out []string
	for _, t := range stored {
		if !account.LowerCase(t) || slices.Contains(want, t) {
			out = append(out, t)
		}
	}
	for _, t := range want {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// createdInvite is the invite a creation makes.
func createdInvite(cfg *schema.Config, c *plans.Change) *schema.LiveInvite {
	i := &schema.LiveInvite{Name: c.Nickname, InsertedAt: cfg.Now.UTC(), State: string(listing.Usable)}
	changedInvite(cfg, c, i)
	return i
}

// changedInvite sets on i what c writes, and its state after.
func changedInvite(cfg *schema.Config, c *plans.Change, i *schema.LiveInvite) {
	duplicate := i.State == string(listing.Duplicate)
	for _, a := range c.Attrs {
		switch a.Name {
		case "invite_type":
			i.InviteType, _ = a.After.(string)
		case "max_use":
			i.MaxUse = nil
			if n, ok := a.After.(int64); ok {
				i.MaxUse = &n
			}
		case "expires_at":
			i.ExpiresAt = nil
			if s, ok := a.After.(string); ok {
				i.ExpiresAt = &s
			}
		case "revoked":
			i.Used = i.Used || a.After == true
		}
	}
	li := &listing.Invite{Type: i.InviteType, ExpiresAt: i.ExpiresAt, Uses: int(i.Uses), MaxUse: i.MaxUse, Used: i.Used}
	i.State = string(listing.StateOf(li, duplicate, cfg.Now))
	if !strings.HasPrefix(c.Nickname, "#") && i.Name == "" {
		i.Name = c.Nickname
	}
}
