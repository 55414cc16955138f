package applier_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/schema"
)

// base62 is a FlakeId's text form as the servers' API shows it (and their
// user_to_map writes it), computed here apart from roster's flake package:
// the 128-bit integer in base 62 with the digits 0-9A-Za-z (math/big's
// base 62 orders its letters a-z before A-Z, so the case is swapped).
func base62(t *testing.T, uuid string) string {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(uuid, "-", ""))
	if err != nil || len(b) != 16 {
		t.Fatalf("%q is not a uuid", uuid)
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsUpper(r) {
			return unicode.ToLower(r)
		}
		return unicode.ToUpper(r)
	}, new(big.Int).SetBytes(b).Text(62))
}

func TestBase62Vectors(t *testing.T) {
	// server-semantics §3.2: PL user.ex:287 and the FlakeId tests.
	for uuid, want := range map[string]string{
		"0000016e-b3da-2a5c-d529-2ce35fd50000": "9pQtDGXuq4p3VlcJEm",
		"00000168-50e5-02eb-8c16-45c935d20000": "9eoozpwTul5mjSEDRI",
	} {
		if got := base62(t, uuid); got != want {
			t.Errorf("base62(%s) = %s, want %s", uuid, got, want)
		}
	}
}

// logEntry is a moderation_log row as read back.
type logEntry struct {
	data                 map[string]any
	insertedAt, updateAt time.Time
}

