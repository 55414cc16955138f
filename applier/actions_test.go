package applier_test

import (
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
)

// oauthApp inserts an OAuth client and returns its id.
func oauthApp(t *testing.T, conn *pgx.Conn) int64 {
	t.Helper()
	var id int64
	row(t, conn, `INSERT INTO apps (client_name, redirect_uris, client_id, client_secret, inserted_at, updated_at)
	  VALUES ('Tusky', 'urn:ietf:wg:oauth:2.0:oob', md5(random()::text), 'secret', now(), now()) RETURNING id`, nil, &id)
	return id
}

// session gives user (nil for an app-only token) n tokens and m
// authorizations on app.
func session(t *testing.T, conn *pgx.Conn, app int64, user *string, n, m int) {
	t.Helper()
	ctx := t.Context()
	for range n {
		if _, err := conn.Exec(ctx, `INSERT INTO oauth_tokens (app_id, user_id, token, refresh_token, valid_until, inserted_at, updated_at)
		  VALUES ($1, $2, md5(random()::text), md5(random()::text), now() + interval '1 day', now(), now())`, app, user); err != nil {
			t.Fatal(err)
		}
	}
	for range m {
		if _, err := conn.Exec(ctx, `INSERT INTO oauth_authorizations (app_id, user_id, token, valid_until, inserted_at, updated_at)
		  VALUES ($1, $2, md5(random()::text), now() + interval '10 minutes', now(), now())`, app, user); err != nil {
			t.Fatal(err)
		}
	}
}

// sessions lists each holder's tokens and authorizations as
// "holder:tokens/authorizations", sorted; "-" holds the app-only tokens.
func sessions(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT coalesce(u.nickname::text, '-') || ':' ||
	    (SELECT count(*) FROM oauth_tokens t WHERE t.user_id IS NOT DISTINCT FROM x.id) || '/' ||
	    (SELECT count(*) FROM oauth_authorizations a WHERE a.user_id IS NOT DISTINCT FROM x.id)
	  FROM (SELECT user_id AS id FROM oauth_tokens UNION SELECT user_id FROM oauth_authorizations) x
	  LEFT JOIN users u ON u.id = x.id ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(out, " ")
}

func refused(t *testing.T, err error, summary string) {
	t.Helper()
	var r *applier.RefusedError
	if !errors.As(err, &r) {
		t.Fatalf("err = %v, want a RefusedError %q", err, summary)
	}
	if !strings.Contains(r.Summary, summary) || r.Detail == "" {
		t.Errorf("refused with %q (%s), want %q and a detail", r.Summary, r.Detail, summary)
	}
}

