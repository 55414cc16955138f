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

// secret is put into the sensitive attributes' values of the sample plans:
// the model never carries one there, but the view must not print it even
// if it did.
const secret = "tok-3f9a-hunter2"

func groupsPlan() *planner.Plan {
	return &planner.Plan{FormatVersion: planner.FormatVersion, Changes: []planner.Change{
		{Address: "user.alice", Type: "user", Nickname: "alice", Action: planner.Create, Attrs: []planner.Attr{
			{Name: "admin", After: true},
			{Name: "email", After: "alice@example.org"},
			{Name: "password", Sensitive: true, After: secret},
			{Name: "tags", After: []string{"verified"}},
		}},
		{Address: "user.bob", Type: "user", Nickname: "bob", Action: planner.Update, Unchanged: 6,
			Reasons: []string{"because bob is not a member of role.moderator"},
			Attrs: []planner.Attr{
				{Name: "moderator", Before: true, After: false},
				{Name: "tags", Before: []string{"verified"}, After: []string{}},
			}},
		{Address: "user.mallory", Type: "user", Nickname: "mallory", Action: planner.Delete, Reactivate: true,
			Reasons: []string{`because user.mallory is not in the configuration and prune.users = "delete"`},
			Notes: []string{
				"activated first: the server's rm refuses a deactivated account",
				"the server finishes the deletion when it runs its jobs; a deletion cannot be undone",
			},
			Attrs: []planner.Attr{
				{Name: "active", Before: false},
				{Name: "admin", Before: true},
				{Name: "bio", Before: "spam\nmore spam"},
				{Name: "email", Before: "mallory@example.org"},
				{Name: "name", Before: nil},
				{Name: "password", Sensitive: true, Before: secret},
				{Name: "tags", Before: []string{"x", "y"}},
			}},
		{Address: "invite.spring-2027", Type: "invite", Nickname: "spring-2027", Action: planner.Create, Attrs: []planner.Attr{
			{Name: "expires_at", After: "2027-03-31"},
			{Name: "invite_type", After: "reusable_date_limited"},
			{Name: "max_use", After: int64(25)},
			{Name: "revoked", After: false},
			{Name: "token", Sensitive: true, After: secret},
		}},
		{Address: "invite.summer-2026", Type: "invite", Nickname: "summer-2026", Action: planner.Update, InviteID: 7, Unchanged: 3,
			Attrs: []planner.Attr{
				{Name: "expires_at", Before: "2026-08-31", After: nil},
				{Name: "invite_type", Before: "reusable_date_limited", After: "reusable"},
				{Name: "max_use", Before: int64(10), After: int64(20)},
			}},
		{Address: "invite.winter-2026", Type: "invite", Nickname: "winter-2026", Action: planner.Update, InviteID: 3, Unchanged: 5,
			Reasons: []string{`because invite.winter-2026 is not in the configuration and prune.invites = "revoke"`},
			Attrs: []planner.Attr{
				{Name: "revoked", Before: false, After: true},
			}},
	}}
}

func TestPlanGroupsInvitesDestroy(t *testing.T) {
	var b bytes.Buffer
	view.Plan(&b, groupsPlan(), view.Style{})
	golden(t, "plan_destroy.txt", b.Bytes())
}

func TestPlanNeverPrintsSecrets(t *testing.T) {
	p := groupsPlan()
	// A sensitive attribute in every position: created, updated, destroyed.
	p.Changes[1].Attrs = append(p.Changes[1].Attrs, planner.Attr{Name: "password", Sensitive: true, Before: secret, After: secret + "-new"})
	p.Changes[4].Attrs = append(p.Changes[4].Attrs, planner.Attr{Name: "token", Sensitive: true, Before: secret, After: secret})
	for _, color := range []bool{false, true} {
		var b bytes.Buffer
		view.Plan(&b, p, view.Style{Color: color})
		if strings.Contains(b.String(), "tok-") || strings.Contains(b.String(), "hunter2") {
			t.Errorf("a token or password was printed (colour %v):\n%s", color, b.String())
		}
		if n := strings.Count(b.String(), "(sensitive value)"); n != 5 {
			t.Errorf("%d sensitive attributes shown redacted, want 5:\n%s", n, b.String())
		}
	}
}

func TestPlanDestroyColour(t *testing.T) {
	var b bytes.Buffer
	view.Plan(&b, groupsPlan(), view.Style{Color: true})
	out := b.String()
	for _, want := range []string{
		"  \x1b[31m-\x1b[0m destroy\n",
		"  \x1b[31m-\x1b[0m user \"mallory\" {\n",
		"\x1b[33m\x1b[1mPrivileges: 1 admin granted, 1 admin revoked, 1 moderator revoked.\x1b[0m\x1b[0m\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%q", want, out)
		}
	}
}

func TestPlanLegendOnlyUsedSymbols(t *testing.T) {
	var b bytes.Buffer
	view.Plan(&b, samplePlan(), view.Style{})
	if strings.Contains(b.String(), "  - destroy") {
		t.Errorf("the legend lists destroy for a plan without one:\n%s", b.String())
	}
	b.Reset()
	p := &planner.Plan{Changes: []planner.Change{groupsPlan().Changes[2]}}
	view.Plan(&b, p, view.Style{})
	if !strings.Contains(b.String(), "symbols:\n  - destroy\n\n") {
		t.Errorf("the legend of a destroy-only plan is not just destroy:\n%s", b.String())
	}
	if !strings.Contains(b.String(), "Plan: 0 to add, 0 to change, 1 to destroy.\nPrivileges: 1 admin revoked.\n") {
		t.Errorf("a deleted admin is not called out as a revocation:\n%s", b.String())
	}
}