func moderationLog(t *testing.T, conn *pgx.Conn) []logEntry {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT data::text, inserted_at, updated_at FROM moderation_log ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	var out []logEntry
	var data string
	var e logEntry
	_, err = pgx.ForEachRow(rows, []any{&data, &e.insertedAt, &e.updateAt}, func() error {
		e.data = decodeJSON(t, data)
		out = append(out, e)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func decodeJSON(t *testing.T, s string) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return out
}

func logCount(t *testing.T, conn *pgx.Conn) int {
	t.Helper()
	var n int
	row(t, conn, `SELECT count(*) FROM moderation_log`, nil, &n)
	return n
}

// auditWorld seeds one account for each admin API action roster logs, and
// root, the admin the entries name.
const auditConfig = `
server {
  audit_actor = "ROOT" # matched as the server's citext column does; entries name "root"
}

role "moderator" {
  members = ["hatter"]
}

tag "staff" {
  members = ["alice", "hatter"]
}

user "alice" {
  admin = true
  name  = "Alice Liddell"
}
user "bob" {
  tags = []
}
user "carol" {
  admin = false
}
user "dave" {
  active = true
}
user "erin" {
  active = false
}
user "frank" {
  approved = true
}
user "gina" {
  confirmed = true
}
user "hatter" {
  email = "hatter@example.org"
}
user "lena" {
  locked = true
}
user "mallory" {
  state = "absent"
}

invite "spring" {
  token   = "TkVW3ZWr9gXJdyUqT0ZkHtP6JaPOlDeaQ1yGSDaF0Ek="
  max_use = 5
}

remote_instance "spam.example" {
  active = false
}

local_users {
  confirmed = true
}
`

// TestModerationLog: with server { audit_actor }, an apply writes, in its
// transaction, the moderation_log entries of the admin API's actions that
// do what it does, one per kind of action listing its accounts, each
// compared field by field with the shapes of the servers' ModerationLog
// (docs/moderation-log.md): prepare_log_data's actor, action and message,
// user_to_map's id (Base62), nickname and type, each clause's keys, the
// message get_log_entry_message computes, and timestamps() in whole UTC
// seconds. Invites, unconfirming and sessions log nothing.
func TestModerationLog(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			ids := map[string]string{}
			for _, s := range []seed{
				{nick: "root", admin: true},
				{nick: "alice"},
				{nick: "bob", mod: true, tags: []string{"old"}},
				{nick: "carol", admin: true},
				{nick: "dave", inactive: true},
				{nick: "erin"},
				{nick: "frank"},
				{nick: "gina"},
				{nick: "ivy"},
				{nick: "lena"},
				{nick: "mallory"},
				{nick: "spammer@spam.example", remote: true},
			} {
				ids[s.nick] = insert(t, conn, s)
			}
			for _, sql := range []string{`UPDATE users SET is_approved = false WHERE nickname = 'frank'`,
				`UPDATE users SET is_confirmed = false, confirmation_token = 'x' WHERE nickname IN ('gina', 'ivy')`} {
				if _, err := conn.Exec(ctx, sql); err != nil {
					t.Fatal(err)
				}
			}
			cfg := config(t, auditConfig)
			now := time.Date(2027, 3, 4, 5, 6, 7, 890_000_000, time.UTC)
			p := makePlan(t, conn, cfg)
			if p.AuditActor != "root" {
				t.Errorf("plan's actor = %q, want the stored nickname root", p.AuditActor)
			}
			res, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{Now: func() time.Time { return now }}))
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Fatalf("planning again after the apply is not empty: %+v", again.Changes)
			}
			var hatter string
			row(t, conn, `SELECT id::text FROM users WHERE nickname = 'hatter'`, nil, &hatter)
			ids["hatter"] = hatter

			user := func(nick string) string {
				return fmt.Sprintf(`{"id": %q, "nickname": %q, "type": "user"}`, base62(t, ids[nick]), nick)
			}
			users := func(nicks ...string) string {
				var parts []string
				for _, n := range nicks {
					parts = append(parts, user(n))
				}
				return "[" + strings.Join(parts, ", ") + "]"
			}
			root := `"actor": ` + user("root")
			want := []string{
				`{` + root + `, "action": "create", "subjects": ` + users("hatter") + `, "message": "@root created users: @hatter"}`,
				`{` + root + `, "action": "grant", "subject": ` + users("alice") + `, "permission": "admin", "message": "@root made @alice admin"}`,
				`{` + root + `, "action": "grant", "subject": ` + users("hatter") + `, "permission": "moderator", "message": "@root made @hatter moderator"}`,
				`{` + root + `, "action": "revoke", "subject": ` + users("carol") + `, "permission": "admin", "message": "@root revoked admin role from @carol"}`,
				`{` + root + `, "action": "revoke", "subject": ` + users("bob") + `, "permission": "moderator", "message": "@root revoked moderator role from @bob"}`,
				`{` + root + `, "action": "activate", "subject": ` + users("dave") + `, "message": "@root activated users: @dave"}`,
				`{` + root + `, "action": "deactivate", "subject": ` + users("erin", "spammer@spam.example") + `, "message": "@root deactivated users: @erin, @spammer@spam.example"}`,
				`{` + root + `, "action": "approve", "subject": ` + users("frank") + `, "message": "@root approved users: @frank"}`,
				`{` + root + `, "action": "confirm_email", "subject": ` + users("gina", "ivy") + `, "message": "@root confirmed email for users: @gina, @ivy"}`,
				`{` + root + `, "action": "tag", "nicknames": ["alice", "hatter"], "tags": ["staff"], "message": "@root added tags: staff to users: @alice, @hatter"}`,
				`{` + root + `, "action": "untag", "nicknames": ["bob"], "tags": ["old"], "message": "@root removed tags: old from users: @bob"}`,
				`{` + root + `, "action": "updated_users", "subject": ` + users("alice", "lena") + `, "message": "@root updated users: @alice, @lena"}`,
				`{` + root + `, "action": "delete", "subject": ` + users("mallory") + `, "message": "@root deleted users: @mallory"}`,
			}
			got := moderationLog(t, conn)
			if res.Logged != len(want) {
				t.Errorf("Result.Logged = %d, want %d", res.Logged, len(want))
			}
			if len(got) != len(want) {
				var actions []any
				for _, e := range got {
					actions = append(actions, e.data["message"])
				}
				t.Fatalf("%d entries, want %d: %q", len(got), len(want), actions)
			}
			at := time.Date(2027, 3, 4, 5, 6, 7, 0, time.UTC)
			for i, e := range got {
				if d := cmp.Diff(decodeJSON(t, want[i]), e.data); d != "" {
					t.Errorf("entry %d (-want +got):\n%s", i+1, d)
				}
				if !e.insertedAt.Equal(at) || !e.updateAt.Equal(at) {
					t.Errorf("entry %d: inserted_at %s, updated_at %s, want both %s", i+1, e.insertedAt, e.updateAt, at)
				}
			}

			// An apply with nothing to do writes nothing.
			if _, err := applier.Apply(ctx, conn, makePlan(t, conn, cfg), cfg, replan(applier.Options{})); err != nil {
				t.Fatal(err)
			}
			if n := logCount(t, conn); n != len(want) {
				t.Errorf("%d entries after an empty apply, want %d", n, len(want))
			}
		})
	}
}

