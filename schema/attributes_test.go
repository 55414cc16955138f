package schema

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/roster-project/roster/internal/account"
)

// TestEveryUserAttributeDecodes checks that each attribute of a user block,
// as the account table lists them, is decoded: by a hook, or by its type
// into account.Declared, where it reads back as the planner will compare
// it. A new compared attribute needs a sample here.
func TestEveryUserAttributeDecodes(t *testing.T) {
	samples := map[string]struct {
		hcl  string
		want any
	}{
		account.Email:     {`"alice@example.org"`, "alice@example.org"},
		account.Name:      {`"Alice"`, "Alice"},
		account.Bio:       {`"Hello\nthere"`, "Hello\nthere"},
		account.Admin:     {`true`, true},
		account.Moderator: {`true`, true},
		account.Confirmed: {`false`, false},
		account.Approved:  {`false`, false},
		account.Locked:    {`true`, true},
		account.Active:    {`false`, false},
		account.Tags:      {`["Staff", "verified", "staff"]`, []string{"staff", "verified"}},
	}
	for _, name := range account.Configured() {
		a, _ := account.Lookup(name)
		if userAttrHook(name) != nil {
			if a.Compared() {
				t.Errorf("%s: both a hook and a field of account.Declared", name)
			}
			continue
		}
		if !a.Compared() {
			t.Errorf("%s: neither a hook nor a field of account.Declared", name)
			continue
		}
		s, ok := samples[name]
		if !ok {
			t.Errorf("%s: no sample", name)
			continue
		}
		dir := t.TempDir()
		src := "user \"alice\" {\n  " + name + " = " + s.hcl + "\n}\n"
		if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, diags := Load(dir, Inputs{})
		if diags.HasErrors() {
			t.Errorf("%s: %s", name, diags.Error())
			continue
		}
		u := cfg.User("alice")
		if got := a.Desired(&u.Declared); !reflect.DeepEqual(got, s.want) {
			t.Errorf("%s = %s decodes to %#v, want %#v", name, s.hcl, got, s.want)
		}
		if _, ok := u.Ranges[name]; !ok {
			t.Errorf("%s: no source range", name)
		}
	}
}
