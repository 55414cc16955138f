package applier

import (
	"fmt"
	"math"
	"strings"

	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// inviteValues are an invite's limits after the change.
type inviteValues struct {
	maxUse    *int64
	expiresAt *string
}

// planInt reads a whole number from a plan value: int64 in memory, float64
// when the plan went through JSON.
func planInt(v any) (*int64, bool) {
	switch n := v.(type) {
	case nil:
		return nil, true
	case int64:
		return &n, true
	case int:
		i := int64(n)
		return &i, true
	case float64:
		if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
			return nil, false
		}
		i := int64(n)
		return &i, true
	}
	return nil, false
}

func planString(v any) (*string, bool) {
	switch s := v.(type) {
	case nil:
		return nil, true
	case string:
		return &s, true
	}
	return nil, false
}

// apply applies the change's max_use and expires_at to the given values and
// reports which of them the change sets.
func (iv *inviteValues) apply(c *plans.Change) (maxUse, expiresAt bool, err error) {
	if a := c.Attr("max_use"); a != nil {
		v, ok := planInt(a.After)
		if !ok {
			return false, false, fmt.Errorf("%s: max_use in the plan is not a whole number", c.Address)
		}
		iv.maxUse, maxUse = v, true
	}
	if a := c.Attr("expires_at"); a != nil {
		v, ok := planString(a.After)
		if !ok {
			return false, false, fmt.Errorf("%s: expires_at in the plan is not a date", c.Address)
		}
		iv.expiresAt, expiresAt = v, true
	}
	return maxUse, expiresAt, nil
}

// typeFor returns the invite_type to write for the values, refusing a plan
// whose invite_type says otherwise.
func (iv *inviteValues) typeFor(c *plans.Change) (string, error) {
	want := server.InviteType(iv.maxUse, iv.expiresAt)
	if a := c.Attr("invite_type"); a != nil {
		if s, ok := a.After.(string); !ok || s != want {
			return "", fmt.Errorf("%s: the plan's invite_type %v does not follow from max_use and expires_at (%s)", c.Address, a.After, want)
		}
	}
	return want, nil
}

// createInvite queues the INSERT of the server's invite command and returns
// the invite's registration URL, or "" for an invite created revoked.
func (w *writer) createInvite(c *plans.Change, cfg *schema.Config) (string, error) {
	inv := configInvite(cfg, c.Nickname)
	if inv == nil || inv.Token.Reveal() == "" {
		return "", fmt.Errorf("%s is in the plan but not in the configuration", c.Address)
	}
	var iv inviteValues
	if _, _, err := iv.apply(c); err != nil {
		return "", err
	}
	typ, err := iv.typeFor(c)
	if err != nil {
		return "", err
	}
	token := inv.Token.Reveal()
	// A revoked invite whose token no row holds is created revoked: what
	// invite followed by revoke_invite leaves, in one row. Its URL would
	// register nobody, so none is given.
	w.queue(label{address: c.Address, statement: "INSERT INTO user_invite_tokens"},
		`INSERT INTO user_invite_tokens (token, used, max_use, expires_at, uses, invite_type, inserted_at, updated_at)
		 VALUES ($1, $2, $3::int, $4::date, 0, $5, $6, $6)`,
		token, c.RevokesInvite(), iv.maxUse, iv.expiresAt, typ, w.now)
	if c.RevokesInvite() {
		return "", nil
	}
	return server.RegistrationURL(w.baseURL, token), nil
}

// updateInvite queues the UPDATE of an existing invite: its changed limits,
// the invite_type they imply, and, for a revocation, what revoke_invite
// writes (used = true; never back to false).
func (w *writer) updateInvite(c *plans.Change, li *live.Invite) error {
	iv := inviteValues{maxUse: li.MaxUse, expiresAt: li.ExpiresAt}
	setMax, setExp, err := iv.apply(c)
	if err != nil {
		return err
	}
	var sets []string
	var args []any
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	if setMax {
		set("max_use", iv.maxUse)
		sets[len(sets)-1] += "::int"
	}
	if setExp {
		set("expires_at", iv.expiresAt)
		sets[len(sets)-1] += "::date"
	}
	typ, err := iv.typeFor(c)
	if err != nil {
		return err
	}
	if c.Attr("invite_type") != nil || (typ != li.InviteType && (setMax || setExp)) {
		set("invite_type", typ)
	}
	if c.RevokesInvite() && !li.Used {
		set("used", true)
	}
	if len(sets) == 0 {
		return nil
	}
	set("updated_at", w.now)
	args = append(args, li.ID)
	w.queue(label{address: c.Address, statement: "UPDATE user_invite_tokens"},
		fmt.Sprintf("UPDATE user_invite_tokens SET %s WHERE id = $%d", strings.Join(sets, ", "), len(args)), args...)
	return nil
}
