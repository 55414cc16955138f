package schema_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/schema"
)

// canary is the value of a sensitive variable: invalid for every attribute
// (not a URL, flavor, e-mail address, nickname, date, instant, state or
// prune mode, number or bool), so that every check that could quote it
// fails. Its mark is canaryMark, searched case-insensitively.
const (
	canary     = "Canary 7C1E9B/@x"
	canaryMark = "7c1e9b"
)

// canaryAttr is one attribute of one block, where the block is written
// with %s standing for the attribute.
type canaryAttr struct {
	block, attr string
	list        bool
	// allowed: roster keeps a sensitive value out of every output there.
	allowed bool
}

var canaryAttrs = func() []canaryAttr {
	var out []canaryAttr
	add := func(block string, allowed bool, attrs ...string) {
		for _, a := range attrs {
			list := strings.HasSuffix(a, "[]")
			out = append(out, canaryAttr{block: block, attr: strings.TrimSuffix(a, "[]"), list: list, allowed: allowed})
		}
	}
	const (
		server    = "server {\n  %s\n}\n"
		user      = "user \"alice\" {\n  %s\n}\n"
		users     = "users \"staff\" {\n  for_each = toset([\"alice\"])\n  %s\n}\n"
		lifecycle = "user \"alice\" {\n  lifecycle {\n    %s\n  }\n}\n"
		invite    = "invite \"spring\" {\n  %s\n}\nserver {\n  invite_secret = \"0123456789abcdef0123\"\n}\n"
	)
	add(server, false, "url", "flavor", "allow_unknown_version", "name_length", "bio_length",
		"extended_nickname_format", "restricted_nicknames[]", "federating", "end_sessions", "audit_actor")
	add(server, true, "after_apply[]", "invite_secret")
	add(user, true, "email", "name", "bio", "admin", "moderator", "confirmed", "approved", "locked", "active",
		"tags[]", "password", "initial_password", "password_hash", "state", "sessions_valid_after", "mfa")
	add(users, true, "email", "name", "bio", "admin", "moderator", "confirmed", "approved", "locked", "active",
		"tags[]", "password", "initial_password", "password_hash", "state", "sessions_valid_after", "mfa")
	add(lifecycle, false, "prevent_destroy")
	add("role \"admin\" {\n  %s\n}\n", false, "members[]")
	add("tag \"staff\" {\n  %s\n}\n", false, "members[]")
	add(invite, false, "max_use", "expires_at", "revoked")
	add(invite, true, "token")
	add("prune {\n  %s\n}\n", false, "users", "invites", "protect[]", "max")
	add("remote_instance \"spam.example\" {\n  %s\n}\n", false, "active")
	add("local_users {\n  %s\n}\n", false, "confirmed")
	return out
}()

// canaryForms are the ways a value reaches an attribute: as is, and
// through functions that keep it.
var canaryForms = []string{`var.canary`, `lower(var.canary)`, `format("%s!", var.canary)`, `upper(local.canary)`}

const canaryHeader = "variable \"canary\" {\n  sensitive = true\n}\nlocals {\n  canary = \"${var.canary}\"\n}\n"

// TestSensitiveCanary feeds a sensitive variable to every attribute of
// every block, directly and through functions and a local: where roster
// cannot keep the value secret it is an error at the attribute, and in no
// case does any diagnostic, rendered as text or JSON, show it.
func TestSensitiveCanary(t *testing.T) {
	for _, a := range canaryAttrs {
		for _, form := range canaryForms {
			expr := form
			if a.list {
				expr = "[\"ok\", " + form + "]"
			}
			src := canaryHeader + fmt.Sprintf(a.block, a.attr+" = "+expr)
			line := 7 + strings.Count(a.block[:strings.Index(a.block, "%s")], "\n")
			t.Run(a.attr+"/"+form, func(t *testing.T) {
				cfg, diags := loadCanary(t, src, schema.Inputs{Vars: []string{"canary=" + canary}})
				refused := hasError(diags, "main.hcl", line, "Sensitive value not allowed")
				switch {
				case !a.allowed && !refused:
					t.Errorf("%s takes a sensitive value; diagnostics:\n%s", a.attr, diagList(diags))
				case a.allowed && refused:
					t.Errorf("%s refuses a sensitive value", a.attr)
				}
				if a.allowed && !diags.HasErrors() {
					assertMarkedSensitive(t, cfg, a)
				}
			})
		}
	}
}

