package pgtest_test

import (
	"os"
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestClonesAreIsolated(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			a, b := pgtest.New(t, f), pgtest.New(t, f)
			if a == b {
				t.Fatalf("two tests got the same database %s", a)
			}
			pgtest.Exec(t, a, `INSERT INTO user_invite_tokens (token, inserted_at, updated_at) VALUES ('x', now(), now())`)
			var n int
			if err := pgtest.Connect(t, b).QueryRow(t.Context(), `SELECT count(*) FROM user_invite_tokens`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Fatalf("a row written in one clone is visible in another: %d rows", n)
			}
			var migrations int
			if err := pgtest.Connect(t, a).QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&migrations); err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"pleroma": 321, "akkoma": 326}[f.Name]
			if migrations != want {
				t.Fatalf("schema_migrations has %d rows, want %d", migrations, want)
			}
		})
	}
}
