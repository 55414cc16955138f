package applier_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/pgtest"
)

// countingQuerier is a real connection that counts the queries made
// through it and the rows they return.
type countingQuerier struct {
	live.Querier
	queries, rows int
}

func (c *countingQuerier) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.queries++
	r, err := c.Querier.Query(ctx, sql, args...)
	return &countingRows{Rows: r, n: &c.rows}, err
}

type countingRows struct {
	pgx.Rows
	n *int
}

func (r *countingRows) Next() bool {
	ok := r.Rows.Next()
	if ok {
		*r.n++
	}
	return ok
}

// addAccounts adds n local accounts user_FROM…, unconfirmed, or n remote
// accounts of domain when it is not "", active.
func addAccounts(t *testing.T, url, domain string, from, n int) {
	t.Helper()
	host, local := "social.example.org", "true"
	if domain != "" {
		host, local = domain, "false"
	}
	pgtest.Exec(t, url, `INSERT INTO users (id, nickname, email, name, bio, ap_id, local, is_confirmed, inserted_at, updated_at)
	  SELECT md5($3 || n)::uuid, CASE WHEN $4 THEN 'user_' || n ELSE 'user_' || n || '@' || $3 END, NULL, 'User ' || n, '',
	    'https://' || $3 || '/users/user_' || n, $4::boolean, NOT $4, now(), now()
	  FROM generate_series($1::int, $1::int + $2::int - 1) n`, from, n, host, local)
}

// bucketOf is the bucket of the account with that nickname.
func bucketOf(t *testing.T, conn *pgx.Conn, nick string) int {
	t.Helper()
	var id string
	var sqlBucket int
	if err := conn.QueryRow(t.Context(), `SELECT u.id::text, `+accountset.BucketSQL+` FROM users u WHERE nickname = $1`, nick).Scan(&id, &sqlBucket); err != nil {
		t.Fatal(err)
	}
	if b := accountset.BucketOf(id); b != sqlBucket {
		t.Fatalf("%s: bucket %d in Go, %d in SQL", id, b, sqlBucket)
	}
	return sqlBucket
}

// TestDifferencesNameMovedAccounts: when local_users would change other
// accounts than the saved plan's, even as many, the stale plan's lines
// name each account that moved, read from the buckets that differ and
// from no other; a plan whose accounts did not move reads nothing.
func TestDifferencesNameMovedAccounts(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, f)
			conn := pgtest.Connect(t, url)
			addAccounts(t, url, "", 0, 600)
			cfg := config(t, "local_users {\n  confirmed = true\n}\n")
			want := makePlan(t, conn, cfg)
			q := &countingQuerier{Querier: conn}
			if d, err := applier.Differences(t.Context(), q, want, makePlan(t, conn, cfg), "the saved plan"); err != nil || d != nil || q.queries != 0 {
				t.Fatalf("the same accounts: %q, %v, %d queries", d, err, q.queries)
			}
			// user_7 is confirmed by hand, user_600 registers: as many
			// accounts to confirm, two of them others.
			pgtest.Exec(t, url, `UPDATE users SET is_confirmed = true WHERE nickname = 'user_7'`)
			addAccounts(t, url, "", 600, 1)
			got := makePlan(t, conn, cfg)
			d, err := applier.Differences(t.Context(), q, want, got, "the saved plan")
			if err != nil {
				t.Fatal(err)
			}
			wantLines := []string{"local_users: the accounts to change are not the ones the saved plan counted",
				"user.user_7: counted in local_users in the saved plan, not now", "user.user_600: counted in local_users now, not in the saved plan"}
			if bucketOf(t, conn, "user_7") == bucketOf(t, conn, "user_600") {
				wantLines = []string{wantLines[0], "user.user_600, user.user_7: one is counted in local_users in the saved plan and the other now"}
			}
			slices.Sort(wantLines[1:])
			slices.Sort(d[1:])
			if strings.Join(d, "\n") != strings.Join(wantLines, "\n") {
				t.Errorf("differences:\n%s\nwant\n%s", strings.Join(d, "\n"), strings.Join(wantLines, "\n"))
			}
			// One query, of the rows of the two buckets: about 601/128.
			inBuckets := 0
			pgtest.Connect(t, url).QueryRow(t.Context(), `SELECT count(*) FROM users u WHERE local AND `+accountset.BucketSQL+` IN (`+
				fmt.Sprint(bucketOf(t, conn, "user_7"))+`, `+fmt.Sprint(bucketOf(t, conn, "user_600"))+`)`).Scan(&inBuckets)
			if q.queries != 1 || q.rows != inBuckets || inBuckets > 601/16 {
				t.Errorf("%d queries read %d rows; want 1 reading the %d accounts of the two buckets", q.queries, q.rows, inBuckets)
			}
		})
	}
}

// TestRemoteInstanceMovedAccountIsNamed: a remote account deactivated by
// hand between plan and apply is named in the stale plan's lines, and
// nothing is written.
func TestRemoteInstanceMovedAccountIsNamed(t *testing.T) {
	url := pgtest.New(t, pgtest.Akkoma)
	conn := pgtest.Connect(t, url)
	addAccounts(t, url, "", 0, 1)
	addAccounts(t, url, "spam.example", 0, 40)
	addAccounts(t, url, "other.example", 0, 40)
	cfg := config(t, "remote_instance \"spam.example\" {\n  active = false\n}\n")
	p := makePlan(t, conn, cfg)
	pgtest.Exec(t, url, `UPDATE users SET is_active = false WHERE nickname = 'user_3@spam.example'`)
	before := snapshot(t, conn)
	_, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
	var stale *applier.StaleError
	want := `remote_instance["spam.example"]: the accounts to change are not the ones the plan shown counted` + "\n" +
		`remote_instance["spam.example"]: active_accounts: 40 → 0 in the plan shown, 39 → 0 now` + "\n" +
		`user_3@spam.example: counted in remote_instance["spam.example"] in the plan shown, not now`
	if !errors.As(err, &stale) || strings.Join(stale.Moved, "\n") != want {
		t.Fatalf("apply = %v, want stale:\n%s", err, want)
	}
	sameSnapshot(t, before, snapshot(t, conn))
	applyConverged(t, conn, cfg)
}