// TestSensitiveCanaryWithoutValue: validate, without variable values,
// already refuses a sensitive variable where it is not allowed.
func TestSensitiveCanaryWithoutValue(t *testing.T) {
	for _, a := range canaryAttrs {
		if a.allowed {
			continue
		}
		t.Run(a.attr, func(t *testing.T) {
			src := canaryHeader + fmt.Sprintf(a.block, a.attr+" = var.canary")
			line := 7 + strings.Count(a.block[:strings.Index(a.block, "%s")], "\n")
			_, diags := loadCanary(t, src, schema.Inputs{Partial: true})
			if !hasError(diags, "main.hcl", line, "Sensitive value not allowed") {
				t.Errorf("diagnostics:\n%s\nwant Sensitive value not allowed at line %d", diagList(diags), line)
			}
		})
	}
}

// TestSensitiveCanaryInErrors: expressions that fail on a sensitive value,
// in HCL's operators or in a function, never show it.
func TestSensitiveCanaryInErrors(t *testing.T) {
	exprs := []string{
		`var.canary + 1`, `-var.canary`, `!var.canary`, `var.canary ? "a" : "b"`, `"${var.canary}" == 1 ? 1 : 2`,
		`parseint(var.canary, 10)`, `jsondecode(var.canary)`, `csvdecode(var.canary)`, `yamldecode("[${var.canary}")`, `file(var.canary)`,
		`csvdecode("a\n${var.canary},b")`, `tobool(var.canary)`,
		`templatefile(var.canary, {})`, `templatefile("t.tpl", { v = var.canary })`, `regex("[", var.canary)`,
		`regex(var.canary, "x")`, `formatdate(var.canary, "2020-01-01T00:00:00Z")`, `timeadd(var.canary, "1h")`,
		`timeadd("2020-01-01T00:00:00Z", var.canary)`, `element(var.canary, 0)`, `[for c in var.canary : c]`,
		`{ a = 1 }[var.canary]`, `local.canary.attr`, `lookup({}, var.canary)`, `format("%d", var.canary)`,
		`setproduct(var.canary)`, `index(["a"], var.canary)`, `range(var.canary)`, `substr(var.canary, "x", 1)`,
		`zipmap([var.canary], [])`, `merge(var.canary)`, `jsonencode(var.canary) + 1`,
	}
	for _, attr := range []string{"bio", "tags", "admin"} {
		for _, expr := range exprs {
			t.Run(attr+"/"+expr, func(t *testing.T) {
				src := canaryHeader + fmt.Sprintf("user \"alice\" {\n  %s = %s\n}\n", attr, expr)
				loadCanary(t, src, schema.Inputs{Vars: []string{"canary=" + canary}})
			})
		}
		t.Run(attr+"/server url", func(t *testing.T) {
			loadCanary(t, canaryHeader+"server {\n  url = parseint(var.canary, 10)\n}\n", schema.Inputs{Vars: []string{"canary=" + canary}})
		})
	}
}

// TestCanaryHelperFails: without sensitive = true the same configurations
// do show the value, so the tests above can fail.
func TestCanaryHelperFails(t *testing.T) {
	for _, src := range []string{
		"user \"alice\" {\n  state = var.canary\n}\n",
		"user \"alice\" {\n  bio = parseint(var.canary, 10)\n}\n",
		"server {\n  url = lower(var.canary)\n}\n",
	} {
		dir := writeFiles(t, t.TempDir(), map[string]string{"main.hcl": "variable \"canary\" {}\n" + src})
		cfg, diags := schema.Load(dir, schema.Inputs{Vars: []string{"canary=" + canary}})
		if !bytes.Contains(bytes.ToLower(rendered(t, cfg, diags)), []byte(canaryMark)) {
			t.Errorf("a value that is not sensitive is not shown:\n%s", rendered(t, cfg, diags))
		}
	}
}

// loadCanary loads src as main.hcl and fails the test if the canary shows
// in any diagnostic.
func loadCanary(t *testing.T, src string, in schema.Inputs) (*schema.Config, hcl.Diagnostics) {
	t.Helper()
	dir := writeFiles(t, t.TempDir(), map[string]string{"main.hcl": src, "t.tpl": "${parseint(v, 10)}"})
	cfg, diags := schema.Load(dir, in)
	if out := rendered(t, cfg, diags); bytes.Contains(bytes.ToLower(out), []byte(canaryMark)) {
		t.Errorf("the sensitive value is in the diagnostics:\n%s", out)
	}
	return cfg, diags
}

func hasError(diags hcl.Diagnostics, file string, line int, summary string) bool {
	for _, d := range errorsOf(diags) {
		if keyOf(d) == (diagKey{file, line, summary}) {
			return true
		}
	}
	return false
}

// assertMarkedSensitive checks that a configuration that took the canary
// says where, for the renderers to redact it.
func assertMarkedSensitive(t *testing.T, cfg *schema.Config, a canaryAttr) {
	t.Helper()
	switch a.attr {
	case "after_apply":
		if want := []bool{false, true}; fmt.Sprint(cfg.Server.AfterApplySensitive) != fmt.Sprint(want) {
			t.Errorf("AfterApplySensitive = %v, want %v", cfg.Server.AfterApplySensitive, want)
		}
	case "invite_secret", "token":
		// Secrets: never printed at all.
	default:
		if u := cfg.User("alice"); u == nil || !u.Sensitive[a.attr] {
			t.Errorf("user attribute %s is not marked sensitive", a.attr)
		}
	}
}

