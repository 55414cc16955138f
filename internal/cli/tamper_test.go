package cli_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
)

// rosterRun runs roster in-process against url in dir, without terminals.
func rosterRun(t *testing.T, url, dir string, args ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	st := cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errs}
	code := cli.Main(t.Context(), append([]string{"--chdir", dir, "--no-color"}, args...), st, []string{"DATABASE_URL=" + url})
	return code, out.String(), errs.String()
}

func writeFile(t *testing.T, path, src string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
}

const tamperSetup = `server { url = "https://social.example.org" }
user "root" {
  admin = true
  email = "root@social.example.org"
}
user "dave" {
  name = "Dave"
}
`

// tamperReviewed is the configuration a pull request had reviewed: dave
// gets a new name; root is protected twice over.
const tamperReviewed = `server { url = "https://social.example.org" }
role "admin" {
  members = ["root"]
}
user "root" {
  email = "root@social.example.org"
  lifecycle {
    prevent_destroy = true
  }
}
user "dave" {
  name = "David"
}
`

// TestTamperedPlansAreRefused: a saved plan passes through other hands
// between plan and apply, and whoever can write it decides its bytes. Each
// edit an attacker could make is refused with exit code 1, and the
// database is byte-identical afterwards (pg_dump before and after); the
// plan as it was saved then applies, and nothing is left to do. With
// --fingerprint, only the plan whose fingerprint the reviewer saw applies.
func TestTamperedPlansAreRefused(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "users.hcl"), tamperSetup)
			if code, out, errs := rosterRun(t, url, dir, "apply", "--auto-approve"); code != 0 {
				t.Fatalf("setting up: exit %d\n%s%s", code, out, errs)
			}
			var rootID string
			if err := pgtest.Connect(t, url).QueryRow(t.Context(), `SELECT id::text FROM users WHERE nickname = 'root'`).Scan(&rootID); err != nil {
				t.Fatal(err)
			}
			writeFile(t, filepath.Join(dir, "users.hcl"), tamperReviewed)
			planPath := filepath.Join(t.TempDir(), "plan.json")
			if code, out, errs := rosterRun(t, url, dir, "plan", "--out", planPath); code != 0 || !strings.Contains(out, "Plan: 0 to add, 1 to change, 0 to destroy.") {
				t.Fatalf("plan --out: exit %d\n%s%s", code, out, errs)
			}
			saved, err := os.ReadFile(planPath)
			if err != nil {
				t.Fatal(err)
			}
			_, md, _ := rosterRun(t, url, dir, "show", "--format", "markdown", planPath)
			m := regexp.MustCompile("Plan fingerprint: `sha256:([0-9a-f]{64})`").FindStringSubmatch(md)
			if m == nil {
				t.Fatalf("no fingerprint in the markdown plan:\n%s", md)
			}
			reviewed := m[1]

			for _, tc := range tamperCases(rootID, reviewed) {
				t.Run(tc.name, func(t *testing.T) {
					forged := tc.forge(t, saved)
					path := filepath.Join(t.TempDir(), "plan.json")
					writeFile(t, path, string(forged))
					before := pgtest.Dump(t, url)
					code, out, errs := rosterRun(t, url, dir, append(tc.args, path)...)
					if code != 1 || strings.Contains(out, "Apply complete") {
						t.Errorf("exit %d, want 1 and nothing applied:\n%s%s", code, out, errs)
					}
					if !strings.Contains(strings.Join(strings.Fields(errs), " "), tc.says) {
						t.Errorf("standard error does not say %q:\n%s", tc.says, errs)
					}
					if !bytes.Equal(before, pgtest.Dump(t, url)) {
						t.Errorf("the database changed")
					}
				})
			}

			// The plan as it was saved, pinned to what was reviewed, applies;
			// and the dump sees it (it holds the rows, not only the schema).
			before := pgtest.Dump(t, url)
			if !bytes.Contains(before, []byte("root@social.example.org")) {
				t.Fatalf("the dump holds no data:\n%s", before)
			}
			code, out, errs := rosterRun(t, url, dir, "apply", "--fingerprint", reviewed, planPath)
			if code != 0 || !strings.Contains(out, "Apply complete! Resources: 0 added, 1 changed, 0 destroyed.") {
				t.Fatalf("the saved plan: exit %d\n%s%s", code, out, errs)
			}
			if bytes.Equal(before, pgtest.Dump(t, url)) {
				t.Errorf("the dump did not change with the apply")
			}
			if code, out, errs := rosterRun(t, url, dir, "plan", "--detailed-exitcode"); code != 0 || !strings.Contains(out, "No changes.") {
				t.Fatalf("planning again after apply: exit %d\n%s%s", code, out, errs)
			}
		})
	}
}

