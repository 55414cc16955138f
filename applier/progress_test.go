package applier_test

import (
	"slices"
	"testing"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server/password"
	"github.com/roster-project/roster/planner"
)

// TestApplyProgress: Options.Progress counts the work before the lock,
// each new account (keys, hash) and each password an update rewrites
// (hash), from (0, total) to (total, total) in order; a password_hash is
// not work. The plan made again under the lock counts its verifications
// through the planner's Progress.
func TestApplyProgress(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			old, err := password.HashPBKDF2("old")
			if err != nil {
				t.Fatal(err)
			}
			insert(t, conn, seed{nick: "bob", hash: old})
			insert(t, conn, seed{nick: "carol", hash: old})
			newHash, err := password.HashPBKDF2("new")
			if err != nil {
				t.Fatal(err)
			}
			cfg := config(t, `
server { url = "https://social.example.org" }
user "amy" {}
user "ann" { password = "secret" }
user "abe" { initial_password = "secret" }
user "bob" { password = "new" }
user "carol" { password_hash = "`+newHash+`" }`)
			p := makePlan(t, conn, cfg)
			type call struct{ done, total int }
			var prepared, verified []call
			opts := applier.Options{Parallelism: 3, Progress: func(done, total int) { prepared = append(prepared, call{done, total}) }}
			popts := planner.Options{Progress: func(done, total int) { verified = append(verified, call{done, total}) }}
			if _, err := applier.Apply(t.Context(), conn, p, cfg, replan(opts, popts)); err != nil {
				t.Fatal(err)
			}
			if want := []call{{0, 4}, {1, 4}, {2, 4}, {3, 4}, {4, 4}}; !slices.Equal(prepared, want) {
				t.Errorf("Progress calls %v, want %v (3 new accounts, 1 password to hash)", prepared, want)
			}
			if want := []call{{0, 1}, {1, 1}}; !slices.Equal(verified, want) {
				t.Errorf("the plan made again under the lock reported %v, want %v (bob's password)", verified, want)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Fatalf("planning again after the apply is not empty: %+v", again.Changes)
			}
		})
	}
}
