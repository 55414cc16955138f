package planner

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/checks"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/schema"
)

// manyAccounts inserts n local accounts of many shapes: admins and
// moderators, tags (some with capitals, some repeated), inactive and
// unconfirmed accounts, tombstones, internal actors and nicknames roster
// does not manage, MFA on and off.
const manyAccounts = `INSERT INTO users (id, nickname, email, name, password_hash, bio, raw_bio, ap_id, local, tags,
    is_admin, is_moderator, is_confirmed, is_approved, is_locked, is_active, actor_type, invisible,
    multi_factor_authentication_settings, inserted_at, updated_at)
  SELECT ('00000190-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid, nick,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'u' || i || '@example.org' END,
    CASE WHEN i % 7 = 0 THEN NULL ELSE 'Name ' || i END,
    CASE WHEN i % 7 = 0 THEN NULL ELSE '$pbkdf2-sha512$160000$' || md5(i::text) END,
    '', NULL, 'https://social.example.org/users/' || nick, true,
    CASE i % 6 WHEN 0 THEN NULL WHEN 1 THEN ARRAY[]::varchar[] WHEN 2 THEN ARRAY['verified', 'Capital']::varchar[]
      ELSE ARRAY['mrf_tag:sandbox', 'verified', 'verified']::varchar[] END,
    i % 11 = 0, i % 13 = 0, i % 9 <> 0, i % 17 <> 0, i % 5 = 0, i % 7 <> 0 AND i % 8 <> 0,
    (ARRAY['Person', 'Service', 'Application', 'Group'])[1 + i % 4], i % 19 = 0,
    CASE i % 3 WHEN 0 THEN '{"enabled": true}' ELSE '{}' END::jsonb,
    now(), now()
  FROM generate_series(1, $1) AS i,
    LATERAL (SELECT CASE i % 4 WHEN 0 THEN 'user' || i WHEN 1 THEN 'User_' || i WHEN 2 THEN 'ü' || i ELSE 'internal.x' || i END AS nick) AS n`

// keepEveryRow is the straightforward reading of the local accounts: each
// row scanned by pgx into a User of its own, and every one kept.
func keepEveryRow(ctx context.Context, q live.Querier, cfg *schema.Config, _ func(*live.User, bool)) (state, error) {
	var in state
	rows, err := q.Query(ctx, `SELECT `+live.Columns+` FROM users WHERE local AND nickname IS NOT NULL`)
	if err != nil {
		return in, err
	}
	defer rows.Close()
	var oldest *live.User
	for rows.Next() {
		u := &live.User{}
		if err := rows.Scan(u.ScanTargets()...); err != nil {
			return in, err
		}
		in.kept = append(in.kept, u)
		in.read++
		if u.ActorType == "Person" && cfg.Server.Limits.ValidNickname(u.Nickname) &&
			server.BaseURLFromAPID(u.APID, u.Nickname) != "" && (oldest == nil || u.ID < oldest.ID) {
			oldest = u
		}
	}
	if oldest != nil {
		in.derived = server.BaseURLFromAPID(oldest.APID, oldest.Nickname)
	}
	return in, rows.Err()
}

// TestStreamingScanPlansAsKeepingEveryRow plans a few thousand accounts
// under role, tag, prune and local_users blocks twice: reading the rows
// borrowed and keeping only those the configuration may change, and
// keeping every row as pgx scans it. The plans and diagnostics must be the
// same, on both flavors.
func TestStreamingScanPlansAsKeepingEveryRow(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			url := pgtest.New(t, fx)
			pgtest.Exec(t, url, manyAccounts, 3000)
			conn := pgtest.Connect(t, url)
			for name, src := range scanConfigs {
				t.Run(name, func(t *testing.T) {
					cfg, tx := scanConfig(t, conn, src)
					got, gotDiags := makeIn(t.Context(), tx, cfg, Options{}, scanUsers)
					want, wantDiags := makeIn(t.Context(), tx, cfg, Options{}, keepEveryRow)
					if gotDiags.HasErrors() || got == nil {
						t.Fatal(gotDiags.Error())
					}
					if got.Read != 3000 || len(got.Changes) < 2 {
						t.Fatalf("read %d accounts, %d changes: the test plans too little", got.Read, len(got.Changes))
					}
					if !reflect.DeepEqual(got, want) {
						for i := range max(len(got.Changes), len(want.Changes)) {
							if i >= len(got.Changes) || i >= len(want.Changes) || !reflect.DeepEqual(got.Changes[i], want.Changes[i]) {
								t.Fatalf("plans differ from change %d on", i)
							}
						}
						t.Fatalf("plans differ:\n%+v\n%+v", got, want)
					}
					if !reflect.DeepEqual(gotDiags, wantDiags) {
						t.Errorf("diagnostics differ:\n%v\n%v", gotDiags, wantDiags)
					}
				})
			}
		})
	}
}

