package schema

import (
	"fmt"

	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/zclconf/go-cty/cty"
)

// prefilterConds are if clauses of for expressions over live.users, and
// whether a prefilter decides them. Those it does not still evaluate, by
// HCL alone.
var prefilterConds = []struct {
	cond     string
	filtered bool
}{
	{`u.admin`, true},
	{`!u.admin`, true},
	{`u.admin && !u.mfa`, true},
	{`u.admin || u.moderator`, true},
	{`(u.locked)`, true},
	{`u["confirmed"] && u.active`, true},
	{`u.nickname == "K"`, true},
	{`u.nickname != "ann"`, true},
	{`u.email == null`, true},
	{`u.email != null && u.confirmed`, true},
	{`u.email == "ann@example.org"`, true},
	{`u.name == u.nickname`, true},
	{`contains(u.tags, "staff")`, true},
	{`contains(u.tags, "K")`, true},
	{`!contains(u.tags, "staff") && u.active`, true},
	{`u.admin == true`, true},
	{`u.admin == "true"`, true},
	{`u.nickname == local.root`, true},
	{`u.admin && u.nickname != var.root`, true},
	{`u.admin == local.flag`, true},
	{`u.last_active_at == null`, false},
	{`u.nickname`, true},        // a string: HCL converts it, or refuses it
	{`u.admin && u.name`, true}, // the same, inside &&
	{`u.admin && timecmp(u.inserted_at, "2026-01-01T00:00:00Z") < 0`, false},
	{`length(u.tags) > 0 && u.tags[0] == "staff"`, false},
	{`u.admin && length(live.users) > 2`, false},
}

// prefilterShapes are expressions over live.users of every shape a
// prefilter meets, with an if clause or without, reading attributes by
// name, by index, or elements whole; each is a check's message, in JSON.
var prefilterShapes = []string{
	`[for u in live.users : u.confirmed || u.admin]`,
	`[for u in live.users : "${u.nickname}:${coalesce(u.name, "-")}"]`,
	`[for u in live.users : u.tags[0] if length(u.tags) > 0]`,
	`[for i, u in live.users : i if u.admin]`,
	`[for i, u in live.users : u.nickname if i % 3 == 0]`,
	`[for u in live.users : [for u in u.tags : u]]`,
	`[for u in live.users : [for t in u.tags : "${u.nickname}/${t}"] if u.active]`,
	`[for u in live.users : u if u.locked]`,
	`[for u in live.users : u]`,
	`[for u in live.users : u["nickname"] if u["admin"]]`,
	`[for u in live.users : u.name if u.email != null]`,
	`{for u in live.users : u.nickname => u.mfa...}`,
	`{for u in live.users : u.nickname => u.email... if u.admin}`,
	`[for u in live.users : timecmp(u.inserted_at, "2025-02-01T00:00:00Z") if u.admin]`,
	`[for u in live.users : coalesce(u.last_active_at, u.inserted_at) if !u.approved]`,
	`[for x in [for a in live.users : a if a.moderator] : x.nickname if x.confirmed]`,
	`[for live in live.users : live.nickname if live.admin]`,
	`[for live in local.groups : [for v in live.users : v.nickname]]`,
	`[for live in local.groups : [for v in live.users : v.role if v.nickname != "g1"]]`,
	`[for u in live.users : [for u in [{ "admin,mfa" = 1 }] : u["admin,mfa"]]]`,
	`[for u in live.users : u.admin if u.mfa]`,
	`"%{for u in live.users}${u.nickname}%{if u.admin}!%{endif};%{endfor}"`,
	`[for u in live.users : 1]`,
	`[for u in live.users : [for v in live.users : "${u.nickname}${v.nickname}" if v.admin] if u.mfa]`,
	`[for u in live.users : [u][*].nickname]`,
	`[for u in live.users : (u).admin]`,
	`[for u in live.users : u.admin ? u.nickname : u.email]`,
	`[for u in live.users : u[local.k]]`,
	`[for u in live.users : lookup(u, "nickname", "x")]`,
	`[for u in live.users : try(u.tags[1], u.name)]`,
	`{for u in live.users : (u.admin ? u.nickname : "x") => u.mfa...}`,
	`[for u in live.users : [for k, v in u : k]]`,
	`[for u in live.users : u.tags[*]]`,
	`[for x in [for a in live.users : a] : x.tags]`,
	`[for u in live.users : {n = u.nickname, e = u.email}]`,
	`length(live.users)`,
}

