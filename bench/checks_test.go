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

// guardrails are the README's three checks, over every account.
const guardrails = `check "admins_have_mfa" {
  assert {
    condition     = alltrue([for u in live.users : u.mfa if u.admin])
    error_message = "Admins without two-factor authentication: ${join(", ", [for u in [for a in live.users : a if a.admin] : u.nickname if !u.mfa])}."
  }
}

check "at_most_three_admins" {
  assert {
    condition     = length([for u in live.users : u.nickname if u.admin]) <= 3
    error_message = "At most three admins; there would be ${length([for u in live.users : u.nickname if u.admin])}."
  }
}

locals {
  idle_since = timeadd(plantimestamp(), "-2160h")
}

check "no_idle_admins" {
  assert {
    condition     = alltrue([for u in live.users : timecmp(coalesce(u.last_active_at, u.inserted_at), local.idle_since) >= 0 if u.admin])
    error_message = "Admins inactive for 90 days: ${join(", ", [for u in [for a in live.users : a if a.admin] : u.nickname if timecmp(coalesce(u.last_active_at, u.inserted_at), local.idle_since) < 0])}."
  }
}
`

// wholeCheck reads every account: a for expression without an if clause,
// which no prefilter narrows.
const wholeCheck = `check "every_account_has_an_email" {
  assert {
    condition     = alltrue([for u in live.users : u.email != null])
    error_message = "Accounts without an e-mail address: ${length([for u in live.users : u if u.email == null])}."
  }
}
`

