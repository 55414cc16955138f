package cli_test

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/schema"
)

// The canaries: values that must never appear in anything roster prints or
// writes, whatever a configuration tries.
const (
	canaryDBPassword = "canary-dbpw-7d1e"       // in DATABASE_URL
	canaryEnvVar     = "canary-envvar-2b9c"     // ROSTER_VAR_from_env, declared without sensitive
	canaryUndeclared = "canary-undeclared-5f0a" // ROSTER_VAR_nobody, not declared
	canaryPlainEnv   = "canary-plainenv-8e3d"   // CANARY_PLAIN, any variable of the runner
	canaryOutside    = "canary-outside-4c6b"    // a file beside the configuration directory
	canarySensitive  = "canary-sensitive-9a1f"  // a sensitive variable, from --var
	canaryVarFile    = "canary-varfile-6e2a"    // a sensitive variable, from a --var-file
)

var canaries = []string{canaryDBPassword, canaryEnvVar, canaryUndeclared, canaryPlainEnv, canaryOutside, canarySensitive, canaryVarFile}

// canaryRoute is a configuration that tries one way of making roster show
// what it must not.
type canaryRoute struct {
	name  string
	files map[string]string // name → contents; "->target" makes a symbolic link
	// refused is what validate must say, to show the route was tried and
	// stopped; empty for a configuration that plans.
	refused string
	// apply runs apply too, and the listings after it: only for values
	// that stay secret once written (a profile's bio is public).
	apply bool
}

const sensitiveVars = `variable "s" {
  sensitive = true
}
variable "from_file" {
  sensitive = true
}
variable "from_env" {
}
`

func canaryRoutes(outside string) []canaryRoute {
	user := func(body string) map[string]string {
		return map[string]string{"users.hcl": sensitiveVars + "server {\n  url = \"https://social.example.org\"\n}\nuser \"alice\" {\n" + body + "\n}\n"}
	}
	with := func(m map[string]string, name, src string) map[string]string { m[name] = src; return m }
	return []canaryRoute{
		{"file of the environment", user(`  bio = file("/proc/self/environ")`), "outside the configuration directory", false},
		{"file beside the directory", user(`  bio = file("../outside.txt")`), "outside the configuration directory", false},
		{"absolute path", user(`  bio = file("` + outside + `")`), "outside the configuration directory", false},
		{"templatefile", user(`  bio = templatefile("../outside.txt", {})`), "outside the configuration directory", false},
		{"a link leading out", with(user(`  bio = file("link.txt")`), "link.txt", "->../outside.txt"), "outside the configuration directory", false},
		{"a *.hcl link to the environment", with(user(``), "env.hcl", "->/proc/self/environ"), "env.hcl", false},
		{"a *.hcl link leading out", with(user(``), "out.hcl", "->../outside.txt"), "out.hcl", false},
		{"state from a file", user(`  state = file("../outside.txt")`), "outside the configuration directory", false},
		{"state from the environment", user(`  state = file("/proc/self/environ")`), "outside the configuration directory", false},
		{"sensitive values everywhere", map[string]string{"users.hcl": sensitiveVars + `
server {
  url    = var.s
  flavor = lower(var.s)
}
user "bob" {
  state                = var.s
  sessions_valid_after = upper(var.s)
  email                = format("%s", var.from_file)
}
role "admin" {
  members = [var.s]
}
prune {
  users = var.s
}
invite "spring" {
  token      = "spring-token-for-canaries"
  expires_at = var.s
}
`}, "Sensitive value not allowed", false},
		{"HCL's own messages", map[string]string{"users.hcl": sensitiveVars + `
locals {
  m = { for x in [var.s, var.s] : x => 1 }
  n = { for x in [var.from_env, lower(var.from_env)] : x => 1 }
}
user "alice" {
  name = jsonencode(true ? {(var.s) = [1]} : {b = "x"})
  bio  = jsonencode(true ? {(var.from_file) = [1]} : {b = "x"})
}
`}, "Error in a sensitive value", false},
		{"a variable of the environment declared plain", user(`  bio  = var.from_env
  name = "x${var.from_env}"`), "", false},
		{"secrets where they belong", map[string]string{"users.hcl": sensitiveVars + `
server {
  url         = "https://social.example.org"
  after_apply = ["true", var.s]
}
user "alice" {
  password = var.s
  email    = "alice@social.example.org"
}
user "bob" {
  initial_password = var.from_file
}
invite "spring" {
  token = var.s
}
`}, "", true},
	}
}