// TestSignOut deletes the OAuth tokens and authorizations of one local
// account, as the server's sign_out does, and nothing of anyone else's.
func TestSignOut(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			alice := insert(t, conn, seed{nick: "alice"})
			bob := insert(t, conn, seed{nick: "bob"})
			insert(t, conn, seed{nick: "carol@remote.example", remote: true})
			insert(t, conn, seed{nick: "dan"})
			app := oauthApp(t, conn)
			session(t, conn, app, &alice, 3, 1)
			session(t, conn, app, &bob, 1, 2)
			session(t, conn, app, nil, 1, 0)
			if got, want := sessions(t, conn), "-:1/0 alice:3/1 bob:1/2"; got != want {
				t.Fatalf("sessions before = %s, want %s", got, want)
			}
			usersBefore := userRow(t, conn, alice)

			p, err := applier.PlanSignOut(ctx, conn, "ALICE") // citext: any case
			if err != nil {
				t.Fatal(err)
			}
			if p.Account.Nickname != "alice" || p.Tokens != 3 || p.Authorizations != 1 || p.Empty() {
				t.Fatalf("plan = %+v, want alice with 3 tokens and 1 authorization", p)
			}
			// A token made after the plan is signed out too.
			session(t, conn, app, &alice, 1, 0)
			res, err := applier.SignOut(ctx, conn, p, applier.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res != (applier.SignOutResult{Tokens: 4, Authorizations: 1}) {
				t.Errorf("result = %+v, want 4 tokens and 1 authorization", res)
			}
			if got, want := sessions(t, conn), "-:1/0 bob:1/2"; got != want {
				t.Errorf("sessions after = %s, want %s", got, want)
			}
			if a := userRow(t, conn, alice); fmt.Sprint(a) != fmt.Sprint(usersBefore) {
				t.Errorf("alice's row changed:\n%v\n%v", usersBefore, a)
			}
			var apps int
			row(t, conn, `SELECT count(*) FROM apps`, nil, &apps)
			if apps != 1 {
				t.Errorf("%d apps, want the app kept", apps)
			}

			// Nothing left: an empty plan.
			if p, err = applier.PlanSignOut(ctx, conn, "alice"); err != nil || !p.Empty() {
				t.Errorf("plan after = %+v, %v; want empty", p, err)
			}
			if p, err = applier.PlanSignOut(ctx, conn, "dan"); err != nil || !p.Empty() {
				t.Errorf("dan's plan = %+v, %v; want empty", p, err)
			}

			before := snapshot(t, conn)
			_, err = applier.PlanSignOut(ctx, conn, "carol@remote.example")
			refused(t, err, `"carol@remote.example" is not a local account`)
			_, err = applier.PlanSignOut(ctx, conn, "nobody")
			refused(t, err, `No local account "nobody"`)
			sameSnapshot(t, before, snapshot(t, conn))
		})
	}
}

// TestSignOutStale: an account deleted after the plan is not signed out,
// and a schema newer than roster knows is refused unless allowed.
func TestSignOutStaleAndUnknownVersion(t *testing.T) {
	ctx := t.Context()
	url := pgtest.New(t, pgtest.Akkoma)
	conn := pgtest.Connect(t, url)
	alice := insert(t, conn, seed{nick: "alice"})
	bob := insert(t, conn, seed{nick: "bob"})
	app := oauthApp(t, conn)
	session(t, conn, app, &alice, 1, 1)
	session(t, conn, app, &bob, 1, 1)

	p, err := applier.PlanSignOut(ctx, conn, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `DELETE FROM users WHERE id = $1`, bob); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, conn)
	_, err = applier.SignOut(ctx, conn, p, applier.Options{})
	var stale *applier.StaleError
	if !errors.As(err, &stale) || len(stale.Moved) != 1 || stale.Moved[0] != "user.bob: the account no longer exists" {
		t.Fatalf("err = %v, want a StaleError for user.bob", err)
	}
	sameSnapshot(t, before, snapshot(t, conn))

	pgtest.Exec(t, url, `INSERT INTO schema_migrations (version) VALUES ($1)`, server.NewestAkkoma+1)
	if p, err = applier.PlanSignOut(ctx, conn, "alice"); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, conn)
	_, err = applier.SignOut(ctx, conn, p, applier.Options{})
	var unknown *applier.UnknownVersionError
	if !errors.As(err, &unknown) {
		t.Fatalf("err = %v, want an UnknownVersionError", err)
	}
	sameSnapshot(t, before, snapshot(t, conn))
	if _, err := applier.SignOut(ctx, conn, p, applier.Options{AllowUnknownVersion: true}); err != nil {
		t.Fatal(err)
	}
	if got := sessions(t, conn); got != "" {
		t.Errorf("sessions = %q, want none", got)
	}
}

