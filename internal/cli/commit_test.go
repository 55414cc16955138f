package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
)

const commitConfig = `
server {
  url           = "https://social.example.org"
  invite_secret = "a-long-secret-for-deriving-invite-tokens"
  after_apply   = ["true"]
}
user "alice" { email = "alice@example.org" }
user "carol" { name = "Carol" }
user "dave" { admin = true }
invite "spring" { max_use = 3 }
`

// configDir writes src as users.hcl in a new directory.
func configDir(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// outcomeUnknown checks a run that lost its COMMIT's answer: exit code 1,
// a diagnostic that says the outcome is unknown and holds want, nothing
// that says it was rolled back, and no success on standard output.
func outcomeUnknown(t *testing.T, code int, out, errs string, want ...string) {
	t.Helper()
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	text := oneLine(errs)
	for _, w := range append([]string{"outcome unknown", "the changes may or may not have been written"}, want...) {
		if !strings.Contains(text, w) {
			t.Errorf("stderr lacks %q", w)
		}
	}
	for _, lie := range []string{"rolled back", "nothing was written"} {
		if strings.Contains(strings.ToLower(text), lie) {
			t.Errorf("stderr says %q", lie)
		}
	}
	if strings.Contains(out, "complete!") {
		t.Errorf("stdout says it completed")
	}
	if t.Failed() {
		t.Logf("stdout:\n%s\nstderr:\n%s", out, errs)
	}
}

// oneLine joins the lines of wrapped text with single spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// applied checks, on the database directly, that the apply of
// commitConfig was committed, and that roster plan says so as the
// diagnostic promises: no changes.
func applied(t *testing.T, url, dir string) {
	t.Helper()
	var users, invites int
	conn := pgtest.Connect(t, url)
	ctx := t.Context()
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM users WHERE nickname IN ('alice', 'carol', 'dave') AND local`).Scan(&users); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM user_invite_tokens WHERE max_use = 3`).Scan(&invites); err != nil {
		t.Fatal(err)
	}
	if users != 3 || invites != 1 {
		t.Errorf("%d of 3 accounts and %d of 1 invite written; the server committed all", users, invites)
	}
	code, out, errs := run(t, url, "--chdir", dir, "--no-color", "plan", "--detailed-exitcode")
	if code != 0 || !strings.Contains(out, "No changes.") {
		t.Errorf("roster plan after the apply exited %d, want 0 and no changes:\n%s%s", code, out, errs)
	}
}

// TestApplyCommitAnswerLost: the connection drops after the server
// committed an apply and before roster read the answer. roster says the
// outcome is unknown and to run roster plan, never that it rolled back,
// and exits 1; the changes are in the database, and roster plan is empty.
func TestApplyCommitAnswerLost(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			dir := configDir(t, commitConfig)
			proxy := pgtest.NewCommitProxy(t, url, true)

			code, out, errs := run(t, proxy.URL, "--chdir", dir, "--no-color", "apply", "--auto-approve")
			if answer := <-proxy.Answered; answer != "COMMIT" {
				t.Fatalf("the server answered the COMMIT with %q", answer)
			}
			outcomeUnknown(t, code, out, errs, "Error: Apply outcome unknown",
				"The connection to the database failed after roster sent COMMIT, before the server answered",
				"Run roster plan: an empty plan means the apply was committed",
				"roster invites --show-urls", "after_apply was not run")
			if strings.Contains(out, "Running after_apply") {
				t.Errorf("after_apply ran:\n%s", out)
			}
			applied(t, url, dir)
		})
	}
}

