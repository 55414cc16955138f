package planner

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// effective is what the configuration wants of an account: the user
// block's own attributes, and where it leaves admin, moderator or tags
// unset, what the role and tag blocks decide (with the reason). A stored
// tag that is not lower-case stays whatever they say: the server's untag
// never removes one (see account.Row.FixedTags). u may be a bare stand-in
// for an account that has no user block; lu is nil for an account to
// create.
func (st *planning) effective(u *schema.User, lu *live.User) []desiredAttr {
	out := desired(u)
	nick := u.Nickname
	for i := range out {
		d := &out[i]
		switch {
		case d.attr.Role:
			g := st.cfg.Roles[d.name]
			if g == nil || d.value != nil {
				continue
			}
			d.value = g.Has(nick)
			d.reason = membership(nick, g)
		case d.name == account.Tags:
			if d.value != nil && lu != nil {
				d.value = append(slices.Clone(d.value.([]string)), lu.FixedTags()...)
			}
			if len(st.cfg.Tags) == 0 || d.value != nil {
				continue
			}
			var base []string
			if lu != nil {
				base = lu.StoredTags()
			}
			want, reasons := st.groupTags(nick, base)
			d.value = want
			d.reason = strings.Join(reasons, "; ")
		}
	}
	return out
}

func membership(nick string, g *schema.Group) string {
	if g.Has(nick) {
		return fmt.Sprintf("because %s is a member of %s", nick, g.Address())
	}
	return fmt.Sprintf("because %s is not a member of %s", nick, g.Address())
}

// groupTags applies the tag blocks to an account's tags: a block's tag is
// added to its members and taken from everyone else, by exact match; other
// tags stay.
func (st *planning) groupTags(nick string, base []string) ([]string, []string) {
	have := map[string]bool{}
	var out, reasons []string
	for _, t := range base {
		if g := st.cfg.Tags[t]; g != nil && !g.Has(nick) {
			reasons = append(reasons, membership(nick, g))
			continue
		}
		if !have[t] {
			out = append(out, t)
			have[t] = true
		}
	}
	for _, name := range sortedGroupNames(st.cfg.Tags) {
		if g := st.cfg.Tags[name]; g.Has(nick) && !have[name] {
			out = append(out, name)
			have[name] = true
			reasons = append(reasons, membership(nick, g))
		}
	}
	if out == nil {
		out = []string{}
	}
	return out, reasons
}

func sortedGroupNames(gs map[string]*schema.Group) []string {
	names := make([]string, 0, len(gs))
	for n := range gs {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// checkMembers reports members that are neither declared users nor local
// accounts roster manages.
func (st *planning) checkMembers() {
	for _, gs := range []map[string]*schema.Group{st.cfg.Roles, st.cfg.Tags} {
		for _, name := range sortedGroupNames(gs) {
			g := gs[name]
			for _, m := range g.Members {
				key := strings.ToLower(m)
				if st.cfg.User(m) != nil || (st.managed[key] != nil && !st.managed[key].Tombstone()) {
					continue
				}
				detail := fmt.Sprintf("%s lists %q, which is neither a user declared in the configuration nor a local account on the server. Declare it with a user block, or remove it from the members.", g.Address(), m)
				if o := st.other[key]; o != nil {
					detail = fmt.Sprintf("%s lists %q, a local %s account that roster does not manage (an internal actor, or a nickname outside the configured rule). Remove it from the members.", g.Address(), m, o.ActorType)
				} else if lu := st.managed[key]; lu != nil {
					detail = fmt.Sprintf("%s lists %q, an account that was deleted. Remove it from the members.", g.Address(), m)
				}
				r := g.MemberRanges[key]
				st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown member", Detail: detail, Subject: r.Ptr()})
			}
		}
	}
}

// declaredUser plans the account of a user block.
func (st *planning) declaredUser(u *schema.User, baseURL string) *plans.Change {
	lu := st.managed[strings.ToLower(u.Nickname)]
	switch {
	case u.Absent:
		if lu == nil {
			st.absentUnknown(u)
			return nil
		}
		if lu.Tombstone() {
			return nil // deleted already
		}
		return st.deletion(lu, u.Address(), fmt.Sprintf("because %s is declared absent", u.Address()), userSource(u))
	case lu != nil && lu.Tombstone():
		st.errAt(u, "", "Account deleted", fmt.Sprintf("The account %q was deleted; the server keeps its purged row so that the nickname is never given out again. Choose another nickname, or declare it with state = \"absent\".", lu.Nickname))
		return nil
	case lu != nil:
		c := st.update(u, lu)
		if a := c.Attr(account.Active); a != nil && a.After == false {
			c.Reasons = append(c.Reasons, fmt.Sprintf("because %s sets active = false", u.Address()))
		}
		return c
	}
	return st.create(u, baseURL)
}

// absentUnknown warns of state = "absent" on a nickname that no account
// roster manages has, which deletes nothing: a typo there would leave the
// account meant to go, where the server's rm says "No local user".
func (st *planning) absentUnknown(u *schema.User) {
	if !st.targeted(plans.TypeUser, u.Nickname) {
		return
	}
	summary := "No local account to delete"
	detail := fmt.Sprintf("%s sets state = \"absent\", but no local account has the nickname %q: the plan deletes nothing. Check the nickname for a typo. An account that never finished registration (unconfirmed or not approved) has no row once the server's delete job has run; if that is why, the block now deletes whoever registers the nickname next.", u.Address(), u.Nickname)
	if o := st.other[strings.ToLower(u.Nickname)]; o != nil {
		summary = "Account not managed by roster"
		detail = fmt.Sprintf("%s sets state = \"absent\", but %q is a local %s account that roster does not manage (an internal actor, or a nickname outside the configured rule): the plan deletes nothing. Delete it with the server's own command, or remove the block.", u.Address(), o.Nickname, o.ActorType)
	}
	st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: detail,
		Subject: u.LabelRange.Ptr(), Context: u.DeclRange.Ptr()})
}

