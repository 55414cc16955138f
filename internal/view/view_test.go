package view_test

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/planner"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		os.WriteFile(path+".got", got, 0o644)
		t.Errorf("%s differs from the golden file (got written to %s.got; go test -update rewrites it)", name, path)
	}
}

func samplePlan() *planner.Plan {
	return &planner.Plan{FormatVersion: planner.FormatVersion, Changes: []planner.Change{
		{Address: "user.alice", Type: "user", Nickname: "alice", Action: planner.Create, Attrs: []planner.Attr{
			{Name: "admin", After: true},
			{Name: "ap_id", After: "https://social.example.org/users/alice"},
			{Name: "bio", After: "line one\nline two"},
			{Name: "id", Computed: true},
			{Name: "password", Sensitive: true},
			{Name: "tags", After: []string{"staff"}},
		}},
		{Address: "user.bob", Type: "user", Nickname: "bob", Action: planner.Update, Unchanged: 1,
			Notes: []string{"deactivated as the server's deactivate does"},
			Attrs: []planner.Attr{
				{Name: "active", Before: true, After: false},
				{Name: "bio", Before: "line one\nline two\nline three", After: "line one\nline 2\nline three\n"},
				{Name: "email", Before: nil, After: "bob@example.org"},
				{Name: "password", Sensitive: true},
				{Name: "tags", Before: []string{"a", "b"}, After: []string{"a", "c"}},
			}},
	}}
}

func TestPlanText(t *testing.T) {
	var b bytes.Buffer
	view.Plan(&b, samplePlan(), view.Style{})
	golden(t, "plan.txt", b.Bytes())
	if bytes.Contains(b.Bytes(), []byte("\x1b[")) {
		t.Error("colour codes without colour")
	}
}

func TestPlanColour(t *testing.T) {
	var b bytes.Buffer
	view.Plan(&b, samplePlan(), view.Style{Color: true})
	if !strings.Contains(b.String(), "\x1b[32m+\x1b[0m") || !strings.Contains(b.String(), "\x1b[33m~\x1b[0m") {
		t.Error("no colour on the symbols with colour on")
	}
}

func TestNoChanges(t *testing.T) {
	var b bytes.Buffer
	view.Plan(&b, &planner.Plan{}, view.Style{})
	golden(t, "nochanges.txt", b.Bytes())
}

func TestSingularUnchanged(t *testing.T) {
	var b bytes.Buffer
	p := &planner.Plan{Changes: []planner.Change{{Address: "user.a", Type: "user", Nickname: "a", Action: planner.Update, Unchanged: 1,
		Attrs: []planner.Attr{{Name: "admin", Before: false, After: true}}}}}
	view.Plan(&b, p, view.Style{})
	if !strings.Contains(b.String(), "# (1 unchanged attribute hidden)") {
		t.Errorf("singular form missing:\n%s", b.String())
	}
}

func TestDiagnosticsMarkTheRange(t *testing.T) {
	src := "user \"alice\" {\n  email = \"not-an-address\"\n}\n"
	p := hclparse.NewParser()
	f, diags := p.ParseHCL([]byte(src), "users.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	subject := hcl.Range{Filename: "users.hcl", Start: hcl.Pos{Line: 2, Column: 11, Byte: 25}, End: hcl.Pos{Line: 2, Column: 27, Byte: 41}}
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid e-mail address", Detail: "Give an address such as \"alice@example.org\".", Subject: &subject}}
	var b bytes.Buffer
	view.Diagnostics(&b, d, map[string]*hcl.File{"users.hcl": f}, view.Style{})
	golden(t, "diagnostic.txt", b.Bytes())
	b.Reset()
	view.Diagnostics(&b, d, map[string]*hcl.File{"users.hcl": f}, view.Style{Color: true})
	if !strings.Contains(b.String(), "\x1b[4m\"not-an-address\"\x1b[0m") {
		t.Errorf("with colour the range is not underlined:\n%q", b.String())
	}
}

func TestDiagnosticsHidePasswordLines(t *testing.T) {
	src := "user \"alice\" {\n  password_hash = \"hunter2-literal\"\n}\n"
	p := hclparse.NewParser()
	f, _ := p.ParseHCL([]byte(src), "users.hcl")
	subject := hcl.Range{Filename: "users.hcl", Start: hcl.Pos{Line: 2, Column: 19, Byte: 33}, End: hcl.Pos{Line: 2, Column: 36, Byte: 50}}
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unrecognized password hash", Subject: &subject}}
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		view.Diagnostics(&b, d, map[string]*hcl.File{"users.hcl": f}, view.Style{Color: color})
		if strings.Contains(b.String(), "hunter2") {
			t.Errorf("a literal password was printed in a snippet:\n%s", b.String())
		}
		if !strings.Contains(b.String(), "on users.hcl line 2") {
			t.Errorf("the location is missing:\n%s", b.String())
		}
	}
}
