package plans_test

import (
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/plans"
)

// TestRevokes: what a user update takes away, by the plan's values, and by
// the user block's for a sensitive attribute.
func TestRevokes(t *testing.T) {
	no, yes := false, true
	update := func(attrs ...plans.Attr) plans.Change {
		return plans.Change{Type: plans.TypeUser, Action: plans.Update, Attrs: attrs}
	}
	cases := map[string]struct {
		c    plans.Change
		d    *account.Declared
		want string
	}{
		"deactivated":    {update(plans.Attr{Name: "active", Before: true, After: false}), nil, "active"},
		"activated":      {update(plans.Attr{Name: "active", Before: false, After: true}), nil, ""},
		"roles and more": {update(plans.Attr{Name: "active", Before: true, After: false}, plans.Attr{Name: "admin", Before: true, After: false}, plans.Attr{Name: "moderator", Before: true, After: false}, plans.Attr{Name: "locked", Before: true, After: false}), nil, "admin moderator active"},
		"granted":        {update(plans.Attr{Name: "admin", Before: false, After: true}), nil, ""},
		"sensitive":      {update(plans.Attr{Name: "admin", Sensitive: true}), &account.Declared{Admin: &no}, "admin"},
		"sensitive true": {update(plans.Attr{Name: "moderator", Sensitive: true}), &account.Declared{Moderator: &yes}, ""},
		"no block":       {update(plans.Attr{Name: "admin", Sensitive: true}), nil, ""},
		"a deletion":     {plans.Change{Type: plans.TypeUser, Action: plans.Delete, Attrs: []plans.Attr{{Name: "admin", Before: true}}}, nil, ""},
		"an invite":      {plans.Change{Type: plans.TypeInvite, Action: plans.Update, Attrs: []plans.Attr{{Name: "active", Before: true, After: false}}}, nil, ""},
	}
	for name, tc := range cases {
		if got := strings.Join(tc.c.Revokes(tc.d), " "); got != tc.want {
			t.Errorf("%s: Revokes = %q, want %q", name, got, tc.want)
		}
	}
}
