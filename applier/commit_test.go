package applier_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/schema"
)

const commitConfig = `
server {
  url           = "https://social.example.org"
  invite_secret = var.secret
}
variable "secret" { sensitive = true }
user "alice" { email = "alice@example.org" }
user "carol" { name = "Carol" }
user "dave" { admin = true }
user "bob" { locked = true }
invite "spring" { max_use = 3 }
`

// commitSetup seeds bob and returns a direct connection and the
// configuration of an apply of five changes: three new accounts, bob
// locked, a new invite.
func commitSetup(t *testing.T, url string) (*pgx.Conn, *schema.Config) {
	t.Helper()
	conn := pgtest.Connect(t, url)
	insert(t, conn, seed{nick: "bob"})
	return conn, config(t, commitConfig, "secret="+inviteSecret)
}

// committed checks, on a direct connection, that the apply of commitConfig
// was written, all of it, and that a new plan is empty, as the hint says.
func committed(t *testing.T, conn *pgx.Conn, cfg *schema.Config) {
	t.Helper()
	var users, invites int
	var bobLocked bool
	row(t, conn, `SELECT count(*) FROM users WHERE nickname IN ('alice', 'carol', 'dave') AND local`, nil, &users)
	row(t, conn, `SELECT is_locked FROM users WHERE nickname = 'bob'`, nil, &bobLocked)
	row(t, conn, `SELECT count(*) FROM user_invite_tokens WHERE token = $1 AND max_use = 3`, []any{token("spring")}, &invites)
	if users != 3 || !bobLocked || invites != 1 {
		t.Errorf("after the lost answer: %d of 3 new accounts, bob locked %v, %d of 1 invite; the server committed all of it", users, bobLocked, invites)
	}
	if again := makePlan(t, conn, cfg); !again.Empty() {
		t.Errorf("planning again is not empty, though the apply was committed: %+v", again.Changes)
	}
}

// commitUnknown returns err as a *CommitUnknownError, or fails.
func commitUnknown(t *testing.T, err error) *applier.CommitUnknownError {
	t.Helper()
	var unknown *applier.CommitUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v (%T), want a *CommitUnknownError", err, err)
	}
	return unknown
}

// TestApplyCommitAnswerLost: the connection drops after the server has
// committed an apply and before its answer reaches roster. Apply returns a
// *CommitUnknownError whose hint says to run roster plan, and the database
// holds every change.
func TestApplyCommitAnswerLost(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			conn, cfg := commitSetup(t, url)
			p := makePlan(t, conn, cfg)
			proxy := pgtest.NewCommitProxy(t, url, true)
			through := pgtest.Connect(t, proxy.URL)

			_, err := applier.Apply(t.Context(), through, p, cfg, replan(applier.Options{}))
			unknown := commitUnknown(t, err)
			if answer := <-proxy.Answered; answer != "COMMIT" {
				t.Fatalf("the server answered the COMMIT with %q", answer)
			}
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) {
				t.Errorf("err = %v: a server error", err)
			}
			for _, want := range []string{"roster plan", "an empty plan means the apply was committed", "roster invites --show-urls"} {
				if !strings.Contains(unknown.Hint(), want) {
					t.Errorf("hint %q lacks %q", unknown.Hint(), want)
				}
			}
			if msg := err.Error(); !strings.Contains(msg, "may or may not have been written") || strings.Contains(msg, "rolled back") {
				t.Errorf("error = %q", msg)
			}
			committed(t, conn, cfg)
		})
	}
}

// TestApplyInterruptedDuringCommit: the context is cancelled (Ctrl-C) after
// COMMIT was sent and the server committed, while roster waits for the
// answer. That is a *CommitUnknownError too, not an interrupted rollback.
func TestApplyInterruptedDuringCommit(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			conn, cfg := commitSetup(t, url)
			p := makePlan(t, conn, cfg)
			proxy := pgtest.NewCommitProxy(t, url, false)
			through := pgtest.Connect(t, proxy.URL)

			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			done := make(chan error, 1)
			go func() {
				_, err := applier.Apply(ctx, through, p, cfg, replan(applier.Options{}))
				done <- err
			}()
			var err error
			select {
			case answer := <-proxy.Answered:
				if answer != "COMMIT" {
					t.Fatalf("the server answered the COMMIT with %q", answer)
				}
				cancel()
				err = <-done
			case err = <-done:
				t.Fatalf("apply ended before the server answered its COMMIT: %v", err)
			}
			unknown := commitUnknown(t, err)
			if !errors.Is(unknown, context.Canceled) {
				t.Errorf("err = %v, want it to wrap context.Canceled", err)
			}
			committed(t, conn, cfg)
		})
	}
}