// TestApplyInterruptedDuringCommit: an interrupt (the run's context
// cancelled) that lands after COMMIT was sent and the server committed is
// reported as an unknown outcome, not as an interrupted, rolled back apply.
func TestApplyInterruptedDuringCommit(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			dir := configDir(t, commitConfig)
			proxy := pgtest.NewCommitProxy(t, url, false)

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			answered := make(chan string, 1)
			go func() {
				select {
				case answer := <-proxy.Answered:
					answered <- answer
					cancel()
				case <-ctx.Done():
				}
			}()
			var out, errs bytes.Buffer
			st := cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errs}
			code := cli.Main(ctx, []string{"--chdir", dir, "--no-color", "apply", "--auto-approve"}, st, []string{"DATABASE_URL=" + proxy.URL})
			select {
			case answer := <-answered:
				if answer != "COMMIT" {
					t.Fatalf("the server answered the COMMIT with %q", answer)
				}
			default:
				t.Fatalf("apply ended (exit %d) before the server answered its COMMIT:\n%s%s", code, out.String(), errs.String())
			}
			outcomeUnknown(t, code, out.String(), errs.String(), "Error: Apply outcome unknown",
				"roster was interrupted after it sent COMMIT, before the server answered", "Run roster plan")
			if strings.Contains(oneLine(errs.String()), "Apply interrupted") {
				t.Errorf("stderr says the apply was interrupted (and so rolled back)")
			}
			applied(t, url, dir)
		})
	}
}

// TestApplyCommitRefused: a COMMIT the server refuses (a deferred foreign
// key that a new account's e-mail address breaks) is still reported as
// rolled back, and nothing was written.
func TestApplyCommitRefused(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			dir := configDir(t, commitConfig)
			pgtest.Exec(t, url, `CREATE TABLE allowed_emails (email citext PRIMARY KEY);
			  ALTER TABLE users ADD CONSTRAINT users_email_allowed FOREIGN KEY (email) REFERENCES allowed_emails (email)
			    DEFERRABLE INITIALLY DEFERRED NOT VALID`)

			code, out, errs := run(t, url, "--chdir", dir, "--no-color", "apply", "--auto-approve")
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			for _, want := range []string{"Error: Apply failed", `violates foreign key constraint "users_email_allowed"`,
				"The transaction was rolled back: nothing was written."} {
				if !strings.Contains(oneLine(errs), want) {
					t.Errorf("stderr lacks %q", want)
				}
			}
			if strings.Contains(oneLine(errs), "outcome unknown") {
				t.Errorf("stderr says the outcome is unknown")
			}
			var users int
			if err := pgtest.Connect(t, url).QueryRow(t.Context(), `SELECT count(*) FROM users WHERE nickname IN ('alice', 'carol', 'dave')`).Scan(&users); err != nil {
				t.Fatal(err)
			}
			if users != 0 {
				t.Errorf("%d accounts written by a refused commit", users)
			}
			if t.Failed() {
				t.Logf("stdout:\n%s\nstderr:\n%s", out, errs)
			}
		})
	}
}

// TestSignOutCommitAnswerLost: an action whose COMMIT's answer is lost says
// that its outcome is unknown and how to find out, and exits 1.
func TestSignOutCommitAnswerLost(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			if code, out, errs := run(t, url, "--chdir", configDir(t, "server { url = \"https://social.example.org\" }\nuser \"bob\" {}\n"), "--no-color", "apply", "--auto-approve"); code != 0 {
				t.Fatalf("creating bob exited %d:\n%s%s", code, out, errs)
			}
			pgtest.Exec(t, url, `INSERT INTO apps (client_name, redirect_uris, client_id, inserted_at, updated_at)
			    VALUES ('Tusky', 'urn:ietf:wg:oauth:2.0:oob', 'c1', now(), now());
			  INSERT INTO oauth_tokens (app_id, user_id, token, refresh_token, inserted_at, updated_at)
			    SELECT a.id, u.id, 't-' || n, 'r-' || n, now(), now() FROM apps a, users u, generate_series(1, 3) n WHERE u.nickname = 'bob'`)
			proxy := pgtest.NewCommitProxy(t, url, true)

			code, out, errs := run(t, proxy.URL, "--chdir", t.TempDir(), "--no-color", "sign-out", "--auto-approve", "bob")
			if answer := <-proxy.Answered; answer != "COMMIT" {
				t.Fatalf("the server answered the COMMIT with %q", answer)
			}
			outcomeUnknown(t, code, out, errs, "Error: Sign-out outcome unknown",
				"Run roster sign-out bob again: if it finds no OAuth tokens or authorizations, the sign-out was committed")
			code, out, errs = run(t, url, "--chdir", t.TempDir(), "--no-color", "sign-out", "bob")
			if code != 0 || !strings.Contains(out, "bob has no OAuth tokens or authorizations") {
				t.Errorf("sign-out after the lost answer exited %d, want 0 and nothing left:\n%s%s", code, out, errs)
			}
		})
	}
}