// TestModerationLogOnlyWhatIsLogged: an apply whose changes the admin API
// logs nothing for (unconfirming, unapproving, sessions, invites) writes no
// entry; nor does one without audit_actor, whatever it changes.
func TestModerationLogOnlyWhatIsLogged(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	insert(t, conn, seed{nick: "root", admin: true})
	insert(t, conn, seed{nick: "alice"})
	insert(t, conn, seed{nick: "bob"})
	applyConverged(t, conn, config(t, `
server {
  audit_actor = "root"
}
user "alice" {
  confirmed = false
  approved  = false
}
invite "spring" {
  token = "TkVW3ZWr9gXJdyUqT0ZkHtP6JaPOlDeaQ1yGSDaF0Ek="
}
`))
	if n := logCount(t, conn); n != 0 {
		t.Errorf("%d entries for changes the admin API does not log", n)
	}
	applyConverged(t, conn, config(t, `
user "bob" {
  admin = true
  tags  = ["staff"]
}
`))
	if n := logCount(t, conn); n != 0 {
		t.Errorf("%d entries without audit_actor", n)
	}
}

// TestAuditActorRefused: the actor must be a local, active admin before the
// apply and after it, or the plan is refused with an error at the
// attribute.
func TestAuditActorRefused(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	insert(t, conn, seed{nick: "root", admin: true})
	insert(t, conn, seed{nick: "alice"})
	insert(t, conn, seed{nick: "mod", mod: true})
	insert(t, conn, seed{nick: "old", admin: true, inactive: true})
	insert(t, conn, seed{nick: "boss@remote.example", admin: true, remote: true})
	insert(t, conn, seed{nick: "ghost", admin: true, remote: true}) // a remote row whose nickname has no domain
	for name, tc := range map[string]struct {
		actor, users, summary string
	}{
		"no such account":             {"nobody", "", "No account for the audit actor"},
		"an account the plan creates": {"hatter", `user "hatter" { admin = true }`, "No account for the audit actor"},
		"not an admin":                {"alice", "", "Audit actor is not an admin"},
		"a moderator":                 {"mod", "", "Audit actor is not an admin"},
		"made admin by the plan":      {"alice", `user "alice" { admin = true }`, "Audit actor is not an admin"},
		"remote":                      {"boss@remote.example", "", "Invalid audit actor"},
		"a remote row":                {"ghost", "", "Audit actor is a remote account"},
		"deactivated":                 {"old", "", "Audit actor is deactivated"},
		"demoted by the plan":         {"root", `user "root" { admin = false }`, "Plan demotes the audit actor"},
		"left out of the role":        {"root", `role "admin" { members = [] }`, "Plan demotes the audit actor"},
		"deactivated by the plan":     {"root", `user "root" { active = false }`, "Plan demotes the audit actor"},
		"deleted by the plan":         {"root", `user "root" { state = "absent" }`, "Plan demotes the audit actor"},
	} {
		t.Run(name, func(t *testing.T) {
			src := fmt.Sprintf("server {\n  audit_actor = %q\n}\n%s\n", tc.actor, tc.users)
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, diags := schema.Load(dir, schema.Inputs{})
			if !diags.HasErrors() {
				_, diags = planner.Make(t.Context(), conn, cfg, planner.Options{})
			}
			if !diags.HasErrors() {
				t.Fatalf("planned, want %q", tc.summary)
			}
			d := diags[0]
			if d.Summary != tc.summary || d.Subject == nil || d.Subject.Start.Line != 2 {
				t.Errorf("diagnostic %q at %v, want %q at users.hcl:2", d.Summary, d.Subject, tc.summary)
			}
		})
	}
	// A moderator role taken from the actor leaves it an admin: planned.
	insert(t, conn, seed{nick: "both", admin: true, mod: true})
	p := makePlan(t, conn, config(t, "server {\n  audit_actor = \"both\"\n}\nuser \"both\" { moderator = false }\n"))
	if p.AuditActor != "both" {
		t.Errorf("plan's actor = %q", p.AuditActor)
	}
}