// TestCanaries runs every command on configurations that try each route a
// pull request could take to show the runner's secrets: files outside the
// configuration directory and the runner's environment (through file(),
// templatefile(), links and *.hcl links), values of sensitive variables
// and of the environment in error messages and plans, the database URL's
// password. No canary may appear on standard output or error, or in any
// file roster writes, on either flavor.
func TestCanaries(t *testing.T) {
	// The runner's environment, as /proc/self/environ shows it.
	t.Setenv("CANARY_PLAIN", canaryPlainEnv)
	t.Setenv("ROSTER_VAR_nobody", canaryUndeclared)
	t.Setenv("ROSTER_VAR_from_env", canaryEnvVar)
	root := t.TempDir()
	outside := filepath.Join(root, "outside.txt")
	writeFile(t, outside, canaryOutside)
	varFile := filepath.Join(root, "secrets.vars")
	writeFile(t, varFile, fmt.Sprintf("from_file = %q\n", canaryVarFile))
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			dbURL := withPassword(t, pgtest.New(t, fx), canaryDBPassword)
			t.Setenv("DATABASE_URL", dbURL)
			environ := []string{"DATABASE_URL=" + dbURL, "ROSTER_VAR_nobody=" + canaryUndeclared,
				"ROSTER_VAR_from_env=" + canaryEnvVar, "CANARY_PLAIN=" + canaryPlainEnv}
			for _, route := range canaryRoutes(outside) {
				t.Run(route.name, func(t *testing.T) {
					dir := filepath.Join(t.TempDir(), "cfg")
					if err := os.Mkdir(dir, 0o755); err != nil {
						t.Fatal(err)
					}
					for name, src := range route.files {
						if target, ok := strings.CutPrefix(src, "->"); ok {
							if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
								t.Fatal(err)
							}
							continue
						}
						writeFile(t, filepath.Join(dir, name), src)
					}
					// Beside the configuration, as the CI examples keep it.
					if err := os.Symlink(outside, filepath.Join(dir, "..", "outside.txt")); err != nil {
						t.Fatal(err)
					}
					runCanaries(t, dir, varFile, environ, route)
				})
			}
		})
	}
}