// TestActionLockTimeout: an action waits at most the lock timeout for
// roster's lock, names the session holding it and writes nothing.
func TestActionLockTimeout(t *testing.T) {
	ctx := t.Context()
	url := pgtest.New(t, pgtest.Pleroma)
	conn := pgtest.Connect(t, url)
	alice := insert(t, conn, seed{nick: "alice"})
	session(t, conn, oauthApp(t, conn), &alice, 2, 0)
	p, err := applier.PlanSignOut(ctx, conn, "alice")
	if err != nil {
		t.Fatal(err)
	}
	holder := pgtest.Connect(t, url)
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock($1)`, applier.LockKey); err != nil {
		t.Fatal(err)
	}
	_, err = applier.SignOut(ctx, conn, p, applier.Options{LockTimeout: 200 * time.Millisecond})
	var lock *applier.LockError
	if !errors.As(err, &lock) || len(lock.Holders) != 1 {
		t.Fatalf("err = %v, want a LockError naming one holder", err)
	}
	if got := sessions(t, conn); got != "alice:2/0" {
		t.Errorf("sessions = %q, want alice's kept", got)
	}
}

var resetToken = regexp.MustCompile(`^[A-Za-z0-9_-]{43}=$`)

// TestResetPassword inserts the token row as the server's
// PasswordResetToken.create_token does, and nothing else.
func TestResetPassword(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			alice := insert(t, conn, seed{nick: "alice", hash: "$pbkdf2-sha512$1$c2FsdA$aGFzaA"})
			insert(t, conn, seed{nick: "carol@remote.example", remote: true})
			session(t, conn, oauthApp(t, conn), &alice, 1, 1)
			userBefore := userRow(t, conn, alice)

			p, err := applier.PlanResetPassword(ctx, conn, "Alice")
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now().UTC().Truncate(time.Second)
			res, err := applier.ResetPassword(ctx, conn, p, applier.Options{})
			end := time.Now().UTC()
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Token) != 44 || !resetToken.MatchString(res.Token) {
				t.Errorf("token %q is not 44 characters of padded url-safe base64", res.Token)
			}
			if raw, err := base64.URLEncoding.DecodeString(res.Token); err != nil || len(raw) != 32 {
				t.Errorf("token decodes to %d bytes (%v), want 32", len(raw), err)
			}
			var token, user string
			var used bool
			var inserted, updated time.Time
			var n int
			row(t, conn, `SELECT count(*) OVER (), token, user_id::text, used, inserted_at, updated_at FROM password_reset_tokens`, nil,
				&n, &token, &user, &used, &inserted, &updated)
			if n != 1 || token != res.Token || user != alice || used {
				t.Errorf("row = %d rows, token %q, user %s, used %v; want one row of alice's new unused token", n, token, user, used)
			}
			if inserted != updated || inserted.Before(start) || inserted.After(end) || inserted.Nanosecond() != 0 || !inserted.Equal(res.InsertedAt) {
				t.Errorf("inserted_at, updated_at = %s, %s; want equal whole UTC seconds of the reset (%s)", inserted, updated, res.InsertedAt)
			}
			// The password, password_reset_pending and the sessions stay.
			if a := userRow(t, conn, alice); fmt.Sprint(a) != fmt.Sprint(userBefore) {
				t.Errorf("alice's row changed:\n%v\n%v", userBefore, a)
			}
			if got := sessions(t, conn); got != "alice:1/1" {
				t.Errorf("sessions = %s, want alice's kept", got)
			}
			if path := server.PasswordResetPath(res.Token); path != "/api/v1/pleroma/password_reset/"+strings.TrimSuffix(res.Token, "=")+"%3D" {
				t.Errorf("path = %s, want the token with its padding percent-encoded", path)
			}

			// Every reset makes a new token; the old one stays valid, as with the server.
			again, err := applier.ResetPassword(ctx, conn, p, applier.Options{})
			if err != nil || again.Token == res.Token {
				t.Errorf("second token = %q (%v), want a new one", again.Token, err)
			}
			row(t, conn, `SELECT count(*) FROM password_reset_tokens WHERE user_id = $1 AND NOT used`, []any{alice}, &n)
			if n != 2 {
				t.Errorf("%d tokens, want 2", n)
			}

			_, err = applier.PlanResetPassword(ctx, conn, "carol@remote.example")
			refused(t, err, "is not a local account")
		})
	}
}

// TestResetPasswordFailureKeepsTheTokenSecret: a failed insert writes
// nothing and its error does not show the token.
func TestResetPasswordFailureKeepsTheTokenSecret(t *testing.T) {
	ctx := t.Context()
	url := pgtest.New(t, pgtest.Pleroma)
	conn := pgtest.Connect(t, url)
	insert(t, conn, seed{nick: "alice"})
	p, err := applier.PlanResetPassword(ctx, conn, "alice")
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, url, `ALTER TABLE password_reset_tokens ADD CONSTRAINT no_tokens CHECK (length(token) < 10)`)
	before := snapshot(t, conn)
	res, err := applier.ResetPassword(ctx, conn, p, applier.Options{})
	var stmt *applier.StatementError
	if !errors.As(err, &stmt) || stmt.Address != "user.alice" || stmt.Statement != "INSERT INTO password_reset_tokens" {
		t.Fatalf("err = %v, want a StatementError at the insert", err)
	}
	if res.Token != "" {
		t.Errorf("a failed reset returned its token")
	}
	if msg := fmt.Sprintf("%v %+v", err, stmt.Err); resetToken.FindString(msg) != "" || strings.Contains(msg, "Failing row") {
		t.Errorf("the error may show the token: %s", msg)
	}
	sameSnapshot(t, before, snapshot(t, conn))
}

// follow inserts a Follow activity from one actor to another with a state
// and returns its id.
func followActivity(t *testing.T, conn *pgx.Conn, actor, object, state string) string {
	t.Helper()
	id := seedGen.Next(time.Now()).UUID()
	data := fmt.Sprintf(`{"id": "%s/activities/%s", "type": "Follow", "actor": %q, "object": %q, "to": [%q],
	  "cc": ["https://www.w3.org/ns/activitystreams#Public"], "state": %q}`, baseURL, id, actor, object, object, state)
	if _, err := conn.Exec(t.Context(), `INSERT INTO activities (id, data, local, actor, recipients, inserted_at, updated_at)
	  VALUES ($1, $2, true, $3, ARRAY[$4], '2025-01-02 03:04:05', '2025-01-02 03:04:05')`, id, data, actor, object); err != nil {
		t.Fatal(err)
	}
	return id
}

func relationship(t *testing.T, conn *pgx.Conn, follower, following string, state int) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), `INSERT INTO following_relationships (follower_id, following_id, state, inserted_at, updated_at)
	  VALUES ($1, $2, $3, now(), now())`, follower, following, state); err != nil {
		t.Fatal(err)
	}
}

func notify(t *testing.T, conn *pgx.Conn, user, activity string) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), `INSERT INTO notifications (user_id, activity_id, type, inserted_at, updated_at)
	  VALUES ($1, $2, 'follow_request', now(), now())`, user, activity); err != nil {
		t.Fatal(err)
	}
}

// followStates lists every Follow activity as "id:state", in id order,
// with its updated_at, to show which ones a repair touched.
func followStates(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT id::text, coalesce(data->>'state', 'null') || ' ' || updated_at::text ||
	    ' ' || (data - 'state')::text FROM activities WHERE data->>'type' = 'Follow'`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for rows.Next() {
		var id, v string
		if err := rows.Scan(&id, &v); err != nil {
			t.Fatal(err)
		}
		out[id] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFixFollowState repairs a follow whose latest Follow says "accept"
// although no accepted relationship exists, as the side effects of the
// server's Reject: every pending or accepted Follow from the local to the
// remote account set to "reject", the pending relationship deleted and the
// follower's count recomputed, the latest Follow's notifications deleted;
// no Reject activity and no job.
func TestFixFollowState(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			alice := insert(t, conn, seed{nick: "alice"})
			bob := insert(t, conn, seed{nick: "bob"})
			erin := insert(t, conn, seed{nick: "erin"})
			carol := insert(t, conn, seed{nick: "carol@remote.example", remote: true})
			insert(t, conn, seed{nick: "dora@other.example", remote: true})
			aliceAP, bobAP := baseURL+"/users/alice", baseURL+"/users/bob"
			carolAP, doraAP := "https://remote.example/users/carol", "https://other.example/users/dora"

			old := followActivity(t, conn, aliceAP, carolAP, "reject")      // stays: neither pending nor accept
			pending := followActivity(t, conn, aliceAP, carolAP, "pending") // rejected
			other := followActivity(t, conn, aliceAP, doraAP, "accept")     // stays: another account
			bobs := followActivity(t, conn, bobAP, carolAP, "accept")       // stays: another follower
			latest := followActivity(t, conn, aliceAP, carolAP, "accept")   // rejected: the broken one
			relationship(t, conn, alice, carol, 1)
			relationship(t, conn, bob, carol, 2)
			relationship(t, conn, alice, erin, 2)
			recount(t, conn)
			// A stale count the server's recount corrects; carol's is the
			// remote server's, not recomputed.
			if _, err := conn.Exec(ctx, `UPDATE users SET following_count = 7 WHERE id = $1;`, alice); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, `UPDATE users SET follower_count = 40 WHERE id = $1`, carol); err != nil {
				t.Fatal(err)
			}
			notify(t, conn, alice, latest)
			notify(t, conn, erin, latest)
			notify(t, conn, bob, bobs)
			states := followStates(t, conn)
			carolBefore, bobBefore := userRow(t, conn, carol), userRow(t, conn, bob)

			p, err := applier.PlanFixFollowState(ctx, conn, "alice", "CAROL@remote.example")
			if err != nil {
				t.Fatal(err)
			}
			if p.Local.ID != alice || p.Remote.ID != carol || p.FollowID != latest || p.Activities != 2 || p.Relationship != 1 || p.Notifications != 2 {
				t.Fatalf("plan = %+v", p)
			}
			if !strings.HasPrefix(p.FollowAPID, baseURL+"/activities/") {
				t.Errorf("follow ap id = %q", p.FollowAPID)
			}
			start := time.Now().UTC().Truncate(time.Second)
			res, err := applier.FixFollowState(ctx, conn, p, applier.Options{})
			end := time.Now().UTC()
			if err != nil {
				t.Fatal(err)
			}
			if res != (applier.FollowFixResult{Activities: 2, Relationship: true, Notifications: 2}) {
				t.Errorf("result = %+v", res)
			}

			after := followStates(t, conn)
			for id, want := range states {
				if id == pending || id == latest {
					want = "reject" + strings.TrimPrefix(strings.TrimPrefix(want, "pending"), "accept")
				}
				if after[id] != want {
					t.Errorf("follow %s = %q, want %q", id, after[id], want)
				}
			}
			for _, id := range []string{old, other, bobs} {
				if after[id] != states[id] {
					t.Errorf("follow %s changed", id)
				}
			}
			if len(after) != len(states) {
				t.Errorf("%d Follow activities, want %d: no Reject or other activity is written", len(after), len(states))
			}
			var activities, jobs int
			row(t, conn, `SELECT (SELECT count(*) FROM activities), (SELECT count(*) FROM oban_jobs)`, nil, &activities, &jobs)
			if activities != 5 || jobs != 0 {
				t.Errorf("%d activities and %d jobs, want 5 and none", activities, jobs)
			}
			if got, want := follows(t, conn), "alice->erin bob->carol@remote.example"; got != want {
				t.Errorf("follows = %s, want %s", got, want)
			}
			a := userRow(t, conn, alice)
			if a["following_count"] != 1.0 {
				t.Errorf("alice's following_count = %v, want 1", a["following_count"])
			}
			if u, err := time.Parse("2006-01-02T15:04:05", a["updated_at"].(string)); err != nil || u.Before(start) || u.After(end) {
				t.Errorf("alice's updated_at = %v, want the repair's time", a["updated_at"])
			}
			if c := userRow(t, conn, carol); fmt.Sprint(c) != fmt.Sprint(carolBefore) {
				t.Errorf("carol's row changed:\n%v\n%v", carolBefore, c)
			}
			if b := userRow(t, conn, bob); fmt.Sprint(b) != fmt.Sprint(bobBefore) {
				t.Errorf("bob's row changed")
			}
			var left []string
			rows, err := conn.Query(ctx, `SELECT activity_id::text FROM notifications`)
			if err == nil {
				left, err = pgx.CollectRows(rows, pgx.RowTo[string])
			}
			if err != nil || len(left) != 1 || left[0] != bobs {
				t.Errorf("notifications left = %v (%v), want only bob's", left, err)
			}

			// Repaired, the state is no longer broken.
			_, err = applier.PlanFixFollowState(ctx, conn, "alice", "carol@remote.example")
			refused(t, err, "The follow state is not broken")
		})
	}
}