// TestModerationLogNotWrittenOnFailure: the entries are written in the
// apply's transaction, so an apply that is refused or fails writes none,
// and nothing else: a stale plan, an actor demoted since the plan, a
// failing statement after the changes (the entries' own), a failing
// COMMIT, an interrupt while the entries are written.
func TestModerationLogNotWrittenOnFailure(t *testing.T) {
	const src = `
server {
  audit_actor = "root"
}
user "alice" {
  name  = "Alice"
  admin = true
}
`
	for name, tc := range map[string]struct {
		// meanwhile runs between the plan and the apply.
		meanwhile []string
		// interrupt cancels the apply while it inserts the entries.
		interrupt bool
		check     func(t *testing.T, err error)
	}{
		"a stale plan": {meanwhile: []string{`UPDATE users SET name = 'Al' WHERE nickname = 'alice'`},
			check: func(t *testing.T, err error) {
				var stale *applier.StaleError
				if !errors.As(err, &stale) {
					t.Errorf("err = %v, want a stale plan", err)
				}
			}},
		"the actor demoted": {meanwhile: []string{`UPDATE users SET is_admin = false WHERE nickname = 'root'`},
			check: func(t *testing.T, err error) {
				var pe *applier.PlanError
				if !errors.As(err, &pe) || pe.Diags[0].Summary != "Audit actor is not an admin" {
					t.Errorf("err = %v, want the new plan's refusal", err)
				}
			}},
		"an entry's statement fails": {meanwhile: []string{
			`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no entries today'; END $$`,
			`CREATE TRIGGER refuse BEFORE INSERT ON moderation_log FOR EACH ROW EXECUTE FUNCTION refuse()`},
			check: func(t *testing.T, err error) {
				var se *applier.StatementError
				if !errors.As(err, &se) || !strings.Contains(se.Statement, "INSERT INTO moderation_log") {
					t.Errorf("err = %v, want the failed INSERT INTO moderation_log", err)
				}
			}},
		"COMMIT fails": {meanwhile: []string{
			`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'not at commit'; END $$`,
			`CREATE CONSTRAINT TRIGGER refuse AFTER INSERT ON moderation_log DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse()`},
			check: func(t *testing.T, err error) {
				if err == nil || !strings.Contains(err.Error(), "commit") {
					t.Errorf("err = %v, want the failed commit", err)
				}
			}},
		"an interrupt": {meanwhile: []string{
			`CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(30); RETURN NEW; END $$`,
			`CREATE TRIGGER slow BEFORE INSERT ON moderation_log FOR EACH ROW EXECUTE FUNCTION slow()`},
			interrupt: true,
			check: func(t *testing.T, err error) {
				if !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want the apply cancelled", err)
				}
			}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, pgtest.Pleroma)
			conn, watch := pgtest.Connect(t, url), pgtest.Connect(t, url)
			insert(t, conn, seed{nick: "root", admin: true})
			insert(t, conn, seed{nick: "alice"})
			cfg := config(t, src)
			p := makePlan(t, conn, cfg)
			for _, sql := range tc.meanwhile {
				if _, err := conn.Exec(t.Context(), sql); err != nil {
					t.Fatal(err)
				}
			}
			before := snapshot(t, watch)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			if tc.interrupt {
				go cancelWhenInserting(ctx, watch, cancel)
			}
			_, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{}))
			cancel()
			tc.check(t, err)
			if tc.interrupt {
				watch = pgtest.Connect(t, url) // the watcher's connection may be mid-query
			}
			sameSnapshot(t, before, snapshot(t, watch))
			if n := logCount(t, watch); n != 0 {
				t.Errorf("%d moderation log entries after a failed apply", n)
			}
		})
	}
}