func TestPrivilegesLine(t *testing.T) {
	for _, tc := range []struct {
		pr   planner.Privileges
		want string
	}{
		{planner.Privileges{AdminsGranted: 1}, "Privileges: 1 admin granted."},
		{planner.Privileges{ModeratorsRevoked: 1}, "Privileges: 1 moderator revoked."},
		{planner.Privileges{AdminsGranted: 1, ModeratorsRevoked: 1}, "Privileges: 1 admin granted, 1 moderator revoked."},
		{planner.Privileges{AdminsGranted: 2, AdminsRevoked: 1, ModeratorsGranted: 3, ModeratorsRevoked: 10},
			"Privileges: 2 admins granted, 1 admin revoked, 3 moderators granted, 10 moderators revoked."},
		{planner.Privileges{AdminsRevoked: 2, ModeratorsGranted: 1}, "Privileges: 2 admins revoked, 1 moderator granted."},
	} {
		if got := view.PrivilegesLine(tc.pr); got != tc.want {
			t.Errorf("PrivilegesLine(%+v) = %q, want %q", tc.pr, got, tc.want)
		}
	}
}

func TestNoPrivilegesLineWithoutRoleChanges(t *testing.T) {
	var b bytes.Buffer
	p := &planner.Plan{Changes: []planner.Change{groupsPlan().Changes[3]}}
	view.Plan(&b, p, view.Style{})
	if strings.Contains(b.String(), "Privileges") {
		t.Errorf("a privileges line for a plan without role changes:\n%s", b.String())
	}
}

func TestInviteURLs(t *testing.T) {
	var b bytes.Buffer
	view.InviteURLs(&b, []string{"invite.a", "invite.b"}, []string{"https://social.example.org/registration/abc=", "https://social.example.org/registration/def="}, view.Style{})
	view.InviteURLsWithheld(&b, 1, "https://social.example.org")
	view.InviteURLsWithheld(&b, 2, "")
	golden(t, "invite_urls.txt", b.Bytes())
	b.Reset()
	view.InviteURLs(&b, nil, nil, view.Style{})
	view.InviteURLsWithheld(&b, 0, "https://social.example.org")
	if b.Len() != 0 {
		t.Errorf("output without new invites:\n%s", b.String())
	}
}

func TestDiagnosticsHideEverySecretLine(t *testing.T) {
	src := "invite \"b\" { token = \"SUPERSECRET-1\" }\n" +
		"server {\n  invite_secret = \"SUPERSECRET-2\"\n}\n" +
		"user \"a\" {\n  password = join(\"\", [\n    \"SUPERSECRET-3\",\n  ])\n}\n"
	p := hclparse.NewParser()
	f, diags := p.ParseHCL([]byte(src), "x.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	for _, line := range []int{1, 3, 7} {
		r := hcl.Range{Filename: "x.hcl", Start: hcl.Pos{Line: line, Column: 1}, End: hcl.Pos{Line: line, Column: 2}}
		var b bytes.Buffer
		view.Diagnostics(&b, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "S", Subject: &r}}, map[string]*hcl.File{"x.hcl": f}, view.Style{})
		if strings.Contains(b.String(), "SUPERSECRET") {
			t.Errorf("line %d: a secret was printed:\n%s", line, b.String())
		}
	}
}

// TestPlanShowsNoControlCharacters: a bio's lines, an invite's name, reasons
// and notes come from a configuration or a row someone else wrote; an
// escape sequence in one would recolour, hide or fake lines of the plan in
// a terminal or a CI log. Without colour the text plan holds no control
// character but newlines; each is shown as its Go escape.
func TestPlanShowsNoControlCharacters(t *testing.T) {
	p := &planner.Plan{Changes: []planner.Change{
		{Address: "user.bob", Type: "user", Nickname: "bob", Action: planner.Update, ID: "x",
			Attrs:   []planner.Attr{{Name: "bio", Before: "line one\nline two", After: "line one\n\x1b[2K\x1b[1ANo changes.\u202e"}},
			Reasons: []string{"because \x1b[31m"}, Notes: []string{"note \x07"}},
		{Address: "invite.spring\x1b[8m", Type: "invite", Nickname: "spring\x1b[8m", Action: planner.Create,
			Attrs: []planner.Attr{{Name: "invite_type", After: "one_time"}, {Name: "token", Sensitive: true}}},
	}}
	var b bytes.Buffer
	view.Plan(&b, p, view.Style{})
	out := b.String()
	if i := strings.IndexFunc(out, func(r rune) bool { return r != '\n' && (r < 0x20 || r == 0x7f || r == '\u202e') }); i >= 0 {
		t.Errorf("the plan holds a control character at %d:\n%q", i, out)
	}
	for _, want := range []string{`\x1b[2K\x1b[1ANo changes.\u202e`, `# invite.spring\x1b[8m will be created`, `# (because \x1b[31m)`, `# (note \a)`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
}
