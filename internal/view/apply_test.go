package view_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

// appliedPlan is reviewPlan with a change of every other type, as an apply
// of users, invites, a remote_instance and local_users commits it.
func appliedPlan() *plans.Plan {
	p := reviewPlan()
	p.Changes = append(p.Changes,
		plans.Change{Address: `remote_instance["spam.example"]`, Type: plans.TypeRemoteInstance, Nickname: "spam.example", Action: plans.Update,
			Attrs: []plans.Attr{{Name: "active_accounts", Before: int64(3), After: int64(0)}},
			Notes: []string{"3 accounts deactivated as the server's deactivate_all_from_instance does"}},
		plans.Change{Address: "local_users", Type: plans.TypeLocalUsers, Nickname: "local_users", Action: plans.Update,
			Attrs: []plans.Attr{{Name: "unconfirmed_accounts", Before: int64(2), After: int64(0)}},
			Notes: []string{"2 accounts confirmed as the server's confirm_all does"}})
	return p
}

// TestApplyCompleteRepeatsPlanTotals: the apply summary says, in
// Terraform's grammar, the totals the plan's summary line said.
func TestApplyCompleteRepeatsPlanTotals(t *testing.T) {
	for name, p := range map[string]*plans.Plan{"mixed": appliedPlan(), "users only": samplePlan(),
		"invites only": {Changes: []plans.Change{reviewPlan().Changes[3]}}} {
		t.Run(name, func(t *testing.T) {
			var plan, applied bytes.Buffer
			view.Plan(&plan, p, view.Style{})
			m := regexp.MustCompile(`(?m)^Plan: (\d+) to add, (\d+) to change, (\d+) to destroy\.$`).FindStringSubmatch(plan.String())
			if m == nil {
				t.Fatalf("no totals line in the plan:\n%s", plan.String())
			}
			view.ApplyComplete(&applied, p, view.Applied{}, view.Style{})
			first := strings.SplitN(strings.TrimLeft(applied.String(), "\n"), "\n", 2)[0]
			if want := fmt.Sprintf("Apply complete! Resources: %s added, %s changed, %s destroyed.", m[1], m[2], m[3]); first != want {
				t.Errorf("apply summary starts %q, want %q", first, want)
			}
		})
	}
}

func TestApplyCompleteGolden(t *testing.T) {
	var b bytes.Buffer
	view.ApplyComplete(&b, appliedPlan(), view.Applied{InviteURLs: []string{"https://social.example.org/registration/abc="}, ShowURLs: true, CacheNote: true}, view.Style{})
	golden(t, "apply.txt", b.Bytes())
}