// TestEnvironmentValuesAreSensitive: a value given by a ROSTER_VAR_
// environment variable is sensitive whatever the variable's declaration
// says, since a pull request writes the declarations and a CI job keeps its
// secrets in the environment; a --var or a --var-file given after it
// replaces it with a value that follows the declaration.
func TestEnvironmentValuesAreSensitive(t *testing.T) {
	const secret = "canary-env-9f3b"
	dir := writeFiles(t, t.TempDir(), map[string]string{"users.hcl": `variable "plain" {}
user "alice" {
  bio = var.plain
}
`, "plain.vars": `plain = "from a file"` + "\n"})
	env := []string{schema.EnvPrefix + "plain=" + secret}
	cfg, diags := schema.Load(dir, schema.Inputs{Environ: env})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	if u := cfg.User("alice"); u == nil || !u.Sensitive["bio"] || *u.Bio != secret {
		t.Errorf("a bio from the environment: %+v, want it sensitive", u)
	}
	for name, in := range map[string]schema.Inputs{
		"--var":      {Environ: env, Vars: []string{"plain=from the command line"}},
		"--var-file": {Environ: env, VarFiles: []string{filepath.Join(dir, "plain.vars")}},
	} {
		cfg, diags := schema.Load(dir, in)
		if diags.HasErrors() {
			t.Fatal(diags)
		}
		if u := cfg.User("alice"); u == nil || u.Sensitive["bio"] {
			t.Errorf("a bio from %s over the environment: %+v, want it plain", name, u)
		}
	}
	// Where a sensitive value is refused, the refusal says why one from
	// the environment is, and shows no value.
	dir = writeFiles(t, t.TempDir(), map[string]string{"users.hcl": "variable \"url\" {}\nserver {\n  url = var.url\n}\n"})
	_, diags = schema.Load(dir, schema.Inputs{Environ: []string{schema.EnvPrefix + "url=https://" + secret + ".example"}})
	if out := string(rendered(t, nil, diags)); !strings.Contains(out, "ROSTER_VAR_ environment variable is always sensitive") || strings.Contains(out, secret) {
		t.Errorf("server.url from the environment:\n%s", out)
	}
}

// TestSensitiveErrorsTellNothing: which expressions on a secret fail
// would tell the secret, one guess per expression, though no diagnostic
// shows a value. By default the errors about sensitive values are one
// error with no place, and the warnings are dropped: the diagnostics are
// the same, byte for byte, whatever the secret, and for a configuration
// with one failing guess or with many. With ROSTER_SHOW_SENSITIVE_ERRORS
// each error is in its place again.
func TestSensitiveErrorsTellNothing(t *testing.T) {
	var src strings.Builder
	src.WriteString("variable \"pw\" {\n  sensitive = true\n}\nlocals {\n")
	for i := range 3 {
		for _, c := range "abcdefgh" {
			fmt.Fprintf(&src, "  p%d_%c = [1][substr(var.pw, %d, 1) == %q ? 5 : 0]\n", i, c, i, string(c))
		}
	}
	src.WriteString("}\nuser \"alice\" {\n  state = var.pw == \"bad\" ? \"absent\" : \"present\"\n  email = \"${var.pw}@example.org\"\n}\n")
	dir := writeFiles(t, t.TempDir(), map[string]string{"users.hcl": src.String()})
	render := func(secret string, env ...string) string {
		cfg, diags := schema.Load(dir, schema.Inputs{Vars: []string{"pw=" + secret}, Environ: env})
		return string(rendered(t, cfg, diags))
	}
	first := render("abc")
	if !strings.Contains(first, "Error in a sensitive value") || strings.Contains(first, "line") {
		t.Errorf("the errors about the secret are not one error without a place:\n%s", first)
	}
	for _, other := range []string{"hgf", "aaa", "bad", "zzz x"} {
		if got := render(other); got != first {
			t.Errorf("the diagnostics of secret %q differ from those of \"abc\":\n%s\n---\n%s", other, got, first)
		}
	}
	shown := render("abc", schema.ShowSensitiveErrorsEnv+"=1")
	if n := strings.Count(shown, "Invalid index"); n < 3 {
		t.Errorf("with %s, %d Invalid index errors, want one for each right guess:\n%s", schema.ShowSensitiveErrorsEnv, n, shown)
	}
	if strings.Contains(shown, "abc") {
		t.Errorf("with %s, the secret is shown:\n%s", schema.ShowSensitiveErrorsEnv, shown)
	}
}
