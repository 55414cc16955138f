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
	for _, want := range []string{`+ user "alice"`, `~ remote_instance "spam.example"`, "~ active_accounts = 1 -> 0"} {
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
