package applier_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/plans"
)

// seedSessions inserts the accounts, each with its tokens and
// authorizations (nick → [tokens, authorizations]), and one app-only token.
func seedSessions(t *testing.T, conn *pgx.Conn, accounts []seed, held map[string][2]int) {
	t.Helper()
	app := oauthApp(t, conn)
	for _, s := range accounts {
		id := insert(t, conn, s)
		if n := held[s.nick]; n != [2]int{} {
			session(t, conn, app, &id, n[0], n[1])
		}
	}
	session(t, conn, app, nil, 1, 0)
}

// endedSessions lists the plan's "address:sessions before" and, on the next
// line, the notes that say why, for the changes that end sessions.
func endedSessions(p *plans.Plan) (string, string) {
	var counts, notes []string
	for _, c := range p.Changes {
		a := c.Attr("sessions")
		if a == nil {
			continue
		}
		counts = append(counts, fmt.Sprintf("%s:%v", c.Address, a.Before))
		for _, n := range c.Notes {
			if strings.Contains(n, "ended because") {
				notes = append(notes, n)
			}
		}
	}
	return strings.Join(counts, " "), strings.Join(notes, "\n")
}

// TestDeactivationAndDemotionEndSessions: deactivating an account (its own
// active = false, or prune) and revoking its admin or moderator role (its
// own attribute, or a role block) delete every OAuth token and authorization
// of the account in the apply's transaction, as the server's sign_out does:
// a running server would keep accepting them from its cached copy of the
// account. The plan counts them with the reason; an account with none shows
// nothing; other accounts' sessions and app tokens stay; planning again is
// empty.
func TestDeactivationAndDemotionEndSessions(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			seedSessions(t, conn, []seed{
				{nick: "alice"},                       // active = false
				{nick: "boss", admin: true},           // the role block leaves her out
				{nick: "mod", admin: true, mod: true}, // moderator = false, stays admin
				{nick: "carol"},                       // pruned: deactivated
				{nick: "keeper", admin: true},         // a member: untouched
				{nick: "quiet"},                       // active = false, no session
			}, map[string][2]int{"alice": {2, 1}, "boss": {1, 0}, "mod": {1, 1}, "carol": {0, 2}, "keeper": {1, 1}})
			p := applyConverged(t, conn, config(t, `
role "admin" { members = ["keeper", "mod"] }

prune {
  users = "deactivate"
}

user "alice" { active = false }
user "boss" {}
user "mod" { moderator = false }
user "keeper" {}
user "quiet" { active = false }
`))
			counts, notes := endedSessions(p)
			if want := "user.alice:3 user.boss:1 user.carol:2 user.mod:2"; counts != want {
				t.Errorf("sessions in the plan = %s, want %s", counts, want)
			}
			for _, want := range []string{
				"3 sessions ended because the account is deactivated, which a running server does not see while it caches the account: 2 OAuth tokens and 1 authorization deleted, as the server's sign_out does",
				"1 session ended because the account loses admin,",
				"2 sessions ended because the account loses moderator,",
				"2 sessions ended because the account is deactivated, which a running server does not see while it caches the account: 2 authorizations deleted",
			} {
				if !strings.Contains(notes, want) {
					t.Errorf("no note %q in:\n%s", want, notes)
				}
			}
			if got, want := sessions(t, conn), "-:1/0 keeper:1/1"; got != want {
				t.Errorf("sessions left = %s, want %s", got, want)
			}
		})
	}
}

// TestEndSessionsOff: with server { end_sessions = false } a deactivation
// and a demotion leave the account's sessions, and the plan shows none.
func TestEndSessionsOff(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			seedSessions(t, conn, []seed{{nick: "alice"}, {nick: "boss", admin: true}},
				map[string][2]int{"alice": {2, 1}, "boss": {1, 1}})
			p := applyConverged(t, conn, config(t, `
server { end_sessions = false }

user "alice" { active = false }
user "boss" { admin = false }
`))
			if len(p.Changes) != 2 {
				t.Fatalf("plan = %+v, want alice's and boss's changes", p.Changes)
			}
			if counts, notes := endedSessions(p); counts != "" || notes != "" {
				t.Errorf("the plan ends sessions: %s\n%s", counts, notes)
			}
			if got, want := sessions(t, conn), "-:1/0 alice:2/1 boss:1/1"; got != want {
				t.Errorf("sessions left = %s, want %s", got, want)
			}
		})
	}
}

// TestDeactivationEndsSessionsAfterTheInstant: sessions_valid_after keeps
// the sessions issued after its instant, but a deactivation in the same
// change ends them all, and the plan counts them all.
func TestDeactivationEndsSessionsAfterTheInstant(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			alice := insert(t, conn, seed{nick: "alice"})
			day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
			addSession(t, conn, "oauth_tokens", alice, day.Add(-time.Hour))
			addSession(t, conn, "oauth_tokens", alice, day.Add(time.Hour))
			addSession(t, conn, "oauth_authorizations", alice, day.Add(time.Hour))
			p := applyConverged(t, conn, config(t, `user "alice" {
  active               = false
  sessions_valid_after = "2026-11-20T00:00:00Z"
}`))
			counts, notes := endedSessions(p)
			if counts != "user.alice:3" || !strings.Contains(notes, "3 sessions ended because the account is deactivated") {
				t.Errorf("plan: %s\n%s", counts, notes)
			}
			if strings.Contains(strings.Join(p.Changes[0].Notes, "\n"), "issued before") {
				t.Errorf("the plan also counts the sessions before the instant: %q", p.Changes[0].Notes)
			}
			if got := sessionsLeft(t, conn); got != "" {
				t.Errorf("sessions left = %s, want none", got)
			}
		})
	}
}

// TestSensitiveDemotionEndsSessions: a role revoked by a sensitive value
// ends the sessions too; the reason does not tell the value.
func TestSensitiveDemotionEndsSessions(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			seedSessions(t, conn, []seed{{nick: "boss", admin: true}}, map[string][2]int{"boss": {1, 0}})
			p := applyConverged(t, conn, config(t, `
variable "boss_admin" { sensitive = true }

user "boss" { admin = var.boss_admin }
`, "boss_admin=false"))
			counts, notes := endedSessions(p)
			if counts != "user.boss:1" || !strings.Contains(notes, "1 session ended because a sensitive value deactivates the account or revokes a role,") {
				t.Errorf("plan: %s\n%s", counts, notes)
			}
			if got, want := sessions(t, conn), "-:1/0"; got != want {
				t.Errorf("sessions left = %s, want %s", got, want)
			}
		})
	}
}

// TestSessionsMadeAfterThePlanEnd: apply ends the sessions the account has
// when it writes, counted then: a session made after the plan was shown
// ends too, and the plan still applies (the count only describes it).
func TestSessionsMadeAfterThePlanEnd(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			alice := insert(t, conn, seed{nick: "alice"})
			cfg := config(t, `user "alice" { active = false }`)
			p := makePlan(t, conn, cfg)
			if len(p.Changes) != 1 || p.Changes[0].Attr("sessions") != nil {
				t.Fatalf("plan = %+v, want alice's deactivation without sessions", p.Changes)
			}
			session(t, conn, oauthApp(t, conn), &alice, 1, 1)
			res, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if a := res.Plan.Changes[0].Attr("sessions"); a == nil || a.Before != int64(2) {
				t.Errorf("the plan applied says sessions %+v, want 2 -> 0", a)
			}
			if got := sessions(t, conn); got != "" {
				t.Errorf("sessions left = %s, want none", got)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Errorf("planning again: %+v", again.Changes)
			}
		})
	}
}
