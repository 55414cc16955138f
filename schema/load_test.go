package schema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/schema"
)

// validInputs gives the cases of testdata/valid the variables they need.
var validInputs = map[string]schema.Inputs{
	"example":   {Vars: []string{"alice_password=curiouser and curiouser"}},
	"sensitive": {Vars: []string{"secret_email=alice@example.org"}},
	"partial":   {Partial: true},
}

// TestLoadValid loads every directory of testdata/valid and expects no
// diagnostic at all.
func TestLoadValid(t *testing.T) {
	entries, err := os.ReadDir("testdata/valid")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		t.Run(e.Name(), func(t *testing.T) {
			cfg, diags := schema.Load(filepath.Join("testdata/valid", e.Name()), validInputs[e.Name()])
			if len(diags) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", diagList(diags))
			}
			if len(cfg.Users) == 0 {
				t.Error("no users")
			}
		})
	}
}

// load loads testdata/valid/<name> and fails the test on any diagnostic.
func load(t *testing.T, name string, in schema.Inputs) *schema.Config {
	t.Helper()
	cfg, diags := schema.Load(filepath.Join("testdata/valid", name), in)
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diagList(diags))
	}
	return cfg
}

// describe renders the desired state of a user, one managed attribute a
// line, in the configuration's order; an unmanaged attribute has no line.
func describe(u *schema.User) string {
	var b strings.Builder
	str := func(name string, p *string) {
		if p != nil {
			fmt.Fprintf(&b, "%s = %q\n", name, *p)
		}
	}
	flag := func(name string, p *bool) {
		if p != nil {
			fmt.Fprintf(&b, "%s = %t\n", name, *p)
		}
	}
	str("email", u.Email)
	str("name", u.Name)
	str("bio", u.Bio)
	flag("admin", u.Admin)
	flag("moderator", u.Moderator)
	flag("confirmed", u.Confirmed)
	flag("approved", u.Approved)
	flag("locked", u.Locked)
	flag("active", u.Active)
	if u.Tags != nil {
		fmt.Fprintf(&b, "tags = %q\n", u.Tags)
	}
	if u.PasswordMode != schema.PasswordUnmanaged {
		fmt.Fprintf(&b, "%s = %q\n", u.PasswordMode.Attribute(), u.Password.Reveal())
	}
	var sensitive []string
	for name, s := range u.Sensitive {
		if s {
			sensitive = append(sensitive, name)
		}
	}
	if len(sensitive) > 0 {
		sort.Strings(sensitive)
		fmt.Fprintf(&b, "sensitive = %q\n", sensitive)
	}
	return b.String()
}

func TestLoadExample(t *testing.T) {
	cfg := load(t, "example", validInputs["example"])

	want := schema.Server{URL: "https://social.example.org", Flavor: server.Auto, Limits: server.DefaultLimits(), Federating: true, EndSessions: true}
	got := cfg.Server
	got.URLRange, got.FlavorRange, got.DeclRange = hcl.Range{}, hcl.Range{}, hcl.Range{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("server = %+v, want %+v", got, want)
	}

	users := map[string]string{
		"alice": `email = "alice@example.org"
name = "Alice Liddell"
bio = "Curiouser and curiouser!\nI look after the server.\n"
admin = true
moderator = false
confirmed = true
approved = true
locked = false
active = true
tags = ["staff" "verified"]
password = "curiouser and curiouser"
sensitive = ["password"]
`,
		// Tags lower-cased and de-duplicated in configured order; admin =
		// null is unmanaged.
		"Bob": `bio = "Hi, I am Bob.\nI help on EXAMPLE.ORG!!!\n"
tags = ["staff" "verified" "helper"]
`,
		"carol": "",
	}
	var order []string
	for _, u := range cfg.Users {
		order = append(order, u.Nickname)
	}
	if want := []string{"alice", "Bob", "carol"}; !reflect.DeepEqual(order, want) {
		t.Errorf("users in order %q, want %q (file, then source order)", order, want)
	}
	for nick, want := range users {
		t.Run(nick, func(t *testing.T) {
			u := cfg.User(strings.ToUpper(nick))
			if u == nil {
				t.Fatalf("User(%q) = nil", strings.ToUpper(nick))
			}
			if got := describe(u); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
			if u.Address() != "user."+nick {
				t.Errorf("Address() = %q", u.Address())
			}
		})
	}
	if u := cfg.User("dave"); u != nil {
		t.Errorf("User(dave) = %q, want nil", u.Nickname)
	}

	alice := cfg.User("alice")
	for attr, line := range map[string]int{"email": 21, "bio": 23, "password": 31} {
		if r := alice.Range(attr); r.Filename != "main.hcl" || r.Start.Line != line {
			t.Errorf("Range(%q) = %s, want main.hcl line %d", attr, r, line)
		}
	}
	if r := alice.LabelRange; r.Start.Line != 20 || r.Start.Column != 6 {
		t.Errorf("LabelRange = %s, want line 20 column 6", r)
	}
	if r := cfg.User("carol").Range("email"); r != cfg.User("carol").DeclRange {
		t.Errorf("Range of an unset attribute = %s, want the block's %s", r, cfg.User("carol").DeclRange)
	}
	for _, name := range []string{"main.hcl", "users.hcl"} {
		if cfg.Files[name] == nil {
			t.Errorf("Files has no %s, for source snippets", name)
		}
	}
}

