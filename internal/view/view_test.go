package view_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"

	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
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

func samplePlan() *plans.Plan {
	return &plans.Plan{FormatVersion: plans.FormatVersion, Changes: []plans.Change{
		{Address: "user.alice", Type: "user", Nickname: "alice", Action: plans.Create, Attrs: []plans.Attr{
			{Name: "admin", After: true},
			{Name: "ap_id", After: "https://social.example.org/users/alice"},
			{Name: "bio", After: "line one\nline two"},
			{Name: "id", Computed: true},
			{Name: "password", Sensitive: true},
			{Name: "tags", After: []string{"staff"}},
		}},
		{Address: "user.bob", Type: "user", Nickname: "bob", Action: plans.Update, Unchanged: 1,
			Notes:  []string{"deactivated as the server's deactivate does"},
			Source: plans.Source{Filename: "users.hcl", Line: 3, Block: "users.staff", DataFile: "staff.csv", DataLine: 18},
			Attrs: []plans.Attr{
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
	view.Plan(&b, &plans.Plan{}, view.Style{})
	golden(t, "nochanges.txt", b.Bytes())
}

func TestSingularUnchanged(t *testing.T) {
	var b bytes.Buffer
	p := &plans.Plan{Changes: []plans.Change{{Address: "user.a", Type: "user", Nickname: "a", Action: plans.Update, Unchanged: 1,
		Attrs: []plans.Attr{{Name: "admin", Before: false, After: true}}}}}
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

func groupsPlan() *plans.Plan {
	return &plans.Plan{FormatVersion: plans.FormatVersion, Changes: []plans.Change{
		{Address: "user.alice", Type: "user", Nickname: "alice", Action: plans.Create, Attrs: []plans.Attr{
			{Name: "admin", After: true},
			{Name: "email", After: "alice@example.org"},
			{Name: "password", Sensitive: true, After: secret},
			{Name: "tags", After: []string{"verified"}},
		}},
		{Address: "user.bob", Type: "user", Nickname: "bob", Action: plans.Update, Unchanged: 6,
			Reasons: []string{"because bob is not a member of role.moderator"},
			Attrs: []plans.Attr{
				{Name: "moderator", Before: true, After: false},
				{Name: "tags", Before: []string{"verified"}, After: []string{}},
			}},
		{Address: "user.mallory", Type: "user", Nickname: "mallory", Action: plans.Delete, Reactivate: true,
			Reasons: []string{`because user.mallory is not in the configuration and prune.users = "delete"`},
			Notes: []string{
				"activated first: the server's rm refuses a deactivated account",
				"the server finishes the deletion when it runs its jobs; a deletion cannot be undone",
			},
			Attrs: []plans.Attr{
				{Name: "active", Before: false},
				{Name: "admin", Before: true},
				{Name: "bio", Before: "spam\nmore spam"},
				{Name: "email", Before: "mallory@example.org"},
				{Name: "name", Before: nil},
				{Name: "password", Sensitive: true, Before: secret},
				{Name: "tags", Before: []string{"x", "y"}},
			}},
		{Address: "invite.spring-2027", Type: "invite", Nickname: "spring-2027", Action: plans.Create, Attrs: []plans.Attr{
			{Name: "expires_at", After: "2027-03-31"},
			{Name: "invite_type", After: "reusable_date_limited"},
			{Name: "max_use", After: int64(25)},
			{Name: "revoked", After: false},
			{Name: "token", Sensitive: true, After: secret},
		}},
		{Address: "invite.summer-2026", Type: "invite", Nickname: "summer-2026", Action: plans.Update, InviteID: 7, Unchanged: 3,
			Attrs: []plans.Attr{
				{Name: "expires_at", Before: "2026-08-31", After: nil},
				{Name: "invite_type", Before: "reusable_date_limited", After: "reusable"},
				{Name: "max_use", Before: int64(10), After: int64(20)},
			}},
		{Address: "invite.winter-2026", Type: "invite", Nickname: "winter-2026", Action: plans.Update, InviteID: 3, Unchanged: 5,
			Reasons: []string{`because invite.winter-2026 is not in the configuration and prune.invites = "revoke"`},
			Attrs: []plans.Attr{
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
	p.Changes[1].Attrs = append(p.Changes[1].Attrs, plans.Attr{Name: "password", Sensitive: true, Before: secret, After: secret + "-new"})
	p.Changes[4].Attrs = append(p.Changes[4].Attrs, plans.Attr{Name: "token", Sensitive: true, Before: secret, After: secret})
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
	p := &plans.Plan{Changes: []plans.Change{groupsPlan().Changes[2]}}
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
		pr   plans.Privileges
		want string
	}{
		{plans.Privileges{AdminsGranted: 1}, "Privileges: 1 admin granted."},
		{plans.Privileges{ModeratorsRevoked: 1}, "Privileges: 1 moderator revoked."},
		{plans.Privileges{AdminsGranted: 1, ModeratorsRevoked: 1}, "Privileges: 1 admin granted, 1 moderator revoked."},
		{plans.Privileges{AdminsGranted: 2, AdminsRevoked: 1, ModeratorsGranted: 3, ModeratorsRevoked: 10},
			"Privileges: 2 admins granted, 1 admin revoked, 3 moderators granted, 10 moderators revoked."},
		{plans.Privileges{AdminsRevoked: 2, ModeratorsGranted: 1}, "Privileges: 2 admins revoked, 1 moderator granted."},
	} {
		if got := view.PrivilegesLine(tc.pr); got != tc.want {
			t.Errorf("PrivilegesLine(%+v) = %q, want %q", tc.pr, got, tc.want)
		}
	}
}

func TestNoPrivilegesLineWithoutRoleChanges(t *testing.T) {
	var b bytes.Buffer
	p := &plans.Plan{Changes: []plans.Change{groupsPlan().Changes[3]}}
	view.Plan(&b, p, view.Style{})
	if strings.Contains(b.String(), "Privileges") {
		t.Errorf("a privileges line for a plan without role changes:\n%s", b.String())
	}
}

func TestInviteURLs(t *testing.T) {
	var b bytes.Buffer
	view.InviteURLs(&b, []string{"invite.a", "invite.b"}, []string{"https://social.example.org/registration/abc=", "https://social.example.org/registration/def="}, view.Style{})
	view.InviteURLsWithheld(&b, 1, view.Command{Line: "roster invites --show-urls"})
	view.InviteURLsWithheld(&b, 2, view.Command{Line: "roster --chdir users --database-url … invites --show-urls",
		Note: "Give --database-url the same value as for this apply: roster does not print it, as it may be a secret."})
	golden(t, "invite_urls.txt", b.Bytes())
	b.Reset()
	view.InviteURLs(&b, nil, nil, view.Style{})
	view.InviteURLsWithheld(&b, 0, view.Command{Line: "roster invites --show-urls"})
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
	p := &plans.Plan{Changes: []plans.Change{
		{Address: "user.bob", Type: "user", Nickname: "bob", Action: plans.Update, ID: "x",
			Attrs:   []plans.Attr{{Name: "bio", Before: "line one\nline two", After: "line one\n\x1b[2K\x1b[1ANo changes.\u202e"}},
			Reasons: []string{"because \x1b[31m"}, Notes: []string{"note \x07"},
			Source: plans.Source{Block: `users["st\x1b[8maff"]`, DataFile: "st\x1baff.csv", DataLine: 2}},
		{Address: "invite.spring\x1b[8m", Type: "invite", Nickname: "spring\x1b[8m", Action: plans.Create,
			Attrs: []plans.Attr{{Name: "invite_type", After: "one_time"}, {Name: "token", Sensitive: true}}},
	}}
	var b bytes.Buffer
	view.Plan(&b, p, view.Style{})
	out := b.String()
	if i := strings.IndexFunc(out, func(r rune) bool { return r != '\n' && (r < 0x20 || r == 0x7f || r == '\u202e') }); i >= 0 {
		t.Errorf("the plan holds a control character at %d:\n%q", i, out)
	}
	for _, want := range []string{`\x1b[2K\x1b[1ANo changes.\u202e`, `# invite.spring\x1b[8m will be created`, `# (because \x1b[31m)`, `# (note \a)`, `# (from users["st\x1b[8maff"], st\x1baff.csv line 2)`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
}

// longLineFile is a configuration whose second line is over a megabyte
// long, with a bad value in its middle among multi-byte runes.
func longLineFile(t *testing.T) (*hcl.File, hcl.Range) {
	t.Helper()
	pad := strings.Repeat("é日", 300_000)
	src := "user \"alice\" {\n  emails = [\"" + pad + "\", \"not-an-address\", \"" + pad + "\"]\n}\n"
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "users.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	start := strings.Index(src, `"not-an-address"`)
	lineStart := strings.Index(src, "\n") + 1
	col := utf8.RuneCountInString(src[lineStart:start]) + 1
	return f, hcl.Range{Filename: "users.hcl",
		Start: hcl.Pos{Line: 2, Column: col, Byte: start},
		End:   hcl.Pos{Line: 2, Column: col + 16, Byte: start + 16}}
}

func TestDiagnosticsLongLine(t *testing.T) {
	f, subject := longLineFile(t)
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid e-mail address", Detail: "Give an address such as \"alice@example.org\".", Subject: &subject}}
	files := map[string]*hcl.File{"users.hcl": f}
	var b bytes.Buffer
	view.Diagnostics(&b, d, files, view.Style{})
	golden(t, "diagnostic_long_line.txt", b.Bytes())
	lines := strings.Split(b.String(), "\n")
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 6+120 {
			t.Errorf("a line of %d runes: %.200q", n, l)
		}
	}
	// The marker is under the address.
	for i, l := range lines {
		if !strings.HasPrefix(l, "   2: ") || i+1 == len(lines) {
			continue
		}
		marker := lines[i+1]
		from := utf8.RuneCountInString(marker[:strings.Index(marker, "^")])
		got := string([]rune(l)[from : from+strings.Count(marker, "^")])
		if got != `"not-an-address"` {
			t.Errorf("the marker is under %q, not the address:\n%s\n%s", got, l, marker)
		}
	}
	b.Reset()
	view.Diagnostics(&b, d, files, view.Style{Color: true})
	if !strings.Contains(b.String(), "\x1b[4m\"not-an-address\"\x1b[0m") {
		t.Errorf("with colour the range is not underlined:\n%q", b.String())
	}
}

func TestValidateJSONLongLine(t *testing.T) {
	f, subject := longLineFile(t)
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid e-mail address", Subject: &subject}}
	var b bytes.Buffer
	if err := view.ValidateJSON(&b, d, map[string]*hcl.File{"users.hcl": f}); err != nil {
		t.Fatal(err)
	}
	var doc validateDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Diagnostics[0].Snippet
	if n := utf8.RuneCountInString(s.Code); n > 120 {
		t.Errorf("code of %d runes", n)
	}
	if !strings.HasPrefix(s.Code, "…") || !strings.HasSuffix(s.Code, "…") {
		t.Errorf("the cut code does not say so: %q", s.Code)
	}
	if s.HighlightStart < 0 || s.HighlightStart > s.HighlightEnd || s.HighlightEnd > len(s.Code) {
		t.Fatalf("highlight %d..%d out of %q", s.HighlightStart, s.HighlightEnd, s.Code)
	}
	if got := s.Code[s.HighlightStart:s.HighlightEnd]; got != `"not-an-address"` {
		t.Errorf("the highlight is %q, not the address", got)
	}
}

// TestDiagnosticsHideSecretLongLine: a secret set far beyond the window of
// a long line still hides the line.
func TestDiagnosticsHideSecretLongLine(t *testing.T) {
	src := "invite \"x\" { max_use = \"ten\", " + strings.Repeat("a = 1, ", 10000) + "token = \"SUPERSECRET\" }\n"
	f, _ := hclparse.NewParser().ParseHCL([]byte(src), "x.hcl")
	r := hcl.Range{Filename: "x.hcl", Start: hcl.Pos{Line: 1, Column: 24, Byte: 23}, End: hcl.Pos{Line: 1, Column: 29, Byte: 28}}
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid max_use", Subject: &r}}
	var b bytes.Buffer
	view.Diagnostics(&b, d, map[string]*hcl.File{"x.hcl": f}, view.Style{})
	if strings.Contains(b.String(), "a = 1") || strings.Contains(b.String(), "SUPERSECRET") || !strings.Contains(b.String(), "source line not shown") {
		t.Errorf("a line that sets a token was shown:\n%s", b.String())
	}
	b.Reset()
	view.ValidateJSON(&b, d, map[string]*hcl.File{"x.hcl": f})
	if strings.Contains(b.String(), "a = 1") || strings.Contains(b.String(), "SUPERSECRET") || !strings.Contains(b.String(), "source line not shown") {
		t.Errorf("a line that sets a token was shown:\n%s", b.String())
	}
}

// manyDiags are 250 errors and 3 warnings, in source order, numbered in
// their summaries.
func manyDiags() hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i := range 253 {
		d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Problem %d", i)}
		if i == 10 || i == 150 || i == 252 {
			d.Severity = hcl.DiagWarning
		}
		diags = append(diags, d)
	}
	return diags
}

func TestDiagnosticsCapped(t *testing.T) {
	var b bytes.Buffer
	view.Diagnostics(&b, manyDiags(), nil, view.Style{})
	out := b.String()
	if n := strings.Count(out, "\nError: ") + strings.Count(out, "\nWarning: "); n != 100 {
		t.Errorf("%d diagnostics shown, want 100", n)
	}
	if !strings.Contains(out, "\nWarning: Problem 10\n") || !strings.Contains(out, "\nError: Problem 99\n") || strings.Contains(out, "Problem 100\n") {
		t.Errorf("not the first 100 in order:\n%s", out)
	}
	want := "\n\n… and 151 more errors and 2 more warnings: fix the ones above and run again.\n"
	if !strings.HasSuffix(out, want) {
		t.Errorf("the output does not end in %q:\n%s", want, out[max(0, len(out)-300):])
	}
	b.Reset()
	view.Diagnostics(&b, manyDiags()[:100], nil, view.Style{})
	if strings.Contains(b.String(), "…") {
		t.Errorf("100 diagnostics said some were left out:\n%s", b.String())
	}
	b.Reset()
	view.Diagnostics(&b, manyDiags()[:101], nil, view.Style{})
	if !strings.HasSuffix(b.String(), "\n… and 1 more error: fix the ones above and run again.\n") {
		t.Errorf("101 diagnostics:\n%s", b.String())
	}
}

type validateDoc struct {
	Valid        bool `json:"valid"`
	ErrorCount   int  `json:"error_count"`
	WarningCount int  `json:"warning_count"`
	Diagnostics  []struct {
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
		Snippet  *struct {
			Code           string `json:"code"`
			HighlightStart int    `json:"highlight_start_offset"`
			HighlightEnd   int    `json:"highlight_end_offset"`
		} `json:"snippet"`
	} `json:"diagnostics"`
}

func TestValidateJSONCapped(t *testing.T) {
	var b bytes.Buffer
	if err := view.ValidateJSON(&b, manyDiags(), nil); err != nil {
		t.Fatal(err)
	}
	var doc validateDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Valid || doc.ErrorCount != 250 || doc.WarningCount != 3 {
		t.Errorf("valid %v, %d errors, %d warnings; want false, 250, 3", doc.Valid, doc.ErrorCount, doc.WarningCount)
	}
	if len(doc.Diagnostics) != 101 {
		t.Fatalf("%d diagnostics listed, want 100 and the one that says how many more", len(doc.Diagnostics))
	}
	if d := doc.Diagnostics[99]; d.Summary != "Problem 99" || d.Severity != "error" {
		t.Errorf("the 100th is %+v", d)
	}
	last := doc.Diagnostics[100]
	if last.Severity != "warning" || last.Summary != "151 errors and 2 warnings not listed" || !strings.Contains(last.Detail, "first 100") {
		t.Errorf("the last diagnostic is %+v", last)
	}
	b.Reset()
	view.ValidateJSON(&b, manyDiags()[:100], nil)
	if strings.Contains(b.String(), "not listed") {
		t.Error("100 diagnostics said some were left out")
	}
}

// TestDiagnosticsClipText: a summary and a detail of any length are cut,
// in text and in JSON.
func TestDiagnosticsClipText(t *testing.T) {
	d := hcl.Diagnostics{{Severity: hcl.DiagError, Summary: strings.Repeat("S", 10_000), Detail: strings.Repeat("word ", 1_000_000) + "Fix it."}}
	var b bytes.Buffer
	view.Diagnostics(&b, d, nil, view.Style{})
	if b.Len() > 6000 {
		t.Errorf("%d bytes of output", b.Len())
	}
	if !strings.Contains(b.String(), "Error: "+strings.Repeat("S", 199)+"…\n") || !strings.HasSuffix(b.String(), "Fix it.\n") {
		t.Errorf("cut wrongly:\n%s", b.String())
	}
	b.Reset()
	view.ValidateJSON(&b, d, nil)
	var doc validateDoc
	if err := json.Unmarshal(b.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if s := doc.Diagnostics[0]; utf8.RuneCountInString(s.Summary) != 200 || utf8.RuneCountInString(s.Detail) > 4100 || !strings.HasSuffix(s.Detail, "Fix it.") {
		t.Errorf("cut wrongly: summary of %d runes, detail of %d", utf8.RuneCountInString(s.Summary), utf8.RuneCountInString(s.Detail))
	}
}

// TestDiagnosticsCRLF: in a file with CRLF line endings the marker is
// under the range, however many lines come before it.
func TestDiagnosticsCRLF(t *testing.T) {
	src := "user \"alice\" {\r\n  name  = \"Alice\"\r\n  email = \"not-an-address\"\r\n}\r\n"
	f, diags := hclparse.NewParser().ParseHCL([]byte(src), "users.hcl")
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	start := strings.Index(src, `"not-an-address"`)
	subject := hcl.Range{Filename: "users.hcl", Start: hcl.Pos{Line: 3, Column: 11, Byte: start}, End: hcl.Pos{Line: 3, Column: 27, Byte: start + 16}}
	var b bytes.Buffer
	view.Diagnostics(&b, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid e-mail address", Subject: &subject}}, map[string]*hcl.File{"users.hcl": f}, view.Style{})
	want := "   3:   email = \"not-an-address\"\n                ^^^^^^^^^^^^^^^^\n"
	if !strings.Contains(b.String(), want) {
		t.Errorf("want\n%s\nin\n%s", want, b.String())
	}
}
