package view_test

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

// sampleUnmanaged is n undeclared accounts in the order drift lists them,
// with addresses of several widths (a quoted one among them), every role
// and state, and tags that JSON escapes.
func sampleUnmanaged(n int) []plans.Unmanaged {
	nicks := []string{"-dash", "1abc", "_under", "Bob", "carol_the_long_one", "dave"}
	out := make([]plans.Unmanaged, n)
	for i := range out {
		nick := nicks[i%len(nicks)]
		if i >= len(nicks) {
			nick = fmt.Sprintf("%s%03d", nick, i)
		}
		out[i] = plans.Unmanaged{Address: addrs.Of("user", nick), Nickname: nick, Admin: i%6 == 1, Moderator: i%4 == 3,
			Active: i%5 != 2, Confirmed: i%7 != 4, Approved: i%3 != 0, Tags: []string{}}
		if i%4 == 2 {
			out[i].Tags = []string{"<b>&co", "Staff"}
		}
	}
	return out
}

func sampleDrift(unmanaged []plans.Unmanaged, withPlan bool, ignored int) *plans.Drift {
	p := &plans.Plan{FormatVersion: plans.FormatVersion, Read: 12,
		Server: plans.Server{Flavor: "pleroma", Version: 20240904142434, URL: "https://social.example.org", Known: true}}
	if withPlan {
		p.Changes = samplePlan().Changes
	}
	return &plans.Drift{Plan: p, Unmanaged: unmanaged, Listed: unmanaged != nil, Ignored: ignored}
}

// TestDriftGolden holds the drift report of each format to its golden
// file: the status line, what was read, the plan, and the undeclared
// accounts.
func TestDriftGolden(t *testing.T) {
	for name, d := range map[string]*plans.Drift{
		"drift_unmanaged":      sampleDrift(sampleUnmanaged(9), false, 0),
		"drift_plan_unmanaged": sampleDrift(sampleUnmanaged(3), true, 2),
		"drift_plan":           sampleDrift(nil, true, 0),
		"drift_listed_none":    sampleDrift([]plans.Unmanaged{}, false, 1),
	} {
		t.Run(name, func(t *testing.T) {
			var text, js, md bytes.Buffer
			view.DriftText(&text, d, "known.ignore", true, view.Style{})
			if err := view.DriftJSON(&js, d, "1.2.3"); err != nil {
				t.Fatal(err)
			}
			if err := view.DriftMarkdown(&md, d, "1.2.3"); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".txt", text.Bytes())
			golden(t, name+".json", js.Bytes())
			golden(t, name+".md", md.Bytes())
		})
	}
}

// TestDriftMarkdownNamesTheFirstRows: past 50 accounts the markdown
// report counts the rest.
func TestDriftMarkdownNamesTheFirstRows(t *testing.T) {
	var md bytes.Buffer
	if err := view.DriftMarkdown(&md, sampleDrift(sampleUnmanaged(53), false, 0), "1.2.3"); err != nil {
		t.Fatal(err)
	}
	golden(t, "drift_many.md", md.Bytes())
}