// BenchmarkChecks measures what three checks over 100,000 local accounts
// add to a plan: the plan of 1,000 declared users (plan-1k's) with the
// README's three guardrails, against the same plan without them, in
// interleaved rounds through cli.Main, medians compared: when they hold,
// and when they fail (their messages are evaluated too). Target: at most
// 1.25x. A check that reads every account (no if clause to prefilter) is
// reported beside them.
func BenchmarkChecks(b *testing.B) {
	url := pgtest.New(b, pgtest.Pleroma)
	st, err := seed(b.Context(), url, servedPop)
	if err != nil {
		b.Fatalf("seeding the Pleroma database: %v", err)
	}
	b.Logf("seeded Pleroma: %d users by COPY, then VACUUM, in %s", st.rows, dur(st.copy))
	ctx := b.Context()
	plain, checked, whole := b.TempDir(), b.TempDir(), b.TempDir()
	blocks, add, change := planConfig(servedPop, 1_000)
	for _, dir := range []string{plain, checked, whole} {
		if err := writeConfig(dir, blocks); err != nil {
			b.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(checked, "checks.hcl"), []byte(guardrails), 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(whole, "checks.hcl"), []byte(wholeCheck), 0o644); err != nil {
		b.Fatal(err)
	}
	args := func(dir string) []string {
		return []string{"plan", "--no-color", "--chdir", dir, "--database-url", url}
	}

	// A first run of each, checked: the same plan, and the checks
	// evaluated over every account (the seeded admins have no MFA).
	var out, outChecked bytes.Buffer
	if _, code, stderr := runCLI(ctx, args(plain), nil, &out); code != 0 {
		b.Fatalf("roster plan: exit %d\n%s%s", code, out.String(), stderr)
	}
	checkPlan(b, out.String(), servedPop, add, change)
	_, code, stderr := runCLI(ctx, args(checked), nil, &outChecked)
	if code != 0 || !strings.Contains(stderr, "check.admins_have_mfa") {
		b.Fatalf("roster plan with checks: exit %d\n%s%s", code, tail(outChecked.String(), 10), tail(stderr, 20))
	}
	checkPlan(b, outChecked.String(), servedPop, add, change)

	failing := measureChecks(b, args(plain), args(checked))
	// The steady state: three admins (none of them declared), each with
	// MFA and active lately, and the checks hold.
	conn := pgtest.Connect(b, url)
	for _, sql := range []string{
		`UPDATE users SET is_admin = false WHERE is_admin AND id NOT IN (SELECT id FROM users WHERE is_admin AND local ORDER BY id LIMIT 3)`,
		`UPDATE users SET multi_factor_authentication_settings = '{"enabled": true}', last_active_at = (now() AT TIME ZONE 'UTC') - interval '1 day' WHERE is_admin`,
	} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	outChecked.Reset()
	if _, code, stderr := runCLI(ctx, args(checked), nil, &outChecked); code != 0 || strings.Contains(stderr, "check.") {
		b.Fatalf("roster plan with checks that hold: exit %d\n%s", code, tail(stderr, 20))
	}
	holding := measureChecks(b, args(plain), args(checked))
	outChecked.Reset()
	if _, code, stderr := runCLI(ctx, args(whole), nil, &outChecked); code != 0 || !strings.Contains(outChecked.String(), "Plan:") {
		b.Fatalf("roster plan with a check of every account: exit %d\n%s", code, tail(stderr, 20))
	}
	every := measureChecks(b, args(plain), args(whole))

	r := &result{scenario: "plan, 1000 declared, 3 checks", took: median(holding.with), floor: median(holding.without),
		target: "<= 1.25x", limit: 1.25}
	r.notes = append(r.notes,
		fmt.Sprintf("floor = the same plan without the checks; the README's three guardrails over %d local accounts, all holding; medians of %d interleaved rounds through cli.Main",
			servedPop.locals, planRounds),
		fmt.Sprintf("the checks add %s; CPU time %s with them, %s without (medians)", dur(r.took-r.floor),
			dur(median(holding.cpuWith)), dur(median(holding.cpuWithout))))
	f := &result{scenario: "plan, 1000 declared, 3 failing checks", took: median(failing.with), floor: median(failing.without),
		target: "<= 1.25x", limit: 1.25}
	f.notes = append(f.notes, "the same, the seeded admins without MFA: the checks fail, and their messages are evaluated too",
		fmt.Sprintf("the checks add %s; CPU time %s with them, %s without (medians)", dur(f.took-f.floor),
			dur(median(failing.cpuWith)), dur(median(failing.cpuWithout))))
	w := &result{scenario: "plan, 1000 declared, a check of every account", took: median(every.with), floor: median(every.without),
		target: "reported"}
	w.notes = append(w.notes, "alltrue([for u in live.users : u.email != null]): no if clause, so HCL evaluates an object of each account",
		fmt.Sprintf("the check adds %s; CPU time %s with it, %s without (medians)", dur(w.took-w.floor),
			dur(median(every.cpuWith)), dur(median(every.cpuWithout))))
	r.report(b)
	f.report(b)
	w.report(b)
	fmt.Fprintf(os.Stdout, "\nroster checks benchmark, GOMAXPROCS=%d: three checks over %d local accounts add %s to a plan of %s (%.2fx); %s when they fail; a check of every account adds %s.\n\n",
		runtime.GOMAXPROCS(0), servedPop.locals, dur(r.took-r.floor), dur(r.floor), r.ratio(), dur(f.took-f.floor), dur(w.took-w.floor))
	printTable(os.Stdout, []*result{r, f, w})
}

// timings are the durations of plans with and without checks, and the
// CPU time each took (this process's, which runs them in-process): on a
// shared machine, a steadier figure than the time.
type timings struct{ with, without, cpuWith, cpuWithout []time.Duration }

// measureChecks runs the plans of withoutArgs and withArgs in interleaved
// rounds.
func measureChecks(b *testing.B, withoutArgs, withArgs []string) timings {
	var t timings
	for range planRounds {
		runtime.GC()
		cpu := cpuTime()
		d, code, stderr := runCLI(b.Context(), withoutArgs, nil, io.Discard)
		if code != 0 {
			b.Fatalf("roster plan: exit %d\n%s", code, stderr)
		}
		t.without, t.cpuWithout = append(t.without, d), append(t.cpuWithout, cpuTime()-cpu)
		runtime.GC()
		cpu = cpuTime()
		if d, code, stderr = runCLI(b.Context(), withArgs, nil, io.Discard); code != 0 {
			b.Fatalf("roster plan with checks: exit %d\n%s", code, stderr)
		}
		t.with, t.cpuWith = append(t.with, d), append(t.cpuWith, cpuTime()-cpu)
	}
	return t
}