// cancelWhenInserting cancels once another session is inserting into
// moderation_log.
func cancelWhenInserting(ctx context.Context, conn *pgx.Conn, cancel context.CancelFunc) {
	for ctx.Err() == nil {
		var n int
		err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
		  WHERE state = 'active' AND query LIKE 'INSERT INTO moderation_log%' AND pid <> pg_backend_pid()`).Scan(&n)
		if err == nil && n > 0 {
			cancel()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestActionsModerationLog: with an actor, a follow repair also writes the
// entry of the admin API's unfollow, in its transaction (and refuses,
// writing nothing, when the actor is no longer an admin); a sign-out and a
// password reset write none, as the admin API logs nothing for them.
func TestActionsModerationLog(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			ids := map[string]string{}
			for _, s := range []seed{{nick: "root", admin: true}, {nick: "alice"}, {nick: "carol@remote.example", remote: true}} {
				ids[s.nick] = insert(t, conn, s)
			}
			followActivity(t, conn, baseURL+"/users/alice", "https://remote.example/users/carol", "accept")
			relationship(t, conn, ids["alice"], ids["carol@remote.example"], 1)
			now := time.Date(2027, 3, 4, 5, 6, 7, 0, time.UTC)
			opts := applier.Options{AuditActor: "root", Now: func() time.Time { return now }}

			so, err := applier.PlanSignOut(ctx, conn, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := applier.SignOut(ctx, conn, so, opts); err != nil {
				t.Fatal(err)
			}
			rp, err := applier.PlanResetPassword(ctx, conn, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := applier.ResetPassword(ctx, conn, rp, opts); err != nil {
				t.Fatal(err)
			}
			if n := logCount(t, conn); n != 0 {
				t.Errorf("%d entries for a sign-out and a password reset, want none", n)
			}

			p, err := applier.PlanFixFollowState(ctx, conn, "alice", "carol@remote.example")
			if err != nil {
				t.Fatal(err)
			}
			// The actor demoted after the check: refused, nothing written.
			if _, err := conn.Exec(ctx, `UPDATE users SET is_admin = false WHERE nickname = 'root'`); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t, conn)
			_, err = applier.FixFollowState(ctx, conn, p, opts)
			var stale *applier.StaleError
			if !errors.As(err, &stale) {
				t.Fatalf("err = %v, want a stale action", err)
			}
			sameSnapshot(t, before, snapshot(t, conn))
			if _, err := conn.Exec(ctx, `UPDATE users SET is_admin = true WHERE nickname = 'root'`); err != nil {
				t.Fatal(err)
			}

			res, err := applier.FixFollowState(ctx, conn, p, opts)
			if err != nil {
				t.Fatal(err)
			}
			if res.Logged != 1 {
				t.Errorf("Logged = %d, want 1", res.Logged)
			}
			user := func(nick string) string {
				return fmt.Sprintf(`{"id": %q, "nickname": %q, "type": "user"}`, base62(t, ids[nick]), nick)
			}
			want := `{"actor": ` + user("root") + `, "action": "unfollow", "follower": ` + user("alice") + `, "followed": ` + user("carol@remote.example") + `,
			  "message": "@root made @alice unfollow @carol@remote.example"}`
			got := moderationLog(t, conn)
			if len(got) != 1 {
				t.Fatalf("%d entries, want 1", len(got))
			}
			if d := cmp.Diff(decodeJSON(t, want), got[0].data); d != "" {
				t.Errorf("entry (-want +got):\n%s", d)
			}
			if !got[0].insertedAt.Equal(now) || !got[0].updateAt.Equal(now) {
				t.Errorf("inserted_at %s, updated_at %s, want %s", got[0].insertedAt, got[0].updateAt, now)
			}
		})
	}
}