// TestFixFollowStateNoRelationship: with no relationship row at all, the
// server's unfollow deletes nothing and recomputes no count.
func TestFixFollowStateNoRelationship(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	alice := insert(t, conn, seed{nick: "alice"})
	insert(t, conn, seed{nick: "carol@remote.example", remote: true})
	latest := followActivity(t, conn, baseURL+"/users/alice", "https://remote.example/users/carol", "accept")
	if _, err := conn.Exec(ctx, `UPDATE users SET following_count = 3 WHERE id = $1`, alice); err != nil {
		t.Fatal(err)
	}
	before := userRow(t, conn, alice)
	p, err := applier.PlanFixFollowState(ctx, conn, "alice", "carol@remote.example")
	if err != nil {
		t.Fatal(err)
	}
	if p.Relationship != 0 || p.Activities != 1 || p.Notifications != 0 {
		t.Fatalf("plan = %+v", p)
	}
	res, err := applier.FixFollowState(ctx, conn, p, applier.Options{})
	if err != nil || res != (applier.FollowFixResult{Activities: 1}) {
		t.Fatalf("result = %+v, %v", res, err)
	}
	if got := followStates(t, conn)[latest]; !strings.HasPrefix(got, "reject ") {
		t.Errorf("latest follow = %q, want rejected", got)
	}
	if a := userRow(t, conn, alice); fmt.Sprint(a) != fmt.Sprint(before) {
		t.Errorf("alice's row changed although no relationship was deleted")
	}
}