// undeclared returns the managed accounts without a user block, by
// nickname.
func (st *planning) undeclared() []*live.User {
	var out []*live.User
	for key, lu := range st.managed {
		if st.cfg.User(key) == nil && !lu.Tombstone() {
			out = append(out, lu)
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Nickname) < strings.ToLower(out[j].Nickname) })
	return out
}

// undeclaredUser plans an account without a user block: what the group
// blocks say of it and, unless a members list or protect names it, the
// prune policy.
func (st *planning) undeclaredUser(lu *live.User) *plans.Change {
	address := addrs.Of(string(plans.TypeUser), lu.Nickname)
	named := st.cfg.Declared(lu.Nickname)
	if !named && st.cfg.Prune.Users == "delete" {
		st.pruned++
		return st.deletion(lu, address, fmt.Sprintf("because %s is not in the configuration and prune.users = \"delete\"", lu.Nickname), plans.Source{})
	}
	stand := &schema.User{Nickname: lu.Nickname, Ranges: map[string]hcl.Range{}, Sensitive: map[string]bool{}}
	if !named && st.cfg.Prune.Users == "deactivate" && lu.Active {
		f := false
		stand.Active = &f
	}
	c := st.update(stand, lu)
	c.Address = address
	c.Unchanged = 0
	if stand.Active != nil {
		st.pruned++
		c.Reasons = append([]string{fmt.Sprintf("because %s is not in the configuration and prune.users = \"deactivate\"", lu.Nickname)}, c.Reasons...)
	}
	if len(c.Attrs) == 0 {
		return nil
	}
	return c
}

// deletion plans the server's rm of an account.
func (st *planning) deletion(lu *live.User, address, reason string, src plans.Source) *plans.Change {
	c := &plans.Change{Address: address, Type: plans.TypeUser, Nickname: lu.Nickname, Action: plans.Delete, ID: lu.ID,
		Reactivate: !lu.Active, Reasons: []string{reason}, Source: src}
	for a := range account.All() {
		if a.On&account.OnDelete == 0 {
			continue
		}
		if v := a.Live(lu); v != nil && (a.Name == account.Active || !isDefault(v)) {
			c.Attrs = append(c.Attrs, plans.Attr{Name: a.Name, Before: v})
		}
	}
	sortAttrs(c.Attrs)
	if c.Reactivate {
		c.Notes = append(c.Notes, "the account is deactivated and the server's rm refuses one: it is activated first, as activate then rm would")
	}
	if st.info.Flavor == server.Akkoma && (lu.Admin || lu.Moderator) {
		c.Notes = append(c.Notes, "loses admin/moderator: its report notifications are removed, as Akkoma does")
	}
	c.Notes = append(c.Notes,
		"deleted as the server's rm does: a Delete activity, the purge of the account and the server's delete job, in this transaction; the server finishes the deletion (posts, follows, notifications) when it runs its jobs",
		whatStays(lu))
	return c
}

// whatStays says what is left of a deleted account: the server's delete
// job removes the row of a local account that never finished registration
// (not confirmed or not approved, which the purge keeps), and keeps every
// other as the purged tombstone, its nickname taken (maybe_delete_from_db,
// PL user.ex:2045-2052, AK user.ex:1853-1860).
func whatStays(lu *live.User) string {
	var state string
	switch {
	case !lu.Confirmed:
		state = "not confirmed"
	case !lu.Approved:
		state = "not approved"
	default:
		return "a deletion cannot be undone, and the nickname stays taken"
	}
	return fmt.Sprintf("a deletion cannot be undone; the account is %s, so it never finished registration: the server's delete job removes its row, and the nickname is free again once the server has run the job", state)
}

// checkPruneMax refuses a plan that prunes more than prune.max accounts
// and invites, unless --allow-mass-prune.
func (st *planning) checkPruneMax() {
	p := st.cfg.Prune
	if st.pruned <= p.Max || st.opts.AllowMassPrune {
		return
	}
	r := p.DeclRange
	if mr, ok := p.Ranges["max"]; ok {
		r = mr
	}
	st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Too many accounts and invites to prune",
		Detail:  fmt.Sprintf("This plan would prune %d accounts and invites, more than prune.max = %d. Check that the configuration declares everyone it should; then add the ones to keep to prune.protect, raise prune.max, or run again with --allow-mass-prune.", st.pruned, p.Max),
		Subject: r.Ptr()})
}

// sortChanges orders the plan: users by nickname, then declared invites by
// name, then undeclared invites by id.
func sortChanges(cs []plans.Change) {
	pruned := func(c plans.Change) bool { return c.Type == plans.TypeInvite && strings.HasPrefix(c.Nickname, "#") }
	sort.SliceStable(cs, func(i, j int) bool {
		a, b := cs[i], cs[j]
		switch {
		case a.Type != b.Type:
			return typeRank(a.Type) < typeRank(b.Type)
		case pruned(a) != pruned(b):
			return !pruned(a)
		case pruned(a):
			return a.InviteID < b.InviteID
		}
		return strings.ToLower(a.Nickname) < strings.ToLower(b.Nickname)
	})
}

// typeRank orders a plan's changes by type: users, invites, remote
// instances, then local_users, which the applier runs after the users'
// changes, on the accounts as those leave them.
func typeRank(t plans.Type) int {
	switch t {
	case plans.TypeUser:
		return 0
	case plans.TypeInvite:
		return 1
	case plans.TypeRemoteInstance:
		return 2
	}
	return 3
}
