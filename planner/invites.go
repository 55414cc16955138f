package planner

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

func int64Value(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func strValue(p *string) any {
	if p == nil {
		return nil
	}
	return *p
}

// invites plans the declared invites, matched to the database by token,
// and the revocation of undeclared ones when prune.invites = "revoke".
func (st *planning) invites(rows []*live.Invite) []*plans.Change {
	byToken := map[string][]*live.Invite{}
	for _, li := range rows { // ordered by id
		byToken[li.Token] = append(byToken[li.Token], li)
	}
	declared := map[int64]bool{}
	var out []*plans.Change
	for _, inv := range st.cfg.Invites {
		var li *live.Invite
		if rows := byToken[inv.Token.Reveal()]; len(rows) > 0 {
			li = rows[0]
			for _, r := range rows {
				declared[r.ID] = true
			}
			if len(rows) > 1 {
				st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Invite token held by several rows",
					Detail:  fmt.Sprintf("%d rows of user_invite_tokens hold the token of %s, and the server cannot use a token it finds twice (its lookup fails). roster manages the first (#%d); revoke or delete the others.", len(rows), inv.Address(), li.ID),
					Subject: inv.DeclRange.Ptr()})
			}
		}
		if c := st.invite(inv, li); c != nil {
			out = append(out, c)
		}
	}
	if st.cfg.Prune.Invites == "revoke" {
		for _, li := range rows {
			if declared[li.ID] || li.Used {
				continue
			}
			st.pruned++
			name := fmt.Sprintf("#%d", li.ID)
			out = append(out, &plans.Change{Address: addrs.Of(string(plans.TypeInvite), name), Type: plans.TypeInvite, Nickname: name, Action: plans.Update,
				InviteID: li.ID,
				Attrs:    []plans.Attr{{Name: "revoked", Before: false, After: true}},
				Reasons:  []string{fmt.Sprintf("because invite #%d is not in the configuration and prune.invites = \"revoke\"", li.ID)},
				Notes:    []string{usesNote(li)}})
		}
	}
	return out
}

func usesNote(li *live.Invite) string {
	if li.MaxUse != nil {
		return fmt.Sprintf("used %d of %d times (%s)", li.Uses, *li.MaxUse, li.InviteType)
	}
	return fmt.Sprintf("used %d times (%s)", li.Uses, li.InviteType)
}

// invite plans one declared invite, li being its row or nil.
func (st *planning) invite(inv *schema.Invite, li *live.Invite) *plans.Change {
	c := &plans.Change{Address: inv.Address(), Type: plans.TypeInvite, Nickname: inv.Name, Source: source(inv.DeclRange)}
	if li == nil {
		return newInvite(c, inv)
	}
	c.Action, c.InviteID = plans.Update, li.ID
	if li.Used {
		if !inv.Revoked {
			st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Invite used up or revoked",
				Detail: fmt.Sprintf("%s is marked used in the database (%s): it was used up, or revoked outside roster. roster never reopens an invite, so it changes nothing of it; set revoked = true to record it, or remove the block.",
					inv.Address(), usesNote(li)),
				Subject: inv.DeclRange.Ptr()})
		}
		return nil // a used invite stays as it is: the server would never accept it again
	}
	updateInvite(c, inv, li)
	if len(c.Attrs) == 0 {
		return nil
	}
	c.Notes = append(c.Notes, usesNote(li))
	sortAttrs(c.Attrs)
	return c
}

// newInvite makes c the creation of inv, with every value the server's
// invite command writes. A revoked invite whose token no row holds is
// created revoked, as invite then revoke_invite leave it: pointless for
// registrations, but the token can then never be used, even if the block
// loses revoked = true later (roster never reopens an invite).
func newInvite(c *plans.Change, inv *schema.Invite) *plans.Change {
	c.Action = plans.Create
	c.Attrs = []plans.Attr{{Name: "invite_type", After: server.InviteType(inv.MaxUse, inv.ExpiresAt)}, {Name: "token", Sensitive: true}}
	if inv.MaxUse != nil {
		c.Attrs = append(c.Attrs, plans.Attr{Name: "max_use", After: *inv.MaxUse})
	}
	if inv.ExpiresAt != nil {
		c.Attrs = append(c.Attrs, plans.Attr{Name: "expires_at", After: *inv.ExpiresAt})
	}
	if inv.Revoked {
		c.Attrs = append(c.Attrs, plans.Attr{Name: "revoked", After: true})
		c.Notes = append(c.Notes, "no invite has this token: created revoked, as the server's invite then revoke_invite leave it, so that the token can never be used")
	}
	sortAttrs(c.Attrs)
	return c
}

// updateInvite adds to c what the block changes of an existing, unused
// invite. Only the attributes the block gives are managed: one left out
// keeps the row's value, as in a user block. invite_type is the server's,
// computed from the limits after the change, and compared only when the
// block manages a limit.
func updateInvite(c *plans.Change, inv *schema.Invite, li *live.Invite) {
	maxUse, expiresAt := li.MaxUse, li.ExpiresAt
	compare := func(name string, before, after any, equal bool) {
		if equal {
			c.Unchanged++
			return
		}
		c.Attrs = append(c.Attrs, plans.Attr{Name: name, Before: before, After: after})
	}
	if inv.Sets("max_use") {
		maxUse = inv.MaxUse
		compare("max_use", int64Value(li.MaxUse), int64Value(maxUse), equalPtr(li.MaxUse, maxUse))
	}
	if inv.Sets("expires_at") {
		expiresAt = inv.ExpiresAt
		compare("expires_at", strValue(li.ExpiresAt), strValue(expiresAt), equalPtr(li.ExpiresAt, expiresAt))
	}
	if inv.Sets("max_use") || inv.Sets("expires_at") {
		typ := server.InviteType(maxUse, expiresAt)
		compare("invite_type", li.InviteType, typ, li.InviteType == typ)
	}
	if inv.Sets("revoked") {
		compare("revoked", false, inv.Revoked, !inv.Revoked)
	}
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}