// scanConfig loads src and opens a read-only snapshot of conn.
func scanConfig(t *testing.T, conn *pgx.Conn, src string) (*schema.Config, pgx.Tx) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	tx, err := conn.BeginTx(t.Context(), pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tx.Rollback(context.WithoutCancel(t.Context())) })
	return cfg, tx
}

// scanConfigs are configurations under which a plan changes accounts it
// does not declare.
var scanConfigs = map[string]string{
	"roles and tags": `
role "admin"     { members = ["user4", "User_1", "user8"] }
role "moderator" { members = ["user12"] }
tag "verified"   { members = ["user4", "user16"] }
user "user16" {
  name = "Sixteen"
  tags = ["verified", "new"]
}
user "newcomer" { email = "newcomer@example.org" }`,
	"prune deactivate": `
prune {
  users   = "deactivate"
  protect = ["user20"]
  max     = 100000
}
user "user4" { locked = true }`,
	"prune delete": `
prune {
  users = "delete"
  max   = 100000
}
role "admin" { members = ["user8"] }`,
	"local_users": `
local_users { confirmed = true }
user "user24" { confirmed = false }`,
	"local_users unconfirmed": `
local_users { confirmed = false }
user "user36" { confirmed = true }`,
}

// scanChecks are checks over the attributes the plans of scanConfigs
// change, each failing so that its message, which lists the accounts,
// is evaluated: through prefilters alone, or with live.users read whole.
var scanChecks = map[string]string{
	"prefiltered": `
check "admins" {
  assert {
    condition     = length([for u in live.users : u if u.admin && !u.mfa]) < 0
    error_message = "${length([for u in live.users : u if u.admin && !u.mfa])}: ${join(",", [for u in live.users : u.nickname if u.admin && !u.mfa])}"
  }
}
check "roles" {
  assert {
    condition     = length([for u in live.users : u if u.moderator || u.admin]) < 0
    error_message = "${length([for u in live.users : u if u.moderator || u.admin])}: ${join(",", [for u in live.users : u.nickname if u.moderator || u.admin])}"
  }
}
check "unconfirmed" {
  assert {
    condition     = length([for u in live.users : u if !u.confirmed]) < 0
    error_message = "${length([for u in live.users : u if !u.confirmed])}: ${join(",", [for u in live.users : u.nickname if !u.confirmed])}"
  }
}
check "inactive" {
  assert {
    condition     = length([for u in live.users : u if !u.active || u.locked]) < 0
    error_message = "${length([for u in live.users : u if !u.active || u.locked])}: ${join(",", [for u in live.users : u.nickname if !u.active || u.locked])}"
  }
}
check "verified" {
  assert {
    condition     = length([for u in live.users : u if contains(u.tags, "verified") && u.name != null]) < 0
    error_message = "${length([for u in live.users : u if contains(u.tags, "verified") && u.name != null])}: ${join(",", [for u in live.users : "${u.nickname}=${u.name}" if contains(u.tags, "verified") && u.name != null])}"
  }
}`,
	"whole": `
check "whole" {
  assert {
    condition     = length(live.users) < 0
    error_message = "${length(live.users)}: ${join(",", [for u in live.users : u.nickname if u.email == null || !u.confirmed])}"
  }
}`,
}

// TestChecksOnTheScanAsOnTheirOwnRead evaluates checks on the state each
// plan of scanConfigs would leave twice: on the accounts the plan's scan
// kept for them (checks.Seen), and reading every account again. The
// outcomes, messages included, must be the same.
func TestChecksOnTheScanAsOnTheirOwnRead(t *testing.T) {
	url := pgtest.New(t, pgtest.Pleroma)
	pgtest.Exec(t, url, manyAccounts, 3000)
	conn := pgtest.Connect(t, url)
	for name, src := range scanConfigs {
		for checksName, checksSrc := range scanChecks {
			t.Run(name+"/"+checksName, func(t *testing.T) {
				cfg, tx := scanConfig(t, conn, src+"\n"+checksSrc)
				seen := checks.NewSeen(cfg)
				p, diags := makeIn(t.Context(), tx, cfg, Options{seen: seen}, scanUsers)
				if p == nil {
					t.Fatal(diags.Error())
				}
				got, err := checks.Evaluate(t.Context(), tx, cfg, predict(cfg, p), seen, checks.OnPlan)
				if err != nil {
					t.Fatal(err)
				}
				want, err := checks.Evaluate(t.Context(), tx, cfg, predict(cfg, p), nil, checks.OnPlan)
				if err != nil {
					t.Fatal(err)
				}
				listed := 0
				for i := range want {
					if len(want[i].Problems) != 1 {
						t.Fatalf("%s: %q, want one failing assertion", want[i].Address, want[i].Problems)
					}
					if !strings.HasPrefix(want[i].Problems[0], "0:") {
						listed++
					}
					if !reflect.DeepEqual(got[i].Check, want[i].Check) {
						t.Errorf("%s on the scan:\n%q\nread again:\n%q", want[i].Address, got[i].Problems, want[i].Problems)
					}
				}
				if listed == 0 {
					t.Fatal("no check lists an account: the test compares nothing")
				}
			})
		}
	}
}
