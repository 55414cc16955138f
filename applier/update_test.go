package applier_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server/password"
)

// TestDeactivateAsTheServerDoes checks §2.12: is_active, the account's
// accepted follows of active local accounts deleted, remote follows and
// followers kept, counts recomputed, and updated_at bumped only where a value
// changed.
func TestDeactivateAsTheServerDoes(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			u := insert(t, conn, seed{nick: "bob"})
			g := insert(t, conn, seed{nick: "gina"})
			idle := insert(t, conn, seed{nick: "ivan", inactive: true})
			r := insert(t, conn, seed{nick: "rita@remote.example", remote: true})
			fo := insert(t, conn, seed{nick: "fred"})
			other := insert(t, conn, seed{nick: "olga"})
			follow(t, conn, u, g)     // deleted: active local
			follow(t, conn, u, idle)  // kept: inactive target
			follow(t, conn, u, r)     // kept: remote
			follow(t, conn, fo, u)    // kept; fred's following_count drops
			follow(t, conn, other, g) // untouched
			recount(t, conn)
			cfg := config(t, `user "bob" { active = false }`)
			start := time.Now().UTC().Truncate(time.Second)
			applyConverged(t, conn, cfg)

			if got, want := follows(t, conn), "bob->ivan bob->rita@remote.example fred->bob olga->gina"; got != want {
				t.Errorf("follows = %s, want %s", got, want)
			}
			counts := map[string][2]int{}
			updated := map[string]time.Time{}
			rows, _ := conn.Query(t.Context(), `SELECT nickname, follower_count, following_count, updated_at FROM users`)
			for rows.Next() {
				var n string
				var a, b int
				var ts time.Time
				rows.Scan(&n, &a, &b, &ts)
				counts[n] = [2]int{a, b}
				updated[n] = ts
			}
			// bob still follows rita (remote, active) and ivan (inactive): his count
			// is recomputed over active targets. ivan's follower count is not
			// recomputed by the server (only the deleted follows' targets are).
			want := map[string][2]int{"bob": {1, 1}, "gina": {1, 0}, "fred": {0, 0}, "olga": {0, 1}, "ivan": {1, 0}}
			for n, w := range want {
				if counts[n] != w {
					t.Errorf("%s follower/following counts = %v, want %v", n, counts[n], w)
				}
			}
			for _, n := range []string{"bob", "gina", "fred"} {
				if updated[n].Before(start) {
					t.Errorf("%s changed but updated_at was not bumped", n)
				}
			}
			for _, n := range []string{"olga", "ivan", "rita@remote.example"} {
				if !updated[n].Before(start) {
					t.Errorf("%s did not change but updated_at was bumped", n)
				}
			}
		})
	}
}

