package view_test

import (
	"bytes"
	"encoding/json"
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

// sampleDrift is a drift report of the undeclared accounts unmanaged (not
// read when nil), with the sample plan or none.
func sampleDrift(unmanaged []plans.Unmanaged, withPlan bool, ignored int) (*plans.Drift, view.UnmanagedAccounts) {
	p := &plans.Plan{FormatVersion: plans.FormatVersion, Read: 12,
		Server: plans.Server{Flavor: "pleroma", Version: 20240904142434, URL: "https://social.example.org", Known: true}}
	if withPlan {
		p.Changes = samplePlan().Changes
	}
	d := &plans.Drift{Plan: p, Unmanaged: len(unmanaged), Listed: unmanaged != nil, Ignored: ignored}
	for _, u := range unmanaged {
		d.Widest = max(d.Widest, len(u.Address))
	}
	return d, listOf(unmanaged)
}

// listOf hands the accounts of list to visit, one at a time.
func listOf(list []plans.Unmanaged) view.UnmanagedAccounts {
	return func(visit func(*plans.Unmanaged) error) error {
		for i := range list {
			if err := visit(&list[i]); err != nil {
				return err
			}
		}
		return nil
	}
}

// TestDriftGolden holds the drift report of each format to its golden
// file: the status line, what was read, the plan, and the undeclared
// accounts.
func TestDriftGolden(t *testing.T) {
	for name, list := range map[string]struct {
		unmanaged []plans.Unmanaged
		plan      bool
		ignored   int
	}{
		"drift_unmanaged":      {sampleUnmanaged(9), false, 0},
		"drift_plan_unmanaged": {sampleUnmanaged(3), true, 2},
		"drift_plan":           {nil, true, 0},
		"drift_listed_none":    {[]plans.Unmanaged{}, false, 1},
	} {
		t.Run(name, func(t *testing.T) {
			d, accounts := sampleDrift(list.unmanaged, list.plan, list.ignored)
			var text, js, md bytes.Buffer
			if err := view.DriftText(&text, d, accounts, "known.ignore", true, view.Style{}); err != nil {
				t.Fatal(err)
			}
			if err := view.DriftJSON(&js, d, accounts, "1.2.3"); err != nil {
				t.Fatal(err)
			}
			if err := view.DriftMarkdown(&md, d, accounts, "1.2.3"); err != nil {
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
	d, accounts := sampleDrift(sampleUnmanaged(53), false, 0)
	if err := view.DriftMarkdown(&md, d, accounts, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	golden(t, "drift_many.md", md.Bytes())
}

// TestDriftReportsWriteAsTheyRead: the text and JSON reports write each
// undeclared account as it comes, so that by the last of 20,000 the
// writer holds nearly all of them, and the JSON is still one document of
// every account; the markdown report reads only the rows it names.
func TestDriftReportsWriteAsTheyRead(t *testing.T) {
	const n = 20_000
	list := sampleUnmanaged(n)
	d, _ := sampleDrift(list, false, 0)
	for _, format := range []string{"text", "json"} {
		var out bytes.Buffer
		var atLast int
		accounts := func(visit func(*plans.Unmanaged) error) error {
			for i := range list {
				if i == n-1 {
					atLast = out.Len()
				}
				if err := visit(&list[i]); err != nil {
					return err
				}
			}
			return nil
		}
		var err error
		if format == "json" {
			err = view.DriftJSON(&out, d, accounts, "1.2.3")
		} else {
			err = view.DriftText(&out, d, accounts, "", false, view.Style{})
		}
		if err != nil {
			t.Fatal(err)
		}
		if atLast < out.Len()*9/10 {
			t.Errorf("%s: %d of %d bytes written when the last account was read: the report waits for the list", format, atLast, out.Len())
		}
		if format == "json" {
			var doc struct {
				Unmanaged []plans.Unmanaged `json:"unmanaged_accounts"`
			}
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil || len(doc.Unmanaged) != n || doc.Unmanaged[n-1].Nickname != list[n-1].Nickname {
				t.Errorf("the JSON report does not decode to its %d accounts: %d, %v", n, len(doc.Unmanaged), err)
			}
		}
	}
	read := 0
	accounts := func(visit func(*plans.Unmanaged) error) error {
		for i := range list {
			read++
			if err := visit(&list[i]); err != nil {
				return err
			}
		}
		return nil
	}
	var md bytes.Buffer
	if err := view.DriftMarkdown(&md, d, accounts, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	if read > 51 {
		t.Errorf("the markdown report read %d accounts to name 50", read)
	}
}
