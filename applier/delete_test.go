package applier_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/server/flake"
	"github.com/roster-project/roster/plans"
)

// profile fills the columns of an account that the purge clears, so that
// the test can tell each one was written.
func profile(t *testing.T, conn *pgx.Conn, id string, akkoma bool) {
	t.Helper()
	sql := `UPDATE users SET name = 'Bob', bio = 'hi<br>there', raw_bio = 'hi
there', avatar = '{"type": "Image"}', last_refreshed_at = now(), last_digest_emailed_at = now(),
	  banner = '{"type": "Image"}', background = '{"type": "Image"}', note_count = 7, is_locked = true,
	  password_reset_pending = true, registration_reason = 'because', confirmation_token = 'ct',
	  domain_blocks = '{spam.example}', mascot = '{"id": "m"}', emoji = '{"blob": "x"}',
	  pleroma_settings_store = '{"fe": {}}', fields = '[{"name": "a", "value": "b"}]',
	  raw_fields = '[{"name": "a", "value": "b"}]', is_discoverable = true,
	  also_known_as = '{https://old.example/users/bob}', is_confirmed = true, is_approved = true,
	  featured_address = ap_id || '/collections/featured'`
	if akkoma {
		sql += `, mastofe_settings = '{"x": 1}'`
	}
	if _, err := conn.Exec(t.Context(), sql+` WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
}

// userRow reads an account as JSON, column by column.
func userRow(t *testing.T, conn *pgx.Conn, id string) map[string]any {
	t.Helper()
	var raw []byte
	row(t, conn, `SELECT to_jsonb(u) FROM users u WHERE id = $1`, []any{id}, &raw)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// purged is every column the server's purge writes, with its value
// (server-semantics §2.7), as to_jsonb renders it.
func purged(akkoma bool) map[string]any {
	m := map[string]any{
		"bio": "", "raw_bio": nil, "email": nil, "name": nil, "password_hash": nil,
		"avatar": map[string]any{}, "tags": []any{}, "last_refreshed_at": nil, "last_digest_emailed_at": nil,
		"banner": map[string]any{}, "background": map[string]any{}, "note_count": 0.0, "follower_count": 0.0,
		"following_count": 0.0, "is_locked": false, "password_reset_pending": false, "registration_reason": nil,
		"confirmation_token": nil, "domain_blocks": []any{}, "is_active": false, "is_moderator": false,
		"is_admin": false, "mascot": nil, "emoji": map[string]any{}, "pleroma_settings_store": map[string]any{},
		"fields": []any{}, "raw_fields": []any{}, "is_discoverable": false, "also_known_as": []any{},
	}
	if akkoma {
		m["mastofe_settings"] = nil
	}
	return m
}

// kept are the columns the purge leaves alone.
var kept = []string{"id", "nickname", "ap_id", "local", "is_confirmed", "is_approved", "follower_address",
	"following_address", "featured_address", "inserted_at", "actor_type", "invisible", "keys", "multi_factor_authentication_settings"}

type job struct {
	State, Queue, Worker  string
	Args                  map[string]any
	MaxAttempts, Priority int
	Attempt               int
	Errors, Tags          []string
	Meta                  map[string]any
	Scheduled             bool
}

func jobs(t *testing.T, conn *pgx.Conn) []job {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT state::text, queue, worker, args, max_attempts, priority, attempt,
	  errors::text[], tags, meta, scheduled_at <= timezone('UTC', now()) AND inserted_at <= timezone('UTC', now())
	  FROM oban_jobs ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []job
	for rows.Next() {
		var j job
		if err := rows.Scan(&j.State, &j.Queue, &j.Worker, &j.Args, &j.MaxAttempts, &j.Priority, &j.Attempt,
			&j.Errors, &j.Tags, &j.Meta, &j.Scheduled); err != nil {
			t.Fatal(err)
		}
		out = append(out, j)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

type activity struct {
	ID                string
	Data              map[string]any
	Local             bool
	Actor             string
	Recipients        []string
	Inserted, Updated time.Time
}

func activities(t *testing.T, conn *pgx.Conn) []activity {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT id::text, data, local, actor, recipients, inserted_at, updated_at
	  FROM activities WHERE data->>'type' = 'Delete' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []activity
	for rows.Next() {
		var a activity
		if err := rows.Scan(&a.ID, &a.Data, &a.Local, &a.Actor, &a.Recipients, &a.Inserted, &a.Updated); err != nil {
			t.Fatal(err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

var activityURL = regexp.MustCompile(`^` + regexp.QuoteMeta(baseURL) + `/activities/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// checkDelete compares the Delete activity, the purged row and the jobs of
// one deletion with server-semantics §5. wantJobs are the expected jobs'
// queue, worker, max_attempts and priority; the args are checked here.
func checkDelete(t *testing.T, conn *pgx.Conn, f server.Flavor, id string, before map[string]any, start, end time.Time, wantJobs []job) {
	t.Helper()
	acts := activities(t, conn)
	if len(acts) != 1 {
		t.Fatalf("%d Delete activities, want 1", len(acts))
	}
	a := acts[0]
	ap := before["ap_id"].(string)
	followers := before["follower_address"].(string)
	aid, err := flake.ParseUUID(a.ID)
	if err != nil {
		t.Fatalf("activity id %s: %v", a.ID, err)
	}
	if at := flakeTime(aid); at.Before(start.Add(-time.Second)) || at.After(end.Add(time.Second)) {
		t.Errorf("activity id %s is a FlakeId of %s, not of the apply (%s..%s)", a.ID, at, start, end)
	}
	if s, _ := a.Data["id"].(string); !activityURL.MatchString(s) {
		t.Errorf("data.id = %q, want %s/activities/<uuid v4>", s, baseURL)
	}
	wantData := map[string]any{"id": a.Data["id"], "type": "Delete", "actor": ap, "object": ap,
		"to": []any{followers}, "cc": []any{}, "bto": []any{}, "bcc": []any{}}
	if !reflect.DeepEqual(a.Data, wantData) {
		t.Errorf("data = %v,\nwant %v", a.Data, wantData)
	}
	if !a.Local || a.Actor != ap || !reflect.DeepEqual(a.Recipients, []string{followers}) {
		t.Errorf("local, actor, recipients = %v, %q, %q; want true, %q, [%q]", a.Local, a.Actor, a.Recipients, ap, followers)
	}
	if a.Inserted != a.Updated || a.Inserted.Before(start) || a.Inserted.After(end) || a.Inserted.Nanosecond() != 0 {
		t.Errorf("inserted_at, updated_at = %s, %s; want equal whole seconds of the apply", a.Inserted, a.Updated)
	}

	after := userRow(t, conn, id)
	for col, want := range purged(f == server.Akkoma) {
		if got, ok := after[col]; !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("purged %s = %#v, want %#v", col, got, want)
		}
	}
	for _, col := range kept {
		if !reflect.DeepEqual(after[col], before[col]) {
			t.Errorf("%s = %#v, want it kept as %#v", col, after[col], before[col])
		}
	}
	if f == server.Pleroma && !reflect.DeepEqual(after["accepts_chat_messages"], before["accepts_chat_messages"]) {
		t.Errorf("accepts_chat_messages changed; the purge does not write it")
	}
	updated, err := time.Parse("2006-01-02T15:04:05", after["updated_at"].(string))
	if err != nil || updated.Before(start) || updated.After(end) {
		t.Errorf("updated_at = %v, want the apply's time", after["updated_at"])
	}

	got := jobs(t, conn)
	if len(got) != len(wantJobs) {
		t.Fatalf("jobs = %+v, want %d", got, len(wantJobs))
	}
	uid, _ := flake.ParseUUID(id)
	for i, w := range wantJobs {
		w.State, w.Errors, w.Tags, w.Meta, w.Scheduled = "available", []string{}, []string{}, map[string]any{}, true
		switch w.Worker {
		case "Pleroma.Workers.PublisherWorker":
			w.Args = map[string]any{"op": "publish", "activity_id": aid.String()}
			if f == server.Akkoma {
				w.Args["object_data"] = nil
			}
		default:
			w.Args = map[string]any{"op": "delete_user", "user_id": uid.String()}
		}
		if !reflect.DeepEqual(got[i], w) {
			t.Errorf("job %d = %+v,\nwant %+v", i, got[i], w)
		}
	}
}

func deleteJob(f server.Flavor, version int64) job {
	switch {
	case f == server.Akkoma:
		return job{Queue: "background", Worker: "Pleroma.Workers.BackgroundWorker", MaxAttempts: 1}
	case version <= server.Pleroma270:
		return job{Queue: "slow", Worker: "Pleroma.Workers.DeleteWorker", MaxAttempts: 1}
	}
	return job{Queue: "slow", Worker: "Pleroma.Workers.DeleteWorker", MaxAttempts: 20}
}

func publishJob(f server.Flavor) job {
	if f == server.Akkoma {
		return job{Queue: "federator_outgoing", Worker: "Pleroma.Workers.PublisherWorker", MaxAttempts: 6, Priority: 3}
	}
	return job{Queue: "federator_outgoing", Worker: "Pleroma.Workers.PublisherWorker", MaxAttempts: 5, Priority: 3}
}

func flavorOf(fx pgtest.Fixture) server.Flavor {
	if fx.Name == pgtest.Akkoma.Name {
		return server.Akkoma
	}
	return server.Pleroma
}

// report adds a notification of the given type for the account.
func report(t *testing.T, conn *pgx.Conn, user, typ string) {
	t.Helper()
	id := seedGen.Next(time.Now()).UUID()
	_, err := conn.Exec(t.Context(), `INSERT INTO activities (id, data, local, actor, inserted_at, updated_at)
	  VALUES ($1, '{"type": "Flag"}', true, 'https://social.example.org/users/x', now(), now())`, id)
	if err == nil {
		_, err = conn.Exec(t.Context(), `INSERT INTO notifications (user_id, activity_id, type, inserted_at, updated_at)
		  VALUES ($1, $2, $3, now(), now())`, user, id, typ)
	}
	if err != nil {
		t.Fatal(err)
	}
}

func notifications(t *testing.T, conn *pgx.Conn, user string) string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT type::text FROM notifications WHERE user_id = $1 ORDER BY 1`, user)
	if err != nil {
		t.Fatal(err)
	}
	types, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(types, " ")
}

// TestDeleteAsTheServerRm checks every row of state = "absent" against §5
// on both flavors: the Delete activity, the purge of each column, the delete
// and publish jobs, and Akkoma's removal of a moderator's report
// notifications.
func TestDeleteAsTheServerRm(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			f := flavorOf(fx)
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			bob := insert(t, conn, seed{nick: "bob", email: "bob@example.org", mod: true, hash: "$pbkdf2-sha512$1$c2FsdA$aGFzaA", tags: []string{"verified"}})
			alice := insert(t, conn, seed{nick: "alice"})
			follow(t, conn, alice, bob)
			follow(t, conn, bob, alice)
			recount(t, conn)
			profile(t, conn, bob, f == server.Akkoma)
			report(t, conn, bob, "pleroma:report")
			report(t, conn, bob, "mention")
			before := userRow(t, conn, bob)
			aliceBefore := userRow(t, conn, alice)
			cfg := config(t, `
server { url = "https://social.example.org" }
user "bob" { state = "absent" }
user "alice" {}
`)
			p := makePlan(t, conn, cfg)
			if add, change, destroy := p.Counts(); add != 0 || change != 0 || destroy != 1 {
				t.Fatalf("counts = %d/%d/%d, want 0/0/1", add, change, destroy)
			}
			start := time.Now().UTC().Truncate(time.Second)
			res, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			end := time.Now().UTC()
			if err != nil {
				t.Fatal(err)
			}
			if res.Destroyed != 1 || res.Added != 0 || res.Changed != 0 || res.InviteURLs != nil {
				t.Errorf("result = %+v, want 1 destroyed", res)
			}
			var version int64
			row(t, conn, `SELECT max(version) FROM schema_migrations`, nil, &version)
			checkDelete(t, conn, f, bob, before, start, end, []job{deleteJob(f, version), publishJob(f)})

			// The follows are the delete job's to remove; alice's row is untouched.
			if got, want := follows(t, conn), "alice->bob bob->alice"; got != want {
				t.Errorf("follows = %s, want %s", got, want)
			}
			if a := userRow(t, conn, alice); !reflect.DeepEqual(a, aliceBefore) {
				t.Errorf("alice changed:\n%v\n%v", aliceBefore, a)
			}
			want := "mention pleroma:report"
			if f == server.Akkoma {
				want = "mention"
			}
			if got := notifications(t, conn, bob); got != want {
				t.Errorf("bob's notifications = %q, want %q", got, want)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Errorf("planning again after the deletion is not empty: %+v", again.Changes)
			}
		})
	}
}

// TestDeletePleroma270AndNotFederating: on the Pleroma 2.7.0 release the delete job has max_attempts 1, and with
// federating = false no publish job is enqueued (both flavors).
func TestDeletePleroma270AndNotFederating(t *testing.T) {
	cases := []struct {
		fx      pgtest.Fixture
		release bool
	}{{pgtest.Pleroma, true}, {pgtest.Pleroma, false}, {pgtest.Akkoma, false}}
	for _, tc := range cases {
		t.Run(fmt.Sprintf("%s/release=%v", tc.fx.Name, tc.release), func(t *testing.T) {
			t.Parallel()
			f := flavorOf(tc.fx)
			url := pgtest.New(t, tc.fx)
			if tc.release {
				pgtest.Exec(t, url, `DELETE FROM schema_migrations WHERE version > $1`, server.Pleroma270)
			}
			conn := pgtest.Connect(t, url)
			bob := insert(t, conn, seed{nick: "bob", email: "bob@example.org", admin: true})
			report(t, conn, bob, "pleroma:report")
			before := userRow(t, conn, bob)
			var version int64
			row(t, conn, `SELECT max(version) FROM schema_migrations`, nil, &version)
			if tc.release && version != server.Pleroma270 {
				t.Fatalf("schema version %d, want the 2.7.0 release", version)
			}
			cfg := config(t, `server {
  url        = "https://social.example.org"
  federating = false
}

user "bob" {
  state = "absent"
}`)
			p := makePlan(t, conn, cfg)
			if len(p.Changes) != 1 || p.Changes[0].Action != plans.Delete || p.Server.Version != version {
				t.Fatalf("plan = %+v, want bob's deletion on schema %d", p, version)
			}
			start := time.Now().UTC().Truncate(time.Second)
			res, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			end := time.Now().UTC()
			if err != nil {
				t.Fatal(err)
			}
			if res.Destroyed != 1 {
				t.Errorf("destroyed = %d, want 1", res.Destroyed)
			}
			checkDelete(t, conn, f, bob, before, start, end, []job{deleteJob(f, version)})
			want := "pleroma:report"
			if f == server.Akkoma {
				want = "" // the admin lost the role in the purge
			}
			if got := notifications(t, conn, bob); got != want {
				t.Errorf("notifications = %q, want %q", got, want)
			}
		})
	}
}

// TestDeleteDeactivatedActivatesFirst: the server's rm refuses a
// deactivated account, so roster does what activate then rm do: the
// activation's follow bookkeeping (§2.12), then the deletion.
func TestDeleteDeactivatedActivatesFirst(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			f := flavorOf(fx)
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			bob := insert(t, conn, seed{nick: "bob", inactive: true})
			gina := insert(t, conn, seed{nick: "gina"})
			fred := insert(t, conn, seed{nick: "fred"})
			rita := insert(t, conn, seed{nick: "rita@remote.example", remote: true})
			follow(t, conn, bob, gina)  // deleted by the activation: active local
			follow(t, conn, bob, rita)  // kept: remote
			follow(t, conn, fred, bob)  // kept; fred's following_count now counts bob
			follow(t, conn, fred, gina) // untouched
			recount(t, conn)
			before := userRow(t, conn, bob)
			cfg := config(t, `
server { url = "https://social.example.org" }
prune {
  users = "delete"
  protect = ["gina", "fred"]
}
`)
			p := makePlan(t, conn, cfg)
			if len(p.Changes) != 1 || p.Changes[0].Action != plans.Delete || !p.Changes[0].Reactivate {
				t.Fatalf("plan = %+v, want bob's deletion with reactivation", p.Changes)
			}
			start := time.Now().UTC().Truncate(time.Second)
			if _, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{})); err != nil {
				t.Fatal(err)
			}
			end := time.Now().UTC()
			checkDelete(t, conn, f, bob, before, start, end, []job{deleteJob(f, p.Server.Version), publishJob(f)})
			if got, want := follows(t, conn), "bob->rita@remote.example fred->bob fred->gina"; got != want {
				t.Errorf("follows = %s, want %s", got, want)
			}
			counts := map[string][2]float64{}
			for nick, id := range map[string]string{"gina": gina, "fred": fred} {
				r := userRow(t, conn, id)
				counts[nick] = [2]float64{r["follower_count"].(float64), r["following_count"].(float64)}
			}
			// fred's following count was recomputed while bob was active; gina
			// lost bob as a follower.
			want := map[string][2]float64{"gina": {1, 0}, "fred": {0, 2}}
			if !reflect.DeepEqual(counts, want) {
				t.Errorf("follower/following counts = %v, want %v", counts, want)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Errorf("planning again after the deletion is not empty: %+v", again.Changes)
			}
		})
	}
}

// TestDeleteFailureWritesNothing injects a failure at the delete job, after
// the activation, the Delete activity and the purge, in a plan that also
// creates an invite and changes an account: every table stays as it was,
// and the error names the statement without the invite's token.
func TestDeleteFailureWritesNothing(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, fx)
			conn := pgtest.Connect(t, url)
			bob := insert(t, conn, seed{nick: "bob", inactive: true, mod: true})
			gina := insert(t, conn, seed{nick: "gina"})
			insert(t, conn, seed{nick: "carol"})
			follow(t, conn, bob, gina)
			report(t, conn, bob, "pleroma:report")
			recount(t, conn)
			cfg := config(t, `
server { url = "https://social.example.org" }
variable "tok" { sensitive = true }
user "bob" { state = "absent" }
user "carol" { admin = true }
user "gina" {}
invite "spring" {
  token   = var.tok
  max_use = 3
}
`, "tok=SECRET-TOKEN-never-print")
			p := makePlan(t, conn, cfg)
			if add, change, destroy := p.Counts(); add != 1 || change != 1 || destroy != 1 {
				t.Fatalf("counts = %d/%d/%d, want 1/1/1", add, change, destroy)
			}
			pgtest.Exec(t, url, `ALTER TABLE oban_jobs ADD CONSTRAINT no_jobs CHECK (queue <> 'slow' AND queue <> 'background')`)
			before := snapshot(t, conn)
			_, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			var stmt *applier.StatementError
			if !errors.As(err, &stmt) || stmt.Address != "user.bob" || stmt.Statement != "INSERT INTO oban_jobs (delete job)" {
				t.Fatalf("err = %v, want a StatementError at user.bob's delete job", err)
			}
			if strings.Contains(err.Error(), "SECRET-TOKEN") || strings.Contains(fmt.Sprintf("%+v", err), "SECRET-TOKEN") {
				t.Errorf("the error shows the invite token: %v", err)
			}
			sameSnapshot(t, before, snapshot(t, conn))
		})
	}
}

// TestDeleteStale: an account that moved after the plan is not deleted.
func TestDeleteStale(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Akkoma))
	insert(t, conn, seed{nick: "bob", email: "bob@example.org"})
	cfg := config(t, `user "bob" { state = "absent" }`)
	p := makePlan(t, conn, cfg)
	if _, err := conn.Exec(t.Context(), `UPDATE users SET email = 'new@example.org', is_admin = true WHERE nickname = 'bob'`); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, conn)
	_, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
	var stale *applier.StaleError
	if !errors.As(err, &stale) {
		t.Fatalf("err = %v, want a StaleError", err)
	}
	moved := append([]string(nil), stale.Moved...)
	sort.Strings(moved)
	if want := []string{`user.bob: admin: not listed in the plan shown, true now`,
		`user.bob: email: "bob@example.org" in the plan shown, "new@example.org" now`}; !reflect.DeepEqual(moved, want) {
		t.Errorf("moved = %q, want %q", moved, want)
	}
	sameSnapshot(t, before, snapshot(t, conn))
}
