package cli_test

import (
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
)

// TestExamplesConverge runs what make demo runs: examples/ against the
// sample Pleroma server, plan, apply, and a plan right after that must be
// empty (exit 0 with --detailed-exitcode).
func TestExamplesConverge(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	args := []string{"--chdir", "../../examples", "--var-file", "../../examples/demo.vars"}
	code, out, errs := run(t, url, append(args, "plan", "--detailed-exitcode")...)
	if code != 2 {
		t.Fatalf("plan exited %d, want 2 (changes):\n%s%s", code, out, errs)
	}
	for _, want := range []string{`+ user "alice"`, `~ remote_instance "spam.example"`, "~ active_accounts = 1 -> 0",
		"# user.mockturtle will be created\n  # (from users.volunteers, volunteers.csv line 3)\n", `+ name      = "Turtle, Mock"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the plan lacks %q:\n%s", want, out)
		}
	}
	if code, out, errs = run(t, url, append(args, "apply", "--auto-approve")...); code != 0 {
		t.Fatalf("apply exited %d:\n%s%s", code, out, errs)
	}
	if code, out, errs = run(t, url, append(args, "plan", "--detailed-exitcode")...); code != 0 {
		t.Fatalf("plan after apply exited %d, want 0 (no changes):\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "No changes.") {
		t.Errorf("plan after apply:\n%s", out)
	}
}

// demoHandmade is what scripts/demo.sh adds to the sample server before it
// applies examples/: an admin nobody reviewed (mallory) and a spam account.
const demoHandmade = `INSERT INTO users (id, nickname, email, name, bio, ap_id, follower_address, following_address,
  featured_address, keys, local, avatar, tags, is_admin, accepts_chat_messages, inserted_at, updated_at)
SELECT (lpad(to_hex((extract(epoch FROM clock_timestamp()) * 1000)::bigint), 16, '0') || substr(md5(n), 1, 16))::uuid,
  n, n || '@social.example.org', n, '', 'https://social.example.org/users/' || n,
  'https://social.example.org/users/' || n || '/followers', 'https://social.example.org/users/' || n || '/following',
  'https://social.example.org/users/' || n || '/collections/featured', r.keys, true, '{}', '{}', n = ANY($1), true,
  date_trunc('second', now() AT TIME ZONE 'UTC'), date_trunc('second', now() AT TIME ZONE 'UTC')
FROM users r, unnest($2::text[]) AS v(n) WHERE r.nickname = 'root'`

// TestExamplesDriftAfterApply runs the nightly drift job of examples/ci
// (drift --unmanaged) right after make demo's apply: the accounts that
// prune.users = "deactivate" deactivated (mallory) are where the policy
// puts them, so there is no drift. An account registered afterwards is
// still reported.
func TestExamplesDriftAfterApply(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	pgtest.Exec(t, url, demoHandmade, []string{"mallory"}, []string{"mallory", "spammer"})
	args := []string{"--chdir", "../../examples", "--var-file", "../../examples/demo.vars"}
	if code, out, errs := run(t, url, append(args, "apply", "--auto-approve")...); code != 0 {
		t.Fatalf("apply exited %d:\n%s%s", code, out, errs)
	}
	code, out, errs := run(t, url, append(args, "drift", "--unmanaged")...)
	if code != 0 || !strings.Contains(out, "No drift.") {
		t.Fatalf("drift --unmanaged after apply exited %d, want 0 (no drift):\n%s%s", code, out, errs)
	}
	pgtest.Exec(t, url, demoHandmade, []string{"trudy"}, []string{"trudy"})
	code, out, errs = run(t, url, append(args, "drift", "--unmanaged")...)
	if code != 2 {
		t.Fatalf("drift --unmanaged with a new admin exited %d, want 2 (drift):\n%s%s", code, out, errs)
	}
	for _, want := range []string{"Local accounts that the configuration does not declare:\n  user.trudy  admin\n", "# user.trudy will be updated in-place"} {
		if !strings.Contains(out, want) {
			t.Errorf("drift lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "mallory") {
		t.Errorf("drift reports mallory, deactivated by the prune policy:\n%s", out)
	}
}