// prefilterConfig is a configuration with a check for each of
// prefilterConds, its condition and its message each over live.users, and
// a user block whose e-mail is a sensitive variable's.
func prefilterConfig(t *testing.T) *Config {
	t.Helper()
	var b strings.Builder
	b.WriteString(`variable "root" {
  default = "root"
}
variable "secret" {
  default   = "ann@example.org"
  sensitive = true
}
locals {
  root   = "K"
  flag   = false
  k      = "nickname"
  groups = [{ users = [{ nickname = "g1", role = "a" }, { nickname = "g2", role = "b" }] }]
}
user "ann" {
  email = var.secret
}
`)
	for i, c := range prefilterConds {
		fmt.Fprintf(&b, `check "c%d" {
  assert {
    condition     = length([for u in live.users : u if %[2]s]) %% 3 != 1
    error_message = "Kept: ${join(", ", [for u in live.users : u.nickname if %[2]s])}."
  }
}
`, i, c.cond)
	}
	for i, shape := range prefilterShapes {
		fmt.Fprintf(&b, `check "s%d" {
  assert {
    condition     = false
    error_message = jsonencode(%s)
  }
}
`, i, shape)
	}
	// An error, whose details are hidden when live.users holds ann's
	// sensitive e-mail address, whether or not a prefilter keeps ann.
	b.WriteString(`check "errs" {
  assert {
    condition     = tobool([for u in live.users : coalesce(u.email, u.nickname) if u.admin][0])
    error_message = "x"
  }
}
`)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(dir, Inputs{Now: time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	return cfg
}

// randomUsers are n accounts of every shape a prefilter meets: nicknames
// and tags that are ASCII or not (the Kelvin sign, which cty normalizes to
// K), e-mails and names or none, tags repeated, and ann, whose e-mail is
// sensitive.
func randomUsers(r *rand.Rand, n int) []LiveUser {
	pick := func(vs ...string) string { return vs[r.IntN(len(vs))] }
	opt := func(vs ...string) *string {
		if r.IntN(3) == 0 {
			return nil
		}
		s := pick(vs...)
		return &s
	}
	out := []LiveUser{{Nickname: "ann", Email: opt("ann@example.org", "x@example.org"), Admin: r.IntN(2) == 0, Active: true}}
	for i := range n {
		u := LiveUser{
			Nickname: pick("K", "\u212a", "root", "bob", "zoë") + fmt.Sprint(i%3),
			Email:    opt("ann@example.org", "b@example.org", "ÅNGSTRÖM@example.org"),
			Name:     opt("K0", "\u212a0", "root1", "Bob"),
			Admin:    r.IntN(2) == 0, Moderator: r.IntN(3) == 0, Active: r.IntN(4) != 0, Confirmed: r.IntN(2) == 0,
			Approved: r.IntN(2) == 0, Locked: r.IntN(5) == 0, MFA: r.IntN(2) == 0,
			InsertedAt: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(1000)) * time.Hour),
		}
		if r.IntN(3) == 0 {
			u.Nickname = pick("K", "\u212a", "root")
		}
		for range r.IntN(4) {
			u.Tags = append(u.Tags, pick("staff", "K", "\u212a", "Staff", "ü"))
		}
		if r.IntN(2) == 0 {
			at := u.InsertedAt.Add(time.Hour)
			u.LastActiveAt = &at
		}
		out = append(out, u)
	}
	return out
}