// TestSetAsTheServerDoes covers set --confirmed, tags, bio source, and the
// Akkoma-only deletion of report notifications on demotion.
func TestSetAsTheServerDoes(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			admin := insert(t, conn, seed{nick: "root", admin: true, tags: []string{"b", "Old", "a"}})
			keep := insert(t, conn, seed{nick: "quiet", tags: []string{"x"}})
			if _, err := conn.Exec(ctx, `UPDATE users SET bio = 'Hello' WHERE id = $1`, keep); err != nil {
				t.Fatal(err)
			}
			act := "00000000-0000-0000-0000-0000000000aa"
			if _, err := conn.Exec(ctx, `INSERT INTO activities (id, data, local, actor, inserted_at, updated_at) VALUES ($1, '{"type":"Flag"}', true, 'x', now(), now());
			  `, act); err != nil {
				t.Fatal(err)
			}
			for _, typ := range []string{"pleroma:report", "mention"} {
				if _, err := conn.Exec(ctx, `INSERT INTO notifications (user_id, activity_id, type, inserted_at, updated_at) VALUES ($1, $2, $3, now(), now())`, admin, act, typ); err != nil {
					t.Fatal(err)
				}
			}
			quietUpdated := time.Time{}
			row(t, conn, `SELECT updated_at FROM users WHERE id = $1`, []any{keep}, &quietUpdated)

			cfg := config(t, `
user "root" {
  admin     = false
  confirmed = false
  tags      = ["A", "c"]
}
user "quiet" {
  bio  = "Hello"       # raw_bio NULL: bio as stored is the source
  tags = ["X"]
}`)
			p := applyConverged(t, conn, cfg)
			if add, change, _ := p.Counts(); add != 0 || change != 1 {
				t.Fatalf("plan = %+v, want exactly root changed", p.Changes)
			}
			var token *string
			var tags []string
			row(t, conn, `SELECT confirmation_token, tags FROM users WHERE id = $1`, []any{admin}, &token, &tags)
			if token == nil || len(*token) != 44 || strings.ContainsAny(*token, "+/") {
				t.Errorf("confirmation token %v: want url-safe base64 of 32 bytes", token)
			}
			// "Old" stays as stored: the server's untag never removes a tag
			// with capitals.
			if got := strings.Join(tags, ","); got != "Old,a,c" {
				t.Errorf("tags = %s, want Old,a,c (kept in the stored order, new ones appended)", got)
			}
			var reports, mentions int
			row(t, conn, `SELECT count(*) FILTER (WHERE type = 'pleroma:report'), count(*) FILTER (WHERE type = 'mention') FROM notifications`, nil, &reports, &mentions)
			wantReports := map[string]int{"pleroma": 1, "akkoma": 0}[f.Name]
			if reports != wantReports || mentions != 1 {
				t.Errorf("after demotion: %d report and %d mention notifications, want %d and 1", reports, mentions, wantReports)
			}
			var after time.Time
			row(t, conn, `SELECT updated_at FROM users WHERE id = $1`, []any{keep}, &after)
			if !after.Equal(quietUpdated) {
				t.Error("an account with no change had its updated_at bumped")
			}

			// Confirming again clears the token.
			applyConverged(t, conn, config(t, `user "root" { confirmed = true }`))
			row(t, conn, `SELECT confirmation_token FROM users WHERE id = $1`, []any{admin}, &token)
			if token != nil {
				t.Error("set --confirmed true must clear confirmation_token")
			}
		})
	}
}

// TestPasswordModes checks that an enforced password that verifies, in any
// format the flavor accepts, is no change, and that one that does not is
// rewritten natively with the account's OAuth tokens revoked.
func TestPasswordModes(t *testing.T) {
	bcrypt := "$2a$10$uyhC/R/zoE1ndwwCtMusK.TLVzkQ/Ugsbqp3uXI.CTTz0gBw.24jS" // "password"
	argon := "$argon2id$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g"
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			b := insert(t, conn, seed{nick: "bea", hash: bcrypt})
			a := insert(t, conn, seed{nick: "ari", hash: argon})
			w := insert(t, conn, seed{nick: "wes", hash: bcrypt})
			if _, err := conn.Exec(ctx, `INSERT INTO apps (client_name, redirect_uris, inserted_at, updated_at) VALUES ('app', 'x', now(), now())`); err != nil {
				t.Fatal(err)
			}
			for i, u := range []string{b, a, w} {
				if _, err := conn.Exec(ctx, `INSERT INTO oauth_tokens (app_id, user_id, token, inserted_at, updated_at) SELECT id, $1, $2, now(), now() FROM apps`, u, "tok"+string(rune('a'+i))); err != nil {
					t.Fatal(err)
				}
			}
			cfg := config(t, `
user "bea" { password = "password" }
user "ari" { password = "password" }
user "wes" { password = "new secret" }`)
			p := makePlan(t, conn, cfg)
			var changed []string
			for _, c := range p.Changes {
				changed = append(changed, c.Nickname)
			}
			if got := strings.Join(changed, ","); got != "wes" {
				t.Fatalf("changed = %s, want only wes (bcrypt and argon2 hashes that verify are no change)", got)
			}
			applyConverged(t, conn, cfg)
			var hash string
			var pending bool
			row(t, conn, `SELECT password_hash, password_reset_pending FROM users WHERE id = $1`, []any{w}, &hash, &pending)
			if ok, _ := password.Verify("new secret", hash); !ok || password.FormatOf(hash) == password.Bcrypt {
				t.Errorf("wes's hash was not rewritten in the native format")
			}
			var tokens []string
			rows, _ := conn.Query(ctx, `SELECT u.nickname FROM oauth_tokens t JOIN users u ON u.id = t.user_id ORDER BY 1`)
			for rows.Next() {
				var n string
				rows.Scan(&n)
				tokens = append(tokens, n)
			}
			if got := strings.Join(tokens, ","); got != "ari,bea" {
				t.Errorf("tokens left for %s, want ari,bea (only wes signed out)", got)
			}
			// password_hash mode compares strings.
			p = makePlan(t, conn, config(t, `user "bea" { password_hash = "`+bcrypt+`" }`))
			if !p.Empty() {
				t.Errorf("an identical password_hash is a change: %+v", p.Changes)
			}
		})
	}
}

