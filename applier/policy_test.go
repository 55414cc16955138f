package applier_test

import (
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
)

// TestGroupsInvitesPruneConverge runs the whole of issue 3 through plan and
// apply on both flavors: groups grant and revoke, invites are created and
// pruned, an undeclared account is deactivated, one declared absent is
// deleted; planning again is empty, and planning once more after the server
// would have run its jobs is still empty.
func TestGroupsInvitesPruneConverge(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			insert(t, conn, seed{nick: "root", admin: true})
			insert(t, conn, seed{nick: "mallory", admin: true, tags: []string{"staff"}})
			insert(t, conn, seed{nick: "spammer", inactive: true})
			insert(t, conn, seed{nick: "keeper"})
			insert(t, conn, seed{nick: "eve@remote.example", remote: true, admin: true})
			if _, err := conn.Exec(ctx, `INSERT INTO user_invite_tokens (token, inserted_at, updated_at) VALUES ('old-token', now(), now())`); err != nil {
				t.Fatal(err)
			}
			cfg := config(t, `
server {
  url           = "https://social.example.org"
  invite_secret = "a-long-random-secret"
}
role "admin" { members = ["root", "amy"] }
tag "staff"  { members = ["root", "amy"] }
user "amy" {}
user "spammer" {
  state = "absent"
}
invite "spring" {
  max_use = 5
}
prune {
  users   = "deactivate"
  invites = "revoke"
  protect = ["keeper"]
}`)
			p := applyConverged(t, conn, cfg)
			if add, change, destroy := p.Counts(); add != 2 || change != 3 || destroy != 1 {
				t.Errorf("counts = %d/%d/%d, want amy and spring added; root, mallory and the old invite changed; spammer destroyed", add, change, destroy)
			}
			got := map[string]string{}
			rows, _ := conn.Query(ctx, `SELECT nickname::text, is_admin::text || ' ' || is_active::text || ' ' || array_to_string(coalesce(tags, '{}'), ',') FROM users`)
			for rows.Next() {
				var n, v string
				rows.Scan(&n, &v)
				got[n] = v
			}
			want := map[string]string{"root": "true true staff", "amy": "true true staff", "mallory": "false false ",
				"spammer": "false false ", "keeper": "false true ", "eve@remote.example": "true true "}
			for n, w := range want {
				if got[n] != w {
					t.Errorf("%s: admin active tags = %q, want %q", n, got[n], w)
				}
			}
			var used bool
			var jobs int
			row(t, conn, `SELECT used FROM user_invite_tokens WHERE token = 'old-token'`, nil, &used)
			row(t, conn, `SELECT count(*) FROM oban_jobs`, nil, &jobs)
			if !used || jobs != 2 {
				t.Errorf("old invite used = %v, jobs = %d; want revoked, and a delete and a publish job", used, jobs)
			}
			// The server's delete job would later delete the row of an
			// unconfirmed account, or keep the tombstone: either way the
			// plan stays empty.
			if _, err := conn.Exec(ctx, `DELETE FROM users WHERE nickname = 'spammer'`); err != nil {
				t.Fatal(err)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Errorf("after the server's job removed the row, the plan is not empty: %+v", again.Changes)
			}
		})
	}
}