type tamperCase struct {
	name  string
	forge func(t *testing.T, saved []byte) []byte
	args  []string // before the file
	says  string   // on standard error
}

// tamperCases are the edits of a saved plan that must be refused. The plan
// saved changes dave's name; rootID is root's row; reviewed is the saved
// plan's fingerprint, as the markdown comment shows it.
func tamperCases(rootID, reviewed string) []tamperCase {
	const notPlan = "Error: Failed to read the plan file"
	apply := []string{"apply"}
	dave := func(d map[string]any) map[string]any { return changesOf(d)[0].(map[string]any) }
	return []tamperCase{
		{"an attribute added", editPlan(func(d map[string]any) {
			dave(d)["attributes"] = append(dave(d)["attributes"].([]any), map[string]any{"name": "admin", "before": false, "after": true})
		}), apply, "user.dave: admin: false → true in the saved plan, not changed now"},
		{"a deletion added", editPlan(func(d map[string]any) {
			d["plan"].(map[string]any)["changes"] = append(changesOf(d), map[string]any{"address": "user.root", "type": "user", "nickname": "root",
				"action": "delete", "id": rootID, "attributes": []any{map[string]any{"name": "active", "before": true, "after": nil}}})
		}), apply, "user.root: the saved plan deletes it, a new plan does not"},
		{"an e-mail redirected and the password wiped", editPlan(func(d map[string]any) {
			d["plan"].(map[string]any)["changes"] = append(changesOf(d), map[string]any{"address": "user.root", "type": "user", "nickname": "root",
				"action": "update", "id": rootID, "attributes": []any{
					map[string]any{"name": "email", "before": "root@social.example.org", "after": "root@evil.example"},
					map[string]any{"name": "password_hash", "before": nil, "after": nil, "sensitive": true}}})
		}), apply, "user.root: the saved plan changes it, a new plan does not"},
		{"the row retargeted", editPlan(func(d map[string]any) { dave(d)["id"] = rootID }), apply, "user.dave: row id " + rootID + " in the saved plan"},
		{"the action changed", editPlan(func(d map[string]any) { dave(d)["action"] = "delete" }), apply, "user.dave: the saved plan deletes it, a new plan changes it"},
		{"a change removed", editPlan(func(d map[string]any) { d["plan"].(map[string]any)["changes"] = []any{} }), apply,
			"user.dave: a new plan also changes it"},
		{"the server's URL edited", editPlan(func(d map[string]any) {
			d["plan"].(map[string]any)["server"].(map[string]any)["url"] = "https://evil.example"
		}), apply, "the server's URL: https://evil.example in the saved plan, https://social.example.org now"},
		{"the configuration hash removed", editPlan(func(d map[string]any) { delete(d["configuration"].(map[string]any), "hash") }), apply,
			"the configuration changed since the plan was made"},
		{"a target added", editPlan(func(d map[string]any) { d["options"].(map[string]any)["targets"] = []any{"user.root"} }), apply,
			"Error: Targets differ from the saved plan's"},
		{"a value of the wrong type", editPlan(func(d map[string]any) {
			dave(d)["attributes"].([]any)[0].(map[string]any)["after"] = "yes"
			dave(d)["attributes"] = append(dave(d)["attributes"].([]any), map[string]any{"name": "admin", "before": false, "after": "yes"})
		}), apply, notPlan},
		{"a field roster does not write", editPlan(func(d map[string]any) { dave(d)["sql"] = "UPDATE users SET is_admin = true" }), apply, notPlan},
		{"accounts by bucket on a user's change", editPlan(func(d map[string]any) {
			dave(d)["accounts"] = []any{map[string]any{"bucket": 1, "count": 1, "digest": "0123456789abcdef0123456789abcdef"}}
		}), apply, notPlan},
		{"truncated", func(t *testing.T, saved []byte) []byte { return saved[:len(saved)/2] }, apply, notPlan},
		{"another plan under the reviewed fingerprint", editPlan(func(d map[string]any) {
			dave(d)["attributes"].([]any)[0].(map[string]any)["after"] = "Mallory"
		}), []string{"apply", "--fingerprint", reviewed}, "Error: Plan fingerprint mismatch"},
	}
}

func changesOf(d map[string]any) []any { return d["plan"].(map[string]any)["changes"].([]any) }

// editPlan returns a forge that decodes the saved plan, edits it and
// encodes it again, as someone editing the JSON by hand would.
func editPlan(edit func(doc map[string]any)) func(t *testing.T, saved []byte) []byte {
	return func(t *testing.T, saved []byte) []byte {
		t.Helper()
		var doc map[string]any
		if err := json.Unmarshal(saved, &doc); err != nil {
			t.Fatal(err)
		}
		edit(doc)
		b, err := json.MarshalIndent(doc, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}