// TestFailureLeavesEverythingUnchanged: a constraint violation on the last
// statement, and a context cancelled while apply waits for a row lock, both
// roll back every table.
func TestFailureLeavesEverythingUnchanged(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name+"/constraint", func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			insert(t, conn, seed{nick: "bob"})
			if _, err := conn.Exec(ctx, `ALTER TABLE users ADD CONSTRAINT no_zed CHECK (nickname::text <> 'zed')`); err != nil {
				t.Fatal(err)
			}
			cfg := config(t, `
server { url = "https://social.example.org" }
user "amy" { email = "amy@example.org" }
user "bob" { admin = true }
user "zed" { name = "Zed" }`)
			p := makePlan(t, conn, cfg)
			before := snapshot(t, conn)
			_, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{}))
			var stmt *applier.StatementError
			if !errors.As(err, &stmt) || stmt.Address != "user.zed" || stmt.Statement != "INSERT INTO users" || !strings.Contains(err.Error(), "no_zed") {
				t.Fatalf("err = %v, want a StatementError naming user.zed, the INSERT and the constraint", err)
			}
			sameSnapshot(t, before, snapshot(t, conn))
		})
		t.Run(f.Name+"/cancelled", func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, f)
			conn, holder := pgtest.Connect(t, url), pgtest.Connect(t, url)
			bob := insert(t, conn, seed{nick: "bob"})
			cfg := config(t, `
server { url = "https://social.example.org" }
user "amy" {}
user "bob" { moderator = true }`)
			p := makePlan(t, conn, cfg)
			before := snapshot(t, conn)
			tx, err := holder.Begin(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback(t.Context())
			if _, err := tx.Exec(t.Context(), `SELECT 1 FROM users WHERE id = $1 FOR UPDATE`, bob); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
			defer cancel()
			if _, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{LockTimeout: time.Minute})); err == nil {
				t.Fatal("apply succeeded although its context was cancelled while waiting")
			}
			tx.Rollback(t.Context())
			check := pgtest.Connect(t, url)
			sameSnapshot(t, before, snapshot(t, check))
		})
	}
}

// TestStalePlanIsRefused: a row that moved between plan and apply stops the
// apply, naming the account. (bob's e-mail is not managed: its move alone
// would not matter; AMY, registered meanwhile, is the account the
// configuration's amy now names.)
func TestStalePlanIsRefused(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	insert(t, conn, seed{nick: "bob", email: "bob@example.org"})
	cfg := config(t, `
server { url = "https://social.example.org" }
user "bob" { admin = true }
user "amy" {}`)
	p := makePlan(t, conn, cfg)
	if _, err := conn.Exec(ctx, `UPDATE users SET email = 'b@example.org' WHERE nickname = 'bob'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO users (id, nickname, bio, ap_id, inserted_at, updated_at) VALUES (gen_random_uuid(), 'AMY', '', 'x', now(), now())`); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, conn)
	_, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{}))
	var stale *applier.StaleError
	if !errors.As(err, &stale) {
		t.Fatalf("err = %v, want a StaleError", err)
	}
	got := strings.Join(stale.Moved, "\n")
	if !strings.Contains(got, "user.amy: the plan shown creates it, a new plan does not") {
		t.Errorf("stale report %q does not say that amy is no longer created", got)
	}
	sameSnapshot(t, before, snapshot(t, conn))
}