// runCanaries runs every command on one configuration and checks its
// output and the files it writes.
func runCanaries(t *testing.T, dir, varFile string, environ []string, route canaryRoute) {
	out := t.TempDir()
	vars := []string{"--var", "s=" + canarySensitive, "--var-file", varFile}
	plan := filepath.Join(out, "plan.json")
	commands := [][]string{
		{"validate"}, {"validate", "--json"},
		{"plan"}, {"plan", "--json"}, {"plan", "--format", "markdown"}, {"plan", "--detailed-exitcode", "--out", plan},
		{"show", plan}, {"show", "--json", plan}, {"show", "--format", "markdown", plan},
		{"drift", "--unmanaged"}, {"drift", "--json"}, {"drift", "--format", "markdown"},
		{"fmt", "--check", "--diff"},
		{"users", "--all", "--email"}, {"users", "--json"}, {"invites"}, {"invites", "--json"},
		{"import", "--out", filepath.Join(out, "import")},
	}
	// Where the secrets are the runner's own, each error in its place, still
	// without a value.
	commands = append(commands, []string{"validate", "--env", schema.ShowSensitiveErrorsEnv + "=1"})
	if route.apply {
		commands = append(commands, []string{"apply", plan}, []string{"apply", "--auto-approve"},
			[]string{"users", "--all", "--email"}, []string{"invites"}, []string{"invites", "--json"}, []string{"drift", "--unmanaged"},
			[]string{"import", "--force", "--out", filepath.Join(out, "import")},
			[]string{"sign-out", "--auto-approve", "alice"}, []string{"reset-password", "--auto-approve", "alice"},
			[]string{"fix-follow-state", "--auto-approve", "alice", "bob@remote.example"}, []string{"delete-activities", "alice"},
			[]string{"completion", "bash"}, []string{"version"})
	}
	var validated string
	for _, args := range commands {
		full := append([]string{"--chdir", dir, "--no-color"}, args...)
		switch args[0] {
		case "show", "fmt", "users", "invites", "import", "sign-out", "reset-password", "fix-follow-state", "delete-activities", "completion", "version":
		default:
			full = append(full, vars...)
		}
		env := environ
		if len(args) == 3 && args[1] == "--env" {
			full, env = full[:len(full)-2-len(vars)], append(append([]string{}, environ...), args[2])
			full = append(full, vars...)
		}
		var stdout, stderr bytes.Buffer
		st := cli.Streams{In: strings.NewReader(""), Out: &stdout, Err: &stderr}
		code := cli.Main(t.Context(), full, st, env)
		name := strings.Join(args, " ")
		checkNoCanary(t, name, stdout.String()+stderr.String())
		if strings.Contains(stderr.String(), "internal error") || code > 3 {
			t.Errorf("roster %s: exit %d:\n%s", name, code, stderr.String())
		}
		if name == "validate" {
			validated = stderr.String()
			if route.refused == "" && code != 0 {
				t.Errorf("validate refused a configuration that should plan:\n%s", validated)
			}
		}
	}
	if route.refused != "" && !strings.Contains(strings.Join(strings.Fields(validated), " "), route.refused) {
		t.Errorf("validate did not refuse the route with %q:\n%s", route.refused, validated)
	}
	// Every file roster wrote: the plan file, the imported configuration.
	filepath.WalkDir(out, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			checkNoCanary(t, "the file "+filepath.Base(path), string(b))
		}
		return nil
	})
}

func checkNoCanary(t *testing.T, where, text string) {
	t.Helper()
	for _, c := range canaries {
		if strings.Contains(text, c) || strings.Contains(strings.ToUpper(text), strings.ToUpper(c)) {
			t.Errorf("%s shows the canary %s:\n%s", where, c, text)
		}
	}
}

// withPassword puts a password in a database URL; the test cluster trusts
// local connections, so any password connects.
func withPassword(t *testing.T, raw, password string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword(u.User.Username(), password)
	return u.String()
}

// TestDatabaseURLNeverShown: a database URL that cannot be parsed or
// reached is named in the error without its password, by every command that
// connects.
func TestDatabaseURLNeverShown(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "users.hcl"), "user \"alice\" {\n}\n")
	for _, dbURL := range []string{
		"postgres://roster:" + canaryDBPassword + "@127.0.0.1:1/pleroma",
		"postgres://roster:" + canaryDBPassword + "@db.example:notaport/pleroma",
		"host=127.0.0.1 port=1 user=roster password=" + canaryDBPassword + " dbname=pleroma",
		"host=x port=abc password=" + canaryDBPassword,
	} {
		for _, args := range [][]string{{"plan"}, {"apply", "--auto-approve"}, {"drift"}, {"users"}, {"invites"}, {"import", "--out", t.TempDir()},
			{"sign-out", "--auto-approve", "alice"}} {
			var stdout, stderr bytes.Buffer
			st := cli.Streams{In: strings.NewReader(""), Out: &stdout, Err: &stderr}
			code := cli.Main(t.Context(), append([]string{"--chdir", dir, "--no-color"}, args...), st, []string{"DATABASE_URL=" + dbURL})
			if code != 1 {
				t.Errorf("roster %s with %s: exit %d, want 1", strings.Join(args, " "), dbURL, code)
			}
			checkNoCanary(t, "roster "+strings.Join(args, " "), stdout.String()+stderr.String())
		}
	}
}
