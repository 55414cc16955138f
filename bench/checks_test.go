package bench

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/pgtest"
)

// checksTarget bounds what three checks over 100,000 accounts add to a
// plan of 1,000 declared users: the plan with them within this multiple
// of the same plan without them.
const checksTarget = 1.5

// guardrails are the README's three checks, over every account.
const guardrails = `check "admins_have_mfa" {
  assert {
    condition     = alltrue([for u in live.users : u.mfa if u.admin])
    error_message = "Admins without two-factor authentication: ${join(", ", [for u in live.users : u.nickname if u.admin && !u.mfa])}."
  }
}

check "at_most_three_admins" {
  assert {
    condition     = length([for u in live.users : u if u.admin]) <= 3
    error_message = "At most three admins; there would be ${length([for u in live.users : u if u.admin])}."
  }
}

locals {
  idle_since = timeadd(plantimestamp(), "-2160h")
}

check "no_idle_admins" {
  assert {
    condition     = alltrue([for u in live.users : timecmp(coalesce(u.last_active_at, u.inserted_at), local.idle_since) >= 0 if u.admin])
    error_message = "Admins inactive for 90 days: ${join(", ", [for u in live.users : u.nickname if u.admin && timecmp(coalesce(u.last_active_at, u.inserted_at), local.idle_since) < 0])}."
  }
}
`

// BenchmarkChecks measures what three checks over 100,000 local accounts
// add to a plan: the plan of 1,000 declared users (plan-1k's) with the
// README's three guardrails, against the same plan without them, in
// interleaved rounds through cli.Main, medians compared. Target: within
// 1.5x.
func BenchmarkChecks(b *testing.B) {
	url := pgtest.New(b, pgtest.Pleroma)
	st, err := seed(b.Context(), url)
	if err != nil {
		b.Fatalf("seeding the Pleroma database: %v", err)
	}
	b.Logf("seeded Pleroma: %d users by COPY, then VACUUM, in %s", st.rows, dur(st.copy))
	ctx := b.Context()
	plain, checked := b.TempDir(), b.TempDir()
	blocks, add, change := planConfig(1_000)
	for _, dir := range []string{plain, checked} {
		if err := writeConfig(dir, blocks); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(checked, "checks.hcl"), []byte(guardrails), 0o644); err != nil {
		b.Fatal(err)
	}
	args := func(dir string) []string { return []string{"plan", "--no-color", "--chdir", dir, "--database-url", url} }

	// A first run of each, checked: the same plan, and the checks
	// evaluated over every account (the seeded admins have no MFA).
	var out, outChecked bytes.Buffer
	if _, code, stderr := runCLI(ctx, args(plain), nil, &out); code != 0 {
		b.Fatalf("roster plan: exit %d\n%s%s", code, out.String(), stderr)
	}
	checkPlan(b, out.String(), add, change)
	_, code, stderr := runCLI(ctx, args(checked), nil, &outChecked)
	if code != 0 || !strings.Contains(stderr, "check.admins_have_mfa") {
		b.Fatalf("roster plan with checks: exit %d\n%s%s", code, tail(outChecked.String(), 10), tail(stderr, 20))
	}
	checkPlan(b, outChecked.String(), add, change)

	var withChecks, without []time.Duration
	for range planRounds {
		runtime.GC()
		d, code, stderr := runCLI(ctx, args(plain), nil, io.Discard)
		if code != 0 {
			b.Fatalf("roster plan: exit %d\n%s", code, stderr)
		}
		without = append(without, d)
		runtime.GC()
		if d, code, stderr = runCLI(ctx, args(checked), nil, io.Discard); code != 0 {
			b.Fatalf("roster plan with checks: exit %d\n%s", code, stderr)
		}
		withChecks = append(withChecks, d)
	}
	r := &result{scenario: "plan, 1000 declared, 3 checks", took: median(withChecks), floor: median(without),
		target: fmt.Sprintf("≤ %.1fx", checksTarget), limit: checksTarget}
	r.notes = append(r.notes,
		fmt.Sprintf("floor = the same plan without the checks; the README's three guardrails over %d local accounts; medians of %d interleaved rounds through cli.Main",
			localUsers, planRounds),
		fmt.Sprintf("the checks add %s", dur(r.took-r.floor)))
	r.report(b)
	fmt.Fprintf(os.Stdout, "\nroster checks benchmark, GOMAXPROCS=%d: three checks over %d local accounts add %s to a plan of %s (%.2fx; target %s).\n\n",
		runtime.GOMAXPROCS(0), localUsers, dur(r.took-r.floor), dur(r.floor), r.ratio(), r.target)
	printTable(os.Stdout, []*result{r})
}
