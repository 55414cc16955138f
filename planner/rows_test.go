package planner_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/schema"
)

func load(t *testing.T, src string) *schema.Config {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if diags.HasErrors() {
		t.Fatalf("loading: %s", diags.Error())
	}
	return cfg
}

// The columns a saved plan fingerprints are those the configuration
// compares on each row, and no others.
func TestComparedColumns(t *testing.T) {
	person := func(nick string) *planner.LiveUser {
		return &planner.LiveUser{ID: "id-" + nick, Nickname: nick, ActorType: "Person", Active: true}
	}
	for _, tc := range []struct {
		name, src string
		user      string
		want      []string
	}{
		{"declared attributes only", `user "alice" {
  name = "Alice"
  admin = true
}`, "alice", []string{"admin", "name", "nickname", "tombstone"}},
		{"an undeclared account without a policy", `user "alice" {}`, "bob", nil},
		{"role and tag blocks own their columns", `role "moderator" {
  members = []
}
tag "staff" {
  members = []
}`, "bob", []string{"moderator", "tags"}},
		{"prune deactivate", `prune {
  users = "deactivate"
}`, "bob", []string{"active"}},
		{"prune delete", `prune {
  users = "delete"
}`, "bob", []string{"active", "tombstone"}},
		{"a protected account is not pruned", `prune {
  users = "delete"
  protect = ["bob"]
}`, "bob", nil},
		{"a declared password", `user "bob" {
  password = "correct horse battery staple"
}`, "bob", []string{"nickname", "password", "tombstone"}},
		{"a deletion", `user "bob" {
  state = "absent"
}`, "bob", []string{"active", "email", "name", "nickname", "password", "tombstone"}},
		{"not a user's account", `prune {
  users = "delete"
}`, "internal.fetch", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := planner.Compared(load(t, tc.src))(person(tc.user))
			if !slices.Equal(got, tc.want) {
				t.Errorf("compared %v, want %v", got, tc.want)
			}
		})
	}
}

func TestMovedColumns(t *testing.T) {
	u := &planner.LiveUser{ID: "x", Nickname: "bob", Admin: true, Tags: []string{"a"}}
	cols := []string{"admin", "tags"}
	before := u.Print(cols)
	if got := planner.MovedColumns(before, u.Print(cols)); got != nil {
		t.Errorf("unchanged row moved %v", got)
	}
	u.Tags = []string{"A"} // the server lower-cases tags: not a change
	if got := planner.MovedColumns(before, u.Print(cols)); got != nil {
		t.Errorf("tags in other case moved %v", got)
	}
	u.Admin, u.Name = false, new(string)
	if got := planner.MovedColumns(before, u.Print(cols)); !slices.Equal(got, []string{"admin"}) {
		t.Errorf("moved %v, want [admin]", got)
	}
	if got := planner.MovedColumns(before, u.Print([]string{"admin"})); !slices.Equal(got, []string{"admin", "tags"}) {
		t.Errorf("moved %v when the compared set shrank, want [admin tags]", got)
	}
}

// RowPrints marshal as encoding/json marshals a map, escapes included.
func TestRowPrintsJSON(t *testing.T) {
	r := planner.RowPrints{"user:b": "admin:0011aabb tags:ffee0011", "user:a": "x", "invite:7": "odd \"<key>\"\n\u00e9"}
	got, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]string(r))
	if string(got) != string(want) {
		t.Errorf("MarshalJSON = %s\nwant           %s", got, want)
	}
}