// TestFixFollowStateRefusals: every case the command does not repair is
// refused with its reason, writing nothing.
func TestFixFollowStateRefusals(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			alice := insert(t, conn, seed{nick: "alice"})
			insert(t, conn, seed{nick: "erin"})
			carol := insert(t, conn, seed{nick: "carol@remote.example", remote: true})
			insert(t, conn, seed{nick: "dora@other.example", remote: true})
			insert(t, conn, seed{nick: "gus@gone.example", remote: true, inactive: true})
			insert(t, conn, seed{nick: "hal@quiet.example", remote: true})
			aliceAP := baseURL + "/users/alice"
			followActivity(t, conn, aliceAP, "https://remote.example/users/carol", "accept")
			relationship(t, conn, alice, carol, 2)
			followActivity(t, conn, aliceAP, "https://other.example/users/dora", "accept")
			followActivity(t, conn, aliceAP, "https://other.example/users/dora", "pending") // latest: pending
			followActivity(t, conn, aliceAP, "https://gone.example/users/gus", "accept")
			followActivity(t, conn, aliceAP, baseURL+"/users/erin", "accept")
			before := snapshot(t, conn)
			for _, tc := range []struct{ local, remote, summary string }{
				{"alice", "carol@remote.example", "The follow state is not broken"}, // accepted relationship
				{"alice", "dora@other.example", "The follow state is not broken"},   // latest is pending
				{"alice", "hal@quiet.example", "No follow to fix"},
				{"alice", "gus@gone.example", `"gus@gone.example" is deactivated`},
				{"alice", "erin", `"erin" is a local account`},
				{"carol@remote.example", "dora@other.example", `"carol@remote.example" is not a local account`},
				{"nobody", "carol@remote.example", `No local account "nobody"`},
				{"alice", "nobody@nowhere.example", `No remote account "nobody@nowhere.example"`},
			} {
				_, err := applier.PlanFixFollowState(ctx, conn, tc.local, tc.remote)
				refused(t, err, tc.summary)
			}
			sameSnapshot(t, before, snapshot(t, conn))
		})
	}
}

