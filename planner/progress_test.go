package planner_test

import (
	"slices"
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server/password"
	"github.com/roster-project/roster/planner"
)

// TestVerifyProgress: Options.Progress counts the enforced passwords
// verified, from (0, total) to (total, total), one call at a time and in
// order, whatever the workers; a plan without one reports nothing.
func TestVerifyProgress(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	hash, err := password.HashPBKDF2("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, url, `UPDATE users SET password_hash = $1 WHERE nickname IN ('root', 'bob', 'dave', 'erin')`, hash)
	type call struct{ done, total int }
	var calls []call
	progress := func(done, total int) { calls = append(calls, call{done, total}) }
	p, diags := planWith(t, url, `
user "root" { password = "correct horse" }
user "bob"  { password = "correct horse" }
user "dave" { password = "correct horse" }
user "erin" { password = "another" }
user "root2" {}`, planner.Options{Progress: progress, Parallelism: 3})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := []call{{0, 4}, {1, 4}, {2, 4}, {3, 4}, {4, 4}}
	if !slices.Equal(calls, want) {
		t.Errorf("Progress calls %v, want %v", calls, want)
	}
	if len(p.Changes) != 2 { // erin's password, root2
		t.Errorf("%d changes, want 2: %+v", len(p.Changes), p.Changes)
	}

	calls = nil
	if _, diags := planWith(t, url, `user "bob" { locked = true }`, planner.Options{Progress: progress}); diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(calls) > 0 {
		t.Errorf("a plan without passwords to verify reported %v", calls)
	}
}