// TestPrefiltersDecideAsHCL: a prefilter leaves an account out only where
// HCL finds the if clause false, known, unmarked and without error; and
// every check comes out the same, message and diagnostics included, with
// prefilters (the accounts read through Wants), with every account in every
// list, and as written: each expression parsed again from its source, over
// live.users of every account whole.
func TestPrefiltersDecideAsHCL(t *testing.T) {
	cfg := prefilterConfig(t)
	filtered := map[string]bool{}
	for _, p := range cfg.prefilters {
		if p.keep != nil {
			filtered[string(p.expr.CondExpr.Range().SliceBytes(cfg.Files["main.hcl"].Bytes))] = true
		}
	}
	for _, c := range prefilterConds {
		if filtered[c.cond] != c.filtered {
			t.Errorf("%s: prefiltered %v, want %v", c.cond, filtered[c.cond], c.filtered)
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for round := range 20 {
		users := randomUsers(r, 40)
		with, without := cfg.NewLive(), cfg.NewLive()
		without.unfiltered = true
		for i := range users {
			if with.Wants(&users[i]) {
				with.AddUser(&users[i])
			}
			without.AddUser(&users[i])
		}
		got, want, orig := cfg.EvalChecks(with), cfg.EvalChecks(without), originalOutcomes(t, cfg, users)
		for i := range got {
			if g, w := outcome(got[i]), outcome(want[i]); g != w || w != orig[i] {
				t.Errorf("round %d, %s:\nwith prefilters: %s\nunfiltered:      %s\nas written:      %s", round, got[i].Check.DeclRange, g, w, orig[i])
			}
		}
		left := 0
		for _, p := range cfg.prefilters {
			for i := range with.users {
				u := &with.users[i]
				if p.keep == nil || p.keep(u) {
					continue
				}
				left++
				obj := with.userObject(u, nil)
				ctx := cfg.eval.checkContext(map[string]cty.Value{"live": unknownLive}).NewChild()
				ctx.Variables = map[string]cty.Value{p.expr.ValVar: obj}
				v, diags := p.expr.CondExpr.Value(ctx)
				if diags.HasErrors() || !v.IsKnown() || v.IsMarked() || v.IsNull() || v.Type() != cty.Bool || v.True() {
					t.Errorf("%s left %s out, but HCL finds %#v %v", p.expr.CondExpr.Range(), u.Nickname, v, diags)
				}
			}
		}
		if left == 0 {
			t.Fatal("the prefilters left no account out: the test compares nothing")
		}
	}
}

// originalOutcomes evaluates every check of cfg as written, before any
// rewriting: each expression parsed again from its source text, live.users
// every account as an object of every attribute, the sensitive flag as
// variables gives it.
func originalOutcomes(t *testing.T, cfg *Config, users []LiveUser) []string {
	t.Helper()
	l := cfg.NewLive()
	l.unfiltered = true
	for i := range users {
		l.AddUser(&users[i])
	}
	_, sensitive := l.variables() // sorts l.users, and reads the flag
	list := cty.ListValEmpty(userType)
	if len(l.users) > 0 {
		objs := make([]cty.Value, len(l.users))
		for i := range l.users {
			objs[i] = l.userObject(&l.users[i], nil)
		}
		list = cty.ListVal(objs)
	}
	ctx := cfg.eval.checkContext(map[string]cty.Value{"live": cty.ObjectVal(map[string]cty.Value{
		"users": list, "invites": cty.ListValEmpty(inviteType)})})
	reparse := func(e hcl.Expression) hcl.Expression {
		r := e.Range()
		x, diags := hclsyntax.ParseExpression(r.SliceBytes(cfg.Files[r.Filename].Bytes), r.Filename, r.Start)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		return x
	}
	var out []string
	for _, ch := range cfg.Checks {
		res := CheckResult{Check: ch, Status: Pass}
		for _, a := range ch.Asserts {
			written := *a
			written.condition, written.errorMessage = reparse(a.condition), reparse(a.errorMessage)
			evalAssert(ctx, &written, &res, sensitive)
		}
		out = append(out, outcome(res))
	}
	return out
}

// TestShadowedLive: where a for expression's variable is named live,
// live.users is that variable's, not the server's accounts: it is neither
// rewritten nor read, and validate takes its attributes as they are.
func TestShadowedLive(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(`
locals {
  groups = [{ users = [{ nickname = "g1", role = "a" }, { nickname = "g2", role = "b" }] }]
}
check "shadow" {
  assert {
    condition     = join(",", flatten([for live in local.groups : [for v in live.users : "${v.nickname}=${v.role}"]])) == "g1=a,g2=b"
    error_message = "x"
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(dir, Inputs{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if users, _ := cfg.ChecksRead(); users || len(cfg.prefilters) != 0 {
		t.Fatalf("reads live.users: %v, %d prefilters", users, len(cfg.prefilters))
	}
	if got := outcome(cfg.EvalChecks(cfg.NewLive())[0]); got != "pass" {
		t.Errorf("got %s, want pass", got)
	}
}

// outcome is what a check's result shows.
func outcome(r CheckResult) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s", r.Status)
	for _, f := range r.Failures {
		fmt.Fprintf(&b, " | %s", f.Message)
	}
	for _, d := range r.Diags {
		fmt.Fprintf(&b, " | %s: %s", d.Summary, d.Detail)
	}
	return b.String()
}

// TestPrefiltersKeepRedaction: an account whose e-mail address a user
// block takes from a sensitive variable hides the details of HCL's errors
// (they may quote it) though no prefilter keeps it, and though it is read
// through Wants, as internal/checks reads accounts: as when HCL alone
// decides.
func TestPrefiltersKeepRedaction(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(`
variable "secret" {
  default   = "ann@example.org"
  sensitive = true
}
user "ann" {
  email = var.secret
}
check "c" {
  assert {
    condition     = tobool([for u in live.users : coalesce(u.email, u.nickname) if u.admin][0])
    error_message = "x"
  }
}
`), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := Load(dir, Inputs{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(cfg.prefilters) != 1 {
		t.Fatalf("%d prefilters, want 1", len(cfg.prefilters))
	}
	bob := "bob@example.org"
	users := []LiveUser{{Nickname: "ann", Active: true}, {Nickname: "bob", Email: &bob, Admin: true, Active: true}}
	with, without := cfg.NewLive(), cfg.NewLive()
	without.unfiltered = true
	for i := range users {
		if with.Wants(&users[i]) {
			with.AddUser(&users[i])
		}
		without.AddUser(&users[i])
	}
	got, want := outcome(cfg.EvalChecks(with)[0]), outcome(cfg.EvalChecks(without)[0])
	if got != want || !strings.Contains(want, "The details are not shown") {
		t.Errorf("with prefilters: %s\nHCL alone:       %s", got, want)
	}
}
