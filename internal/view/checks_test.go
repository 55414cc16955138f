package view_test

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

// checkedPlan is a plan with three checks: one that passes, one that
// fails (enforced, with a message that holds markup and a control
// character), one that could not be evaluated.
func checkedPlan() *plans.Plan {
	p := &plans.Plan{FormatVersion: plans.FormatVersion, Read: 4,
		Server: plans.Server{Flavor: server.Akkoma, Version: 20250806000000, URL: "https://social.example.org", Known: true},
		Changes: []plans.Change{{Address: "user.bob", Type: "user", Nickname: "bob", Action: plans.Update, Unchanged: 1,
			Attrs: []plans.Attr{{Name: "admin", Before: false, After: true}}}}}
	p.Checks = []plans.Check{
		{Address: "check.admins_have_mfa", Name: "admins_have_mfa", Status: plans.CheckPass, Source: plans.Source{Filename: "checks.hcl", Line: 1}},
		{Address: "check.few_admins", Name: "few_admins", Status: plans.CheckFail, Enforce: true,
			Problems: []string{"At most three admins: <b>root</b>, alice, bob, carol\x1b[2J."}, Source: plans.Source{Filename: "checks.hcl", Line: 8}},
		{Address: "check.active_admins", Name: "active_admins", Status: plans.CheckError,
			Errors: []string{`Invalid function argument: Invalid value for "timestamp_a" parameter: not a valid RFC 3339 timestamp: "never".`},
			Source: plans.Source{Filename: "checks.hcl", Line: 16}},
	}
	return p
}

func TestChecksTextGolden(t *testing.T) {
	var b bytes.Buffer
	view.Plan(&b, checkedPlan(), view.Style{})
	empty := checkedPlan()
	empty.Changes = nil
	b.WriteString("---\n")
	view.Plan(&b, empty, view.Style{})
	b.WriteString("---\n")
	if err := view.DriftText(&b, &plans.Drift{Plan: empty}, nil, "", true, view.Style{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "checks.txt", b.Bytes())
}

// A plan whose checks all pass says nothing of them in text or markdown.
func TestChecksPassingSilent(t *testing.T) {
	p := checkedPlan()
	p.Checks = p.Checks[:1]
	var text, md bytes.Buffer
	view.Plan(&text, p, view.Style{})
	if err := view.Markdown(&md, p, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{text.String(), md.String()} {
		if strings.Contains(out, "check") {
			t.Errorf("a passing check is shown:\n%s", out)
		}
	}
}

func TestChecksJSON(t *testing.T) {
	got := jsonOf(t, checkedPlan())
	golden(t, "checks.json", got)
	// As terraform-json's CheckResultStatic reads it.
	var d struct {
		Checks []struct {
			Address struct {
				Kind      string `json:"kind"`
				Name      string `json:"name"`
				ToDisplay string `json:"to_display"`
			} `json:"address"`
			Status    string `json:"status"`
			Instances []struct {
				Address struct {
					ToDisplay string `json:"to_display"`
				} `json:"address"`
				Status   string `json:"status"`
				Problems []struct {
					Message string `json:"message"`
				} `json:"problems"`
			} `json:"instances"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(got, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Checks) != 3 {
		t.Fatalf("%d checks, want 3", len(d.Checks))
	}
	// Sorted by address, as Terraform sorts them.
	fa := d.Checks[2]
	if fa.Address.Kind != "check" || fa.Address.Name != "few_admins" || fa.Address.ToDisplay != "check.few_admins" || fa.Status != "fail" ||
		len(fa.Instances) != 1 || fa.Instances[0].Address.ToDisplay != "check.few_admins" || fa.Instances[0].Status != "fail" ||
		len(fa.Instances[0].Problems) != 1 || !strings.HasPrefix(fa.Instances[0].Problems[0].Message, "At most three admins") {
		t.Errorf("check.few_admins: %+v", fa)
	}
	if d.Checks[0].Address.ToDisplay != "check.active_admins" || d.Checks[0].Status != "error" || d.Checks[1].Status != "pass" {
		t.Errorf("checks: %+v", d.Checks)
	}
	// A plan without checks has no checks key.
	if bytes.Contains(jsonOf(t, groupsPlan()), []byte(`"checks"`)) {
		t.Error(`a plan without checks has "checks"`)
	}
}

func TestChecksMarkdownGolden(t *testing.T) {
	var b bytes.Buffer
	if err := view.Markdown(&b, checkedPlan(), "1.2.3"); err != nil {
		t.Fatal(err)
	}
	empty := checkedPlan()
	empty.Changes = nil
	b.WriteString("---\n")
	if err := view.DriftMarkdown(&b, &plans.Drift{Plan: empty}, nil, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	// With changes that need care: one callout holds both.
	b.WriteString("---\n")
	care := checkedPlan()
	care.Changes[0].Attrs[0] = plans.Attr{Name: "active", Before: true, After: false}
	if err := view.Markdown(&b, care, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	golden(t, "checks.md", b.Bytes())
	// Outside the folded text plan (a code block), a message's markup is
	// escaped, and no control character gets through anywhere.
	outside := regexp.MustCompile(`(?s)<details>.*?</details>`).ReplaceAllString(b.String(), "")
	if strings.Contains(outside, "<b>") {
		t.Errorf("the markdown holds a message's markup outside a code block:\n%s", outside)
	}
	if strings.Contains(b.String(), "\x1b") {
		t.Error("the markdown holds a control character")
	}
}
