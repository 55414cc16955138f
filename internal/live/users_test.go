package live_test

import (
	"context"
	"os"
	"reflect"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// manyUsers inserts n local accounts of every shape the users table holds
// (NULL and empty values, tags with commas, quotes, braces, backslashes and
// capitals, text that is not ASCII, tombstones, internal actors, the MFA
// settings' forms, times before 2000 and after, to the microsecond, and
// none) and a few remote ones.
const manyUsers = `INSERT INTO users (id, nickname, email, name, password_hash, bio, raw_bio, ap_id, local, tags,
    is_admin, is_moderator, is_confirmed, is_approved, is_locked, is_active, actor_type, invisible,
    multi_factor_authentication_settings, inserted_at, last_active_at, updated_at)
  SELECT ('00000190-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid,
    CASE i % 4 WHEN 0 THEN 'user' || i WHEN 1 THEN 'User_' || i WHEN 2 THEN 'ü' || i ELSE 'internal.x' || i END,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'u' || i || '@example.org' END,
    CASE WHEN i % 7 = 0 THEN NULL WHEN i % 5 = 0 THEN '' ELSE 'Näme ' || i || ' 🏳️‍🌈' END,
    CASE WHEN i % 7 = 0 THEN NULL ELSE '$pbkdf2-sha512$160000$' || md5(i::text) END,
    CASE i % 3 WHEN 0 THEN '' ELSE 'line one<br>line "two" &amp; ' || i END,
    CASE i % 3 WHEN 1 THEN NULL ELSE E'line one\nline "two" & ' || i END,
    'https://social.example.org/users/u' || i, true,
    CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN ARRAY[]::varchar[]
      WHEN 2 THEN ARRAY['a,b', 'q"x', '{brace}', E'back\\slash', 'Capital', 'ümlaut', '', 'NULL']::varchar[]
      ELSE ARRAY['mrf_tag:sandbox', 'verified', 'verified']::varchar[] END,
    i % 11 = 0, i % 13 = 0, i % 9 <> 0, i % 17 <> 0, i % 5 = 0, i % 7 <> 0 AND i % 8 <> 0,
    (ARRAY['Person', 'Service', 'Application', 'Group'])[1 + i % 4], i % 19 = 0,
    CASE i % 5 WHEN 0 THEN NULL WHEN 1 THEN '{"enabled": true}' WHEN 2 THEN '{"totp": {"confirmed": true}}'
      WHEN 3 THEN '{"enabled": false, "totp": {"confirmed": false}}' ELSE '{}' END::jsonb,
    CASE i % 3 WHEN 0 THEN timestamp '1999-12-31 23:59:59.5' - i * interval '1 day 1.000001 seconds'
      ELSE now() - i * interval '13 minutes 0.000123 seconds' END,
    CASE WHEN i % 4 = 0 THEN NULL ELSE timestamp '2000-01-01' + i * interval '1 hour 0.000007 seconds' END,
    now()
  FROM generate_series(1, $1) AS i`

// remoteUsers inserts accounts of another server, which no read of local
// accounts returns.
const remoteUsers = `INSERT INTO users (id, nickname, name, bio, ap_id, local, inserted_at, updated_at)
  SELECT gen_random_uuid(), 'far' || i || '@remote.example', 'Far', '', 'https://remote.example/users/far' || i, false, now(), now()
  FROM generate_series(1, 20) AS i`

// reference reads the local accounts as pgx scans them, each row into a
// User of its own.
func reference(t *testing.T, conn *pgx.Conn) map[string]*live.User {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT `+live.Columns+` FROM users WHERE local AND nickname IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]*live.User{}
	for rows.Next() {
		u := &live.User{}
		if err := rows.Scan(u.ScanTargets()...); err != nil {
			t.Fatal(err)
		}
		out[u.ID] = u
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestReadLocalUsersAsPgxScans reads a few thousand accounts of every
// shape, keeping each borrowed row as its Clone, and requires what pgx's
// own scanning reads, on both flavors, through the extended protocol
// (binary values) and the simple one (every value as text).
func TestReadLocalUsersAsPgxScans(t *testing.T) {
	const n = 3000
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			url := pgtest.New(t, fx)
			pgtest.Exec(t, url, manyUsers, n)
			pgtest.Exec(t, url, remoteUsers)
			for _, mode := range []pgx.QueryExecMode{pgx.QueryExecModeCacheStatement, pgx.QueryExecModeSimpleProtocol} {
				t.Run(mode.String(), func(t *testing.T) {
					cfg, err := pgx.ParseConfig(url)
					if err != nil {
						t.Fatal(err)
					}
					cfg.DefaultQueryExecMode = mode
					conn, err := pgx.ConnectConfig(t.Context(), cfg)
					if err != nil {
						t.Fatal(err)
					}
					defer conn.Close(context.WithoutCancel(t.Context()))
					want := reference(t, conn)
					var kept, borrowed []*live.User
					read, err := live.ReadLocalUsers(t.Context(), conn, func(u *live.User) {
						kept = append(kept, u.Clone())
						borrowed = append(borrowed, u)
					})
					if err != nil {
						t.Fatal(err)
					}
					if read != n || len(want) != n {
						t.Fatalf("read %d rows, pgx %d; want %d", read, len(want), n)
					}
					for _, u := range kept {
						if w := want[u.ID]; !reflect.DeepEqual(u, w) {
							t.Fatalf("read\n%+v\npgx scans\n%+v", *u, *w)
						}
					}
					if borrowed[0] != borrowed[n-1] {
						t.Error("every row is lent in the same User")
					}
					scanned := map[string]*live.User{}
					if _, err := live.ScanLocalUsers(t.Context(), conn, func(u *live.User) { scanned[u.ID] = u }); err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(scanned, want) {
						t.Error("ScanLocalUsers reads other rows than pgx")
					}
					tx, err := conn.Begin(t.Context())
					if err != nil {
						t.Fatal(err)
					}
					defer tx.Rollback(context.WithoutCancel(t.Context()))
					ids := []string{kept[0].ID, kept[1].ID, kept[n-1].ID}
					locked, err := live.LockUsers(t.Context(), tx, ids)
					if err != nil {
						t.Fatal(err)
					}
					if len(locked) != len(ids) {
						t.Fatalf("locked %d rows, want %d", len(locked), len(ids))
					}
					for _, id := range ids {
						if !reflect.DeepEqual(locked[id], want[id]) {
							t.Errorf("LockUsers read %+v, pgx %+v", locked[id], want[id])
						}
					}
				})
			}
		})
	}
}