// TestApplyCommitRefused: the server refuses the COMMIT (a deferred
// foreign key the new account's e-mail address breaks). That is an
// ordinary error wrapping the *pgconn.PgError, and nothing was written.
func TestApplyCommitRefused(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			conn, cfg := commitSetup(t, url)
			if _, err := conn.Exec(t.Context(), `CREATE TABLE allowed_emails (email citext PRIMARY KEY);
			  ALTER TABLE users ADD CONSTRAINT users_email_allowed FOREIGN KEY (email) REFERENCES allowed_emails (email)
			    DEFERRABLE INITIALLY DEFERRED NOT VALID`); err != nil {
				t.Fatal(err)
			}
			p := makePlan(t, conn, cfg)
			before := snapshot(t, conn)

			_, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			var unknown *applier.CommitUnknownError
			var pgErr *pgconn.PgError
			switch {
			case errors.As(err, &unknown):
				t.Fatalf("err = %v, a *CommitUnknownError, though the server refused the commit", err)
			case !errors.As(err, &pgErr) || pgErr.Code != "23503" || pgErr.ConstraintName != "users_email_allowed":
				t.Fatalf("err = %v, want the deferred foreign key's violation", err)
			case !strings.HasPrefix(err.Error(), "commit: "):
				t.Errorf("err = %q, want it to say the commit failed", err)
			}
			sameSnapshot(t, before, snapshot(t, conn))
		})
	}
}

// TestActionCommitAnswerLost: each action's transaction, its COMMIT's
// answer lost after the server committed, returns a *CommitUnknownError
// whose hint says how to find out; the action was written.
func TestActionCommitAnswerLost(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			url := pgtest.New(t, fx)
			conn := pgtest.Connect(t, url)
			alice := insert(t, conn, seed{nick: "alice"})
			carol := insert(t, conn, seed{nick: "carol@remote.example", remote: true})
			app := oauthApp(t, conn)
			session(t, conn, app, &alice, 2, 1)
			follow := followActivity(t, conn, baseURL+"/users/alice", "https://remote.example/users/carol", "accept")
			relationship(t, conn, alice, carol, 1)

			signOut, err := applier.PlanSignOut(ctx, conn, "alice")
			if err != nil {
				t.Fatal(err)
			}
			reset, err := applier.PlanResetPassword(ctx, conn, "alice")
			if err != nil {
				t.Fatal(err)
			}
			fix, err := applier.PlanFixFollowState(ctx, conn, "alice", "carol@remote.example")
			if err != nil {
				t.Fatal(err)
			}
			actions := []struct {
				name, hint string
				run        func(live.Beginner) error
				done       string // true once the action was written
				args       []any
			}{
				{"sign-out", "roster sign-out alice again",
					func(db live.Beginner) error {
						_, err := applier.SignOut(ctx, db, signOut, applier.Options{})
						return err
					},
					`SELECT NOT EXISTS (SELECT FROM oauth_tokens WHERE user_id = $1) AND NOT EXISTS (SELECT FROM oauth_authorizations WHERE user_id = $1)`,
					[]any{alice}},
				{"reset-password", "roster reset-password alice again",
					func(db live.Beginner) error {
						_, err := applier.ResetPassword(ctx, db, reset, applier.Options{})
						return err
					},
					`SELECT count(*) = 1 FROM password_reset_tokens WHERE user_id = $1`, []any{alice}},
				{"fix-follow-state", "roster fix-follow-state alice carol@remote.example again",
					func(db live.Beginner) error {
						_, err := applier.FixFollowState(ctx, db, fix, applier.Options{})
						return err
					},
					`SELECT data->>'state' = 'reject' FROM activities WHERE id = $1`, []any{follow}},
			}
			for _, a := range actions {
				proxy := pgtest.NewCommitProxy(t, url, true)
				unknown := commitUnknown(t, a.run(pgtest.Connect(t, proxy.URL)))
				if answer := <-proxy.Answered; answer != "COMMIT" {
					t.Fatalf("%s: the server answered the COMMIT with %q", a.name, answer)
				}
				if !strings.Contains(unknown.Hint(), a.hint) {
					t.Errorf("%s: hint %q lacks %q", a.name, unknown.Hint(), a.hint)
				}
				var written bool
				row(t, conn, a.done, a.args, &written)
				if !written {
					t.Errorf("%s: not written, though the server committed it", a.name)
				}
			}
		})
	}
}
