package planner

import (
	"fmt"
	"strings"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// remoteInstances plans the remote_instance blocks: one change for each
// domain with accounts in the wrong state.
func (st *planning) remoteInstances(counts map[string]live.Instance) []*plans.Change {
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
			Accounts: ids.Buckets(),
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
func LocalUsersCovers(cfg *schema.Config, u *live.User) bool {
	return !u.Admin && !u.Moderator && !u.Tombstone() && localUsersMayCover(u, cfg.User(u.Nickname))
}

// localUsersMayCover is the part of LocalUsersCovers that no change of the
// account's state alters: not an internal actor, and no user block (d) of
// its own that sets confirmed. The applier's SQL in localUsers says the
// same.
func localUsersMayCover(u *live.User, d *schema.User) bool {
	return !u.Invisible && u.ActorType != "Application" && !strings.HasPrefix(strings.ToLower(u.Nickname), "internal.") &&
		(d == nil || d.Confirmed == nil)
}

// afterPlan is an account as the plan leaves it: its roles and
// confirmation after the change, and deleted when the plan deletes it.
func afterPlan(lu *live.User, c *plans.Change) *live.User {
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
			case account.Admin:
				after.Admin = v
			case account.Moderator:
				after.Moderator = v
			case account.Confirmed:
				after.Confirmed = v
			}
		}
	}
	return &after
}

// localUsers plans the local_users block: the accounts it covers whose
// confirmation differs, counted over the rows the planner did not keep
// (as read) and the ones it kept (as the plan leaves them).
func (st *planning) localUsers(p *plans.Plan, unkept accountset.Set) *plans.Change {
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
	for _, m := range []map[string]*live.User{st.managed, st.other} {
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
	return &plans.Change{Address: addrs.Of(string(plans.TypeLocalUsers), ""), Type: plans.TypeLocalUsers, Action: plans.Update, Accounts: set.Buckets(),
		Attrs:  []plans.Attr{{Name: name, Before: n, After: int64(0)}},
		Notes:  []string{plural(n, "account", "accounts") + " " + note + "; admins, moderators, internal actors, deleted accounts and users whose block sets confirmed are left alone"},
		Source: source(l.DeclRange)}
}