// TestLockTimeoutNamesTheHolder: a second apply waits at most the lock
// timeout and says who holds the lock.
func TestLockTimeoutNamesTheHolder(t *testing.T) {
	ctx := t.Context()
	url := pgtest.New(t, pgtest.Pleroma)
	conn, other := pgtest.Connect(t, url), pgtest.Connect(t, url)
	if _, err := other.Exec(ctx, `SET application_name = 'other-roster'`); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(ctx, `SELECT pg_advisory_lock($1)`, applier.LockKey); err != nil {
		t.Fatal(err)
	}
	cfg := config(t, `
server { url = "https://social.example.org" }
user "amy" {}`)
	p := makePlan(t, conn, cfg)
	start := time.Now()
	_, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{LockTimeout: 300 * time.Millisecond}))
	var lock *applier.LockError
	if !errors.As(err, &lock) {
		t.Fatalf("err = %v, want a LockError", err)
	}
	if len(lock.Holders) != 1 || lock.Holders[0].ApplicationName != "other-roster" {
		t.Errorf("holders = %+v, want the other-roster session", lock.Holders)
	}
	if time.Since(start) > 20*time.Second {
		t.Error("the lock timeout was not honoured")
	}
	var n int
	row(t, conn, `SELECT count(*) FROM users`, nil, &n)
	if n != 0 {
		t.Error("a failed apply wrote rows")
	}
}

// TestUnknownVersionRefused: apply refuses a schema newer than roster knows
// unless the configuration allows it.
func TestUnknownVersionRefused(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Akkoma))
	if _, err := conn.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES (29990101000000)`); err != nil {
		t.Fatal(err)
	}
	src := `server {
  url = "https://social.example.org"
  %s
}
user "amy" {}`
	cfg := config(t, strings.Replace(src, "%s", "", 1))
	p, diags := planner_Make(t, conn, cfg)
	if len(diags) != 1 || diags[0].Summary != "Newer server schema than roster knows" {
		t.Fatalf("diags = %v, want one warning", diags)
	}
	var unknown *applier.UnknownVersionError
	if _, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{})); !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want UnknownVersionError", err)
	}
	cfg = config(t, strings.Replace(src, "%s", "allow_unknown_version = true", 1))
	applyConverged(t, conn, cfg)
}

// TestRowLockTimeoutNamesTheHolder: a server transaction holding a row the
// plan updates makes apply give up after the timeout, naming the session.
func TestRowLockTimeoutNamesTheHolder(t *testing.T) {
	ctx := t.Context()
	url := pgtest.New(t, pgtest.Pleroma)
	conn, other := pgtest.Connect(t, url), pgtest.Connect(t, url)
	insert(t, conn, seed{nick: "bob"})
	cfg := config(t, `user "bob" { admin = true }`)
	p := makePlan(t, conn, cfg)
	if _, err := other.Exec(ctx, `SET application_name = 'pleroma-server'`); err != nil {
		t.Fatal(err)
	}
	tx, err := other.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `UPDATE users SET name = 'x' WHERE nickname = 'bob'`); err != nil {
		t.Fatal(err)
	}
	_, err = applier.Apply(ctx, conn, p, cfg, replan(applier.Options{LockTimeout: 300 * time.Millisecond}))
	var lock *applier.LockError
	if !errors.As(err, &lock) || !lock.Rows {
		t.Fatalf("err = %v, want a row LockError", err)
	}
	if len(lock.Holders) != 1 || lock.Holders[0].ApplicationName != "pleroma-server" {
		t.Errorf("holders = %+v, want the pleroma-server session", lock.Holders)
	}
}

// TestActivationsRunOneAtATime: the server deactivates accounts one by one,
// each an UPDATE then its follow bookkeeping, so when amy and ben are
// deactivated together amy's follow of ben goes (ben was still active when
// amy was processed) and ben's follow of amy stays (amy was inactive by
// then). A self-follow is never touched.
func TestActivationsRunOneAtATime(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	amy := insert(t, conn, seed{nick: "amy"})
	ben := insert(t, conn, seed{nick: "ben"})
	follow(t, conn, amy, ben)
	follow(t, conn, ben, amy)
	follow(t, conn, ben, ben)
	recount(t, conn)
	applyConverged(t, conn, config(t, `
user "amy" { active = false }
user "ben" { active = false }`))
	if got := follows(t, conn); got != "ben->amy ben->ben" {
		t.Errorf("follows = %q, want %q", got, "ben->amy ben->ben")
	}
}