func TestLoadPasswordModes(t *testing.T) {
	cfg := load(t, "modes", schema.Inputs{})
	tests := map[string]struct {
		mode     schema.PasswordMode
		password string
	}{
		"enforced": {schema.PasswordEnforced, "correct horse"},
		"initial":  {schema.PasswordInitial, "battery staple"},
		"hash":     {schema.PasswordHash, "$pbkdf2-sha512$160000$loXqbp8GYls43F0i6lEfIw$AY.Ep.2pGe57j2hAPY635sI/6w7l9Q9u9Bp02PkPmF3OrClDtJAI8bCiivPr53OKMF7ph6iHhN68Rom5nEfC2A"},
		"none":     {schema.PasswordUnmanaged, ""},
		"nulled":   {schema.PasswordUnmanaged, ""},
	}
	for nick, tc := range tests {
		t.Run(nick, func(t *testing.T) {
			u := cfg.User(nick)
			if u == nil {
				t.Fatal("no such user")
			}
			if u.PasswordMode != tc.mode || u.Password.Reveal() != tc.password {
				t.Errorf("mode %d with %q, want mode %d with %q", u.PasswordMode, u.Password.Reveal(), tc.mode, tc.password)
			}
			if attr := tc.mode.Attribute(); attr != "" && !u.Sensitive[attr] {
				t.Errorf("Sensitive[%q] = false: a password attribute is always sensitive", attr)
			}
		})
	}
}

func TestLoadSensitive(t *testing.T) {
	cfg := load(t, "sensitive", validInputs["sensitive"])
	want := map[string]string{
		"alice": `email = "alice@example.org"
name = "alice"
bio = "white rabbit"
admin = true
tags = ["rabbit" "x"]
initial_password = "literal"
sensitive = ["bio" "email" "initial_password" "tags"]
`,
		"bob": `name = "ALICE"
bio = "Follow the rabbit.\n"
sensitive = ["bio"]
`,
	}
	for nick, want := range want {
		t.Run(nick, func(t *testing.T) {
			if got := describe(cfg.User(nick)); got != want {
				t.Errorf("got\n%s\nwant\n%s", got, want)
			}
		})
	}
}

// TestLoadAkkomaRelay: Akkoma refuses only the restricted list's own
// spelling, so "Relay" is a valid nickname there.
func TestLoadAkkomaRelay(t *testing.T) {
	cfg := load(t, "akkoma-relay", schema.Inputs{})
	if cfg.Server.Flavor != server.Akkoma {
		t.Errorf("flavor = %q", cfg.Server.Flavor)
	}
	if cfg.User("relay") == nil || cfg.User("relay").Nickname != "Relay" {
		t.Error("user Relay not loaded in its configured case")
	}
}

func TestVariablePrecedence(t *testing.T) {
	const (
		file1 = "testdata/vars/precedence-1.vars" // v = "file1", w = "file1", undeclred = ...
		file2 = "testdata/vars/precedence-2.vars" // w = "file2"
	)
	tests := map[string]struct {
		in       schema.Inputs
		v, w     string
		warnings []diagKey
	}{
		"defaults": {v: "default", w: "default"},
		"environment over default": {
			in: schema.Inputs{Environ: []string{"HOME=/root", "ROSTER_VAR_v=env", "ROSTER_VAR_W=other case",
				"w=unprefixed", "ROSTER_VAR_undeclared=ignored", "ROSTER_VAR_novalue"}},
			v: "env", w: "default",
		},
		"var-file over environment": {
			in: schema.Inputs{Environ: []string{"ROSTER_VAR_v=env", "ROSTER_VAR_w=env"}, VarFiles: []string{file1}},
			v:  "file1", w: "file1",
			warnings: []diagKey{{file1, 3, "Value for undeclared variable"}},
		},
		"later var-file wins": {
			in: schema.Inputs{VarFiles: []string{file1, file2}},
			v:  "file1", w: "file2",
			warnings: []diagKey{{file1, 3, "Value for undeclared variable"}},
		},
		"--var over var-file and environment": {
			in: schema.Inputs{Environ: []string{"ROSTER_VAR_v=env", "ROSTER_VAR_w=env"}, VarFiles: []string{file1, file2},
				Vars: []string{"v=flag"}},
			v: "flag", w: "file2",
			warnings: []diagKey{{file1, 3, "Value for undeclared variable"}},
		},
		"later --var wins": {
			in: schema.Inputs{Vars: []string{"v=first", "v=second=with=equals", "w="}},
			v:  "second=with=equals", w: "",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg, diags := schema.Load("testdata/valid/precedence", tc.in)
			var warnings []diagKey
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					t.Errorf("unexpected error %s (%s)", keyOf(d), d.Detail)
					continue
				}
				warnings = append(warnings, keyOf(d))
			}
			if !reflect.DeepEqual(warnings, tc.warnings) {
				t.Errorf("warnings %v, want %v", warnings, tc.warnings)
			}
			u := cfg.User("alice")
			if u == nil || u.Name == nil || u.Bio == nil {
				t.Fatal("alice or her name or bio not loaded")
			}
			if *u.Name != tc.v || *u.Bio != tc.w {
				t.Errorf("v = %q, w = %q; want %q, %q", *u.Name, *u.Bio, tc.v, tc.w)
			}
		})
	}
}

