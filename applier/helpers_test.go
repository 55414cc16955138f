package applier_test

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server/flake"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

const baseURL = "https://social.example.org"

// load writes files (name → content) to a temporary directory and loads it.
func load(t *testing.T, files map[string]string, vars ...string) *schema.Config {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, diags := schema.Load(dir, schema.Inputs{Vars: vars})
	if diags.HasErrors() {
		t.Fatalf("loading the configuration: %s", diags.Error())
	}
	return cfg
}

func config(t *testing.T, src string, vars ...string) *schema.Config {
	t.Helper()
	return load(t, map[string]string{"users.hcl": src}, vars...)
}

func makePlan(t *testing.T, conn *pgx.Conn, cfg *schema.Config) *plans.Plan {
	t.Helper()
	p, diags := planner.Make(t.Context(), conn, cfg, planner.Options{})
	if diags.HasErrors() {
		t.Fatalf("planning: %s", diags.Error())
	}
	return p
}

// applyConverged plans, applies, and checks the convergence invariant: a new
// plan right after the apply is empty.
func applyConverged(t *testing.T, conn *pgx.Conn, cfg *schema.Config) *plans.Plan {
	t.Helper()
	p := makePlan(t, conn, cfg)
	if _, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{})); err != nil {
		t.Fatalf("apply: %v", err)
	}
	if again := makePlan(t, conn, cfg); !again.Empty() {
		t.Fatalf("apply passed, but planning again is not empty: %+v", again.Changes)
	}
	return p
}

// seed is a local account inserted as the server's CLI would have made it,
// with only what a test needs.
type seed struct {
	nick, email string
	admin, mod  bool
	inactive    bool
	remote      bool
	hash        string
	tags        []string
}

var seedGen = flake.NewGenerator([6]byte{1, 2, 3, 4, 5, 6})

func insert(t *testing.T, conn *pgx.Conn, s seed) string {
	t.Helper()
	id := seedGen.Next(time.Now()).UUID()
	ap := baseURL + "/users/" + s.nick
	if s.remote {
		nick, host, _ := strings.Cut(s.nick, "@")
		ap = "https://" + host + "/users/" + nick
	}
	var email, hash *string
	if s.email != "" {
		email = &s.email
	}
	if s.hash != "" {
		hash = &s.hash
	}
	tags := s.tags
	if tags == nil {
		tags = []string{}
	}
	then := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err := conn.Exec(t.Context(), `INSERT INTO users (id, nickname, email, name, bio, ap_id,
	  follower_address, following_address, local, is_admin, is_moderator, is_active, password_hash, tags, inserted_at, updated_at)
	  VALUES ($1, $2, $3, $12, '', $4, $13, $14, $5, $6, $7, $8, $9, $10, $11, $11)`,
		id, s.nick, email, ap, !s.remote, s.admin, s.mod, !s.inactive, hash, tags, then, s.nick, ap+"/followers", ap+"/following")
	if err != nil {
		t.Fatalf("seeding %s: %v", s.nick, err)
	}
	return id
}

func follow(t *testing.T, conn *pgx.Conn, follower, following string) {
	t.Helper()
	_, err := conn.Exec(t.Context(), `INSERT INTO following_relationships (follower_id, following_id, state, inserted_at, updated_at)
	  VALUES ($1, $2, 2, now(), now())`, follower, following)
	if err != nil {
		t.Fatal(err)
	}
}

// recount sets the follow counts as the server keeps them.
func recount(t *testing.T, conn *pgx.Conn) {
	t.Helper()
	_, err := conn.Exec(t.Context(), `UPDATE users u SET
	  follower_count = (SELECT count(*) FROM following_relationships fr JOIN users f ON f.id = fr.follower_id
	    WHERE fr.following_id = u.id AND fr.state = 2 AND f.is_active AND f.id <> u.id),
	  following_count = (SELECT count(*) FROM following_relationships fr JOIN users g ON g.id = fr.following_id
	    WHERE fr.follower_id = u.id AND fr.state = 2 AND g.is_active AND g.id <> u.id)`)
	if err != nil {
		t.Fatal(err)
	}
}

// snapshot digests the content of every table, so a test can tell that a
// failed apply left the database exactly as it was.
func snapshot(t *testing.T, conn *pgx.Conn) map[string]string {
	t.Helper()
	ctx := t.Context()
	tables, err := conn.Query(ctx, `SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(tables, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, n := range names {
		var digest string
		q := fmt.Sprintf(`SELECT coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM %s t`, pgx.Identifier{n}.Sanitize())
		if err := conn.QueryRow(ctx, q).Scan(&digest); err != nil {
			t.Fatal(err)
		}
		out[n] = digest
	}
	return out
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	var moved []string
	for k, v := range before {
		if after[k] != v {
			moved = append(moved, k)
		}
	}
	sort.Strings(moved)
	if len(moved) > 0 || len(before) != len(after) {
		t.Fatalf("tables changed although the apply failed: %v", moved)
	}
}

func row(t *testing.T, conn *pgx.Conn, sql string, args []any, dest ...any) {
	t.Helper()
	if err := conn.QueryRow(t.Context(), sql, args...).Scan(dest...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func planner_Make(t *testing.T, conn *pgx.Conn, cfg *schema.Config) (*plans.Plan, hcl.Diagnostics) {
	t.Helper()
	p, diags := planner.Make(t.Context(), conn, cfg, planner.Options{})
	if diags.HasErrors() {
		t.Fatalf("planning: %s", diags.Error())
	}
	return p, diags
}

// follows lists the follow relationships as "follower->followed", sorted.
func follows(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT f.nickname || '->' || g.nickname FROM following_relationships fr
	  JOIN users f ON f.id = fr.follower_id JOIN users g ON g.id = fr.following_id ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	rels, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(rels, " ")
}

// replan gives opts the planner to plan again under the lock, as the
// command line does, with the given planner options.
func replan(opts applier.Options, popts ...planner.Options) applier.Options {
	var po planner.Options
	if len(popts) > 0 {
		po = popts[0]
	}
	opts.Replan = func(ctx context.Context, q live.Querier, cfg *schema.Config) (*plans.Plan, hcl.Diagnostics) {
		return planner.MakeIn(ctx, q, cfg, po)
	}
	return opts
}

// flakeTime is a FlakeId's time field: its upper 64 bits, Unix
// milliseconds.
func flakeTime(id flake.ID) time.Time {
	return time.UnixMilli(int64(binary.BigEndian.Uint64(id[0:8]))).UTC()
}