// TestFixFollowStateStale: a Follow sent after the plan makes it stale.
func TestFixFollowStateStale(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Akkoma))
	insert(t, conn, seed{nick: "alice"})
	insert(t, conn, seed{nick: "carol@remote.example", remote: true})
	followActivity(t, conn, baseURL+"/users/alice", "https://remote.example/users/carol", "accept")
	p, err := applier.PlanFixFollowState(ctx, conn, "alice", "carol@remote.example")
	if err != nil {
		t.Fatal(err)
	}
	followActivity(t, conn, baseURL+"/users/alice", "https://remote.example/users/carol", "pending")
	before := snapshot(t, conn)
	_, err = applier.FixFollowState(ctx, conn, p, applier.Options{})
	var stale *applier.StaleError
	if !errors.As(err, &stale) || len(stale.Moved) != 1 || !strings.Contains(stale.Moved[0], "the follow state is not broken") {
		t.Fatalf("err = %v, want a StaleError saying the state is no longer broken", err)
	}
	sameSnapshot(t, before, snapshot(t, conn))
}

// TestPlanDeleteActivities counts the posts, likes and repeats the server's
// delete_activities would delete or undo, and writes nothing: roster does
// not carry the command out (docs/delete-activities.md).
func TestPlanDeleteActivities(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			insert(t, conn, seed{nick: "alice"})
			insert(t, conn, seed{nick: "bob"})
			insert(t, conn, seed{nick: "carol@remote.example", remote: true})
			add := func(actor, typ string, n int) {
				for range n {
					id := seedGen.Next(time.Now()).UUID()
					if _, err := conn.Exec(ctx, `INSERT INTO activities (id, data, local, actor, recipients, inserted_at, updated_at)
					  VALUES ($1, jsonb_build_object('id', $2::text, 'type', $3::text, 'actor', $4::text,
					    'to', jsonb_build_array('https://www.w3.org/ns/activitystreams#Public')), true, $4,
					    ARRAY['https://www.w3.org/ns/activitystreams#Public'], now(), now())`,
						id, baseURL+"/activities/"+id, typ, actor); err != nil {
						t.Fatal(err)
					}
				}
			}
			add(baseURL+"/users/alice", "Create", 3)
			add(baseURL+"/users/alice", "Like", 2)
			add(baseURL+"/users/alice", "Announce", 4)
			add(baseURL+"/users/alice", "Follow", 1)
			add(baseURL+"/users/alice", "EmojiReact", 1)
			add(baseURL+"/users/bob", "Create", 5)
			before := snapshot(t, conn)
			p, err := applier.PlanDeleteActivities(ctx, conn, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if p.Account.Nickname != "alice" || p.Posts != 3 || p.Likes != 2 || p.Repeats != 4 || p.Other != 2 {
				t.Errorf("plan = %+v, want 3 posts, 2 likes, 4 repeats and 2 others", p)
			}
			_, err = applier.PlanDeleteActivities(ctx, conn, "carol@remote.example")
			refused(t, err, "is not a local account")
			sameSnapshot(t, before, snapshot(t, conn))
		})
	}
}
