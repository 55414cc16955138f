package planner_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// undeclared runs a drift check of src with --unmanaged and returns the
// report and the accounts it lists, in its order.
func undeclared(t *testing.T, url, src string) (*plans.Drift, []plans.Unmanaged) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if diags.HasErrors() {
		t.Fatalf("loading: %s", diags.Error())
	}
	r, diags := planner.Drift(t.Context(), pgtest.Connect(t, url), cfg, planner.DriftOptions{Unmanaged: true})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	defer r.Close(t.Context())
	var out []plans.Unmanaged
	if err := r.Accounts(t.Context(), func(u *plans.Unmanaged) error {
		out = append(out, *u)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return r.Drift, out
}

// TestUndeclaredInNicknameOrder: the database sorts the undeclared
// accounts, and its order is the one roster always printed, Go's: by
// nickname lower-cased, byte by byte ('-' < digits < '_' < letters),
// whatever collation the nickname column has. An ICU collation, as a
// server's database may have, orders by language rules ("_zed" before
// "9lives", "alice_2" before "alice2"), and a Turkish one lower-cases "I"
// to a dotless "ı": neither may decide. Nicknames roster does not manage
// (not ASCII) are not listed.
func TestUndeclaredInNicknameOrder(t *testing.T) {
	nicks := []string{"bob", "Alice", "alice2", "alice_2", "alice-3", "_zed", "-minus", "9lives", "ZED_1", "zed-2", "Zed",
		"aB3", "Ab_4", "mIxEd", "MIXED_case", "x", "Ivan", "ian", "jo"}
	others := []string{"Émile", "ärger", "Ωmega"}
	for _, c := range []struct {
		fixture   pgtest.Fixture
		collation string
	}{
		{pgtest.Pleroma, "und-x-icu"}, {pgtest.Akkoma, "und-x-icu"}, {pgtest.Pleroma, "tr-x-icu"}, {pgtest.Akkoma, "C"},
	} {
		t.Run(c.fixture.Name+"/"+c.collation, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, c.fixture)
			pgtest.Exec(t, url, `ALTER TABLE users ALTER COLUMN nickname TYPE citext COLLATE "`+c.collation+`"`)
			for _, n := range append(append([]string{"root"}, nicks...), others...) {
				pgtest.Exec(t, url, `INSERT INTO users (id, nickname, name, bio, ap_id, local, inserted_at, updated_at)
				  VALUES (md5($1)::uuid, $1, $1, '', 'https://social.example.org/users/' || $1, true, now(), now())`, n)
			}
			d, got := undeclared(t, url, `user "root" {}`)
			want := slices.Clone(nicks)
			slices.SortFunc(want, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
			var names []string
			widest := 0
			for _, u := range got {
				names = append(names, u.Nickname)
				if u.Address != addrs.Of("user", u.Nickname) {
					t.Errorf("%s has the address %s", u.Nickname, u.Address)
				}
				widest = max(widest, len(u.Address))
			}
			if !slices.Equal(names, want) {
				t.Errorf("listed in the order\n%q\nwant\n%q", names, want)
			}
			if d.Unmanaged != len(want) || d.Widest != widest || !d.Listed {
				t.Errorf("the report counts %d accounts, the widest address %d, listed %t; want %d, %d, true", d.Unmanaged, d.Widest, d.Listed, len(want), widest)
			}
		})
	}
}