func TestPartialInputs(t *testing.T) {
	t.Run("partial", func(t *testing.T) {
		cfg := load(t, "partial", schema.Inputs{Partial: true})
		u := cfg.User("alice")
		want := `name = "Alice"` + "\n"
		if got := describe(u); got != want {
			t.Errorf("got\n%s\nwant\n%s(every attribute that depends on a missing variable unset)", got, want)
		}
	})
	// Without Partial each missing variable is an error, in declaration
	// order on every run.
	t.Run("complete", func(t *testing.T) {
		want := []diagKey{
			{"main.hcl", 1, "No value for required variable"},
			{"main.hcl", 4, "No value for required variable"},
		}
		for range 20 {
			_, diags := schema.Load("testdata/valid/partial", schema.Inputs{})
			var got []diagKey
			for _, d := range diags {
				got = append(got, keyOf(d))
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("diagnostics %v, want %v", got, want)
			}
		}
	})
}

func TestLoadNoFiles(t *testing.T) {
	tests := map[string]struct {
		dir     string
		summary string
	}{
		"empty directory":   {t.TempDir(), "No configuration files"},
		"missing directory": {filepath.Join(t.TempDir(), "nope"), "Failed to read configuration directory"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			cfg, diags := schema.Load(tc.dir, schema.Inputs{})
			if cfg != nil {
				t.Error("a configuration from nothing")
			}
			if len(diags) != 1 || diags[0].Severity != hcl.DiagError || diags[0].Summary != tc.summary {
				t.Errorf("diagnostics:\n%s\nwant one error %q", diagList(diags), tc.summary)
			}
		})
	}
}

// TestLoadIgnoresOtherFiles: only *.hcl files of the directory itself are
// configuration, not hidden ones, other extensions or subdirectories.
func TestLoadIgnoresOtherFiles(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"users.hcl":       `user "alice" {}`,
		".hidden.hcl":     `user "hidden" {}`,
		"notes.txt":       `user "notes" {}`,
		"secrets.vars":    `x = "y"`,
		"sub/nested.hcl":  `user "nested" {}`,
		"users.hcl.orig":  `user "orig" {}`,
		"users.hcl~/x.hc": `x`,
	}
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if len(diags) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", diagList(diags))
	}
	if len(cfg.Users) != 1 || cfg.Users[0].Nickname != "alice" {
		var nicks []string
		for _, u := range cfg.Users {
			nicks = append(nicks, u.Nickname)
		}
		t.Errorf("users %q, want only alice", nicks)
	}
}

func TestLoadServer(t *testing.T) {
	cfg := load(t, "server", schema.Inputs{})
	want := schema.Server{
		Federating: true,
		URL:        "http://localhost:4000", Flavor: server.Pleroma, AllowUnknownVersion: true,
		AfterApply: []string{"systemctl", "restart", "pleroma"}, AfterApplySensitive: []bool{false, false, false},
		Limits:     server.Limits{NameLength: 50, BioLength: 10000, RestrictedNicknames: []string{"Bob", "carol"}},
		AuditActor: "root",
	}
	got := cfg.Server
	got.URLRange, got.FlavorRange, got.DeclRange, got.AuditActorRange = hcl.Range{}, hcl.Range{}, hcl.Range{}, hcl.Range{}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("server = %+v\nwant %+v", got, want)
	}
	if r := cfg.Server.FlavorRange; r.Start.Line != 3 {
		t.Errorf("FlavorRange = %s, want line 3", r)
	}
}

// TestAddressesInDiagnostics: diagnostics name objects by their address,
// with a name that is not an identifier in quotes and brackets.
func TestAddressesInDiagnostics(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"main.hcl": `
remote_instance "spam.example" {}
remote_instance "SPAM.example" {}
invite "spring 2027" {}
`})
	cfg, diags := schema.Load(dir, schema.Inputs{})
	var details []string
	for _, d := range errorsOf(diags) {
		details = append(details, d.Detail)
	}
	got := strings.Join(details, "\n")
	for _, want := range []string{`remote_instance["spam.example"] was already declared at`, `invite["spring 2027"] has no token`} {
		if !strings.Contains(got, want) {
			t.Errorf("no %q in:\n%s", want, rendered(t, cfg, diags))
		}
	}
}
