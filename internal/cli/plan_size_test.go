package cli_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
)

// TestSavedPlanSizeIsFlat: a saved plan holds its changes, not the
// accounts it compared. Under a role block (which compares every account)
// and local_users (which changes every unconfirmed one, recorded by
// buckets of ids), the file of a plan over 20,000 accounts is the one over
// 2,000 with the same changes, but for the buckets that fill up: at that
// rate, a plan over 1,000,000 accounts stays far under 16 MB.
func TestSavedPlanSizeIsFlat(t *testing.T) {
	const small, large, limit = 2_000, 20_000, 16 << 20
	dir := t.TempDir()
	src := "role \"admin\" {\n  members = [\"user_0\"]\n}\n\nlocal_users {\n  confirmed = true\n}\n\nuser \"user_0\" {\n  name = \"Root\"\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, f)
			size := func(n int) int64 {
				t.Helper()
				path := filepath.Join(t.TempDir(), "plan.json")
				var out, errs strings.Builder
				st := cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errs, LongWork: time.Hour}
				if code := cli.Main(context.Background(), []string{"plan", "--out", path, "--chdir", dir, "--no-color"}, st,
					[]string{"DATABASE_URL=" + url, "ROSTER_IN_AUTOMATION=1"}); code != 0 {
					t.Fatalf("plan --out over %d accounts: exit %d\n%s%s", n, code, out.String(), errs.String())
				}
				if !strings.Contains(out.String(), "Plan: 0 to add, 4 to change, 0 to destroy.") {
					t.Fatalf("plan over %d accounts:\n%s", n, out.String())
				}
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				return fi.Size()
			}
			// Every tenth account unconfirmed; user_1 and user_2 admins,
			// user_3 a moderator the role blocks leave alone.
			addAccounts(t, url, 0, small)
			pgtest.Exec(t, url, `UPDATE users SET is_confirmed = (nickname::text !~ '0$'), is_admin = nickname IN ('user_1', 'user_2') WHERE local`)
			before := size(small)
			addAccounts(t, url, small, large)
			pgtest.Exec(t, url, `UPDATE users SET is_confirmed = (nickname::text !~ '0$') WHERE local`)
			after := size(large)
			perAccount := float64(after-before) / float64(large-small)
			projected := float64(after) + perAccount*float64(1_000_000-large)
			t.Logf("%d bytes over %d accounts, %d over %d: %.2f bytes an account, %.0f projected over 1,000,000", before, small, after, large, perAccount, projected)
			if projected >= limit || after-before > 256*100 {
				t.Errorf("the saved plan grows from %d to %d bytes between %d and %d accounts: %.0f bytes over 1,000,000, want under %d, and at most a bucket list's growth",
					before, after, small, large, projected, limit)
			}
		})
	}
}
