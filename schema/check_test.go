package schema_test

import (
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/schema"
)

// TestEvalChecks evaluates checks against accounts given one by one: a
// check that holds, one that fails with its message (quoting live values
// and plantimestamp(), the instant of Inputs.Now), one whose condition
// cannot be evaluated (an error, which says so), and the time functions.
func TestEvalChecks(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"checks.hcl": `
check "holds" {
  assert {
    condition     = alltrue([for u in live.users : u.active]) && !anytrue([for u in live.users : u.locked])
    error_message = "never shown"
  }
}
check "fails" {
  enforce = true
  assert {
    condition     = length([for u in live.users : u if u.admin]) <= 1
    error_message = "Admins at ${plantimestamp()}: ${join(", ", [for u in live.users : u.nickname if u.admin])}."
  }
  assert {
    condition     = true
    error_message = "never shown"
  }
}
check "idle" {
  assert {
    condition     = alltrue([for u in live.users : timecmp(coalesce(u.last_active_at, u.inserted_at), timeadd(plantimestamp(), "-2160h")) >= 0])
    error_message = "Idle: ${join(", ", [for u in live.users : u.nickname if timecmp(coalesce(u.last_active_at, u.inserted_at), timeadd(plantimestamp(), "-2160h")) < 0])}."
  }
}
check "broken" {
  assert {
    condition     = timecmp(live.users[0].last_active_at, "2026-01-01T00:00:00Z") > 0
    error_message = "x"
  }
}
`})
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	cfg, diags := schema.Load(dir, schema.Inputs{Now: now})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	l := cfg.NewLive()
	recent := now.Add(-24 * time.Hour)
	// Added out of order: live.users is sorted by nickname.
	l.AddUser(&schema.LiveUser{Nickname: "zed", Admin: true, Active: true, InsertedAt: now.Add(-100 * 24 * time.Hour)})
	l.AddUser(&schema.LiveUser{Nickname: "Alice", Admin: true, Active: true, InsertedAt: now.Add(-400 * 24 * time.Hour), LastActiveAt: &recent})
	got := cfg.EvalChecks(l)
	if len(got) != 4 {
		t.Fatalf("%d results", len(got))
	}
	if got[0].Status != schema.Pass || len(got[0].Failures) != 0 {
		t.Errorf("holds: %+v", got[0])
	}
	if got[1].Status != schema.Fail || len(got[1].Failures) != 1 || got[1].Failures[0].Message != "Admins at 2026-12-07T12:00:00Z: Alice, zed." {
		t.Errorf("fails: %+v", got[1])
	}
	if got[2].Status != schema.Fail || got[2].Failures[0].Message != "Idle: zed." {
		t.Errorf("idle: %+v", got[2])
	}
	// zed was never active: timecmp refuses the null last_active_at.
	l = cfg.NewLive()
	l.AddUser(&schema.LiveUser{Nickname: "zed", Active: true, InsertedAt: now})
	got = cfg.EvalChecks(l)
	if b := got[3]; b.Status != schema.Error || len(b.Diags) != 1 || b.Diags[0].Subject == nil || !strings.Contains(b.Diags[0].Detail, "null") {
		t.Errorf("broken: %+v %v", b, b.Diags)
	}
}

// TestEvalChecksReadsWhatTheyUse: checks that read attributes by name get
// objects of those alone, and every way of reading them still works: by
// name, by index, the element as a whole, live.users itself.
func TestEvalChecksReadsWhatTheyUse(t *testing.T) {
	for name, cond := range map[string]string{
		"by name":       `join(",", [for u in live.users : u.nickname if u.admin]) == "b"`,
		"by index":      `join(",", [for u in live.users : u["nickname"] if u["admin"]]) == "b"`,
		"nested":        `join(",", [for u in [for a in live.users : a if a.admin] : u.nickname if !u.mfa]) == "b"`,
		"nested whole":  `length(regexall("\"email\":null", jsonencode([for u in [for a in live.users : a if !a.admin] : u]))) == 1`,
		"filter alone":  `length([for a in live.users : a if a.admin]) == 1`,
		"whole":         `length([for u in live.users : u if u.admin]) == 1 && jsonencode([for u in live.users : u.tags]) == "[[],[]]"`,
		"indexed list":  `live.users[1].nickname == "b" && live.users[1].admin`,
		"splat":         `join(",", live.users[*].nickname) == "a,b"`,
		"live by index": `join(",", [for u in live["users"] : u.nickname if u.admin]) == "b"`,
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, t.TempDir(), map[string]string{"checks.hcl": "check \"c\" {\n  assert {\n    condition     = " + cond +
				"\n    error_message = \"x\"\n  }\n}\n"})
			cfg, diags := schema.Load(dir, schema.Inputs{})
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			l := cfg.NewLive()
			l.AddUser(&schema.LiveUser{Nickname: "b", Admin: true})
			l.AddUser(&schema.LiveUser{Nickname: "a"})
			if got := cfg.EvalChecks(l)[0]; got.Status != schema.Pass {
				t.Errorf("%s: %s %v", cond, got.Status, got.Diags)
			}
		})
	}
}
