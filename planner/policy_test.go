package planner_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// describe renders a plan compactly: one line per change with its action,
// attributes and reasons.
func describe(p *plans.Plan) string {
	var out []string
	for _, c := range p.Changes {
		var attrs []string
		for _, a := range c.Attrs {
			attrs = append(attrs, a.Name)
		}
		line := string(c.Action) + " " + c.Address + " [" + strings.Join(attrs, ",") + "]"
		if len(c.Reasons) > 0 {
			line += " " + strings.Join(c.Reasons, "; ")
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// The sample server: root (admin), bob (moderator), dave (tag newbie),
// erin (deactivated); internal.fetch and relay; two remote accounts.
func TestGroupsOwnTheirMembership(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	p, diags := plan(t, url, `
role "admin"     { members = ["bob"] }
role "moderator" { members = ["bob"] }
tag "newbie"     { members = ["erin"] }`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	want := `update user.bob [admin] because bob is a member of role.admin
update user.dave [tags] because dave is not a member of tag.newbie
update user.erin [tags] because erin is a member of tag.newbie
update user.root [admin] because root is not a member of role.admin`
	if got := describe(p); got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
	if got := p.Privileges(); got != (plans.Privileges{AdminsGranted: 1, AdminsRevoked: 1}) {
		t.Errorf("privileges = %+v", got)
	}
}

func TestUnknownMembers(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	_, diags := plan(t, url, `
role "admin" {
  members = ["root", "nobody", "internal"]
}
user "newbie" {}
tag "x" {
  members = ["newbie"]
}`)
	if got := summaries(diags); got != "03: Unknown member\n03: Unknown member" {
		t.Errorf("diagnostics = %q", got)
	}
}

func TestPrune(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	t.Run("none by default", func(t *testing.T) {
		p, _ := plan(t, url, `user "root" {}`)
		if !p.Empty() {
			t.Errorf("undeclared accounts were touched without a prune block:\n%s", describe(p))
		}
	})
	t.Run("deactivate skips protected, named and inactive accounts", func(t *testing.T) {
		p, diags := plan(t, url, `
prune {
  users   = "deactivate"
  protect = ["root"]
}
tag "newbie" { members = ["dave"] }`)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		want := `update user.bob [active] because bob is not in the configuration and prune.users = "deactivate"`
		if got := describe(p); got != want {
			t.Errorf("plan:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("delete, including the deactivated, never remote or internal", func(t *testing.T) {
		p, diags := plan(t, url, `
prune {
  users = "delete"
}
user "root" {}`)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		want := `delete user.bob [active,email,moderator,name] because bob is not in the configuration and prune.users = "delete"
delete user.dave [active,email,name,tags] because dave is not in the configuration and prune.users = "delete"
delete user.erin [active,email,name] because erin is not in the configuration and prune.users = "delete"`
		if got := describe(p); got != want {
			t.Errorf("plan:\n%s\nwant:\n%s", got, want)
		}
		for _, c := range p.Changes {
			if c.Reactivate != (c.Nickname == "erin") {
				t.Errorf("%s: Reactivate = %v; only the deactivated erin needs activate before rm", c.Address, c.Reactivate)
			}
		}
		if _, _, destroy := p.Counts(); destroy != 3 {
			t.Errorf("destroy = %d", destroy)
		}
	})
	t.Run("max", func(t *testing.T) {
		src := `
prune {
  users = "deactivate"
  max   = 1
}`
		_, diags := plan(t, url, src)
		if got := summaries(diags); got != "04: Too many accounts and invites to prune" {
			t.Errorf("diagnostics = %q", got)
		}
		p, diags := planWith(t, url, src, planner.Options{AllowMassPrune: true})
		if diags.HasErrors() || len(p.Changes) != 3 {
			t.Errorf("--allow-mass-prune: %s\n%s", diags.Error(), describe(p))
		}
		_, diags = plan(t, url, strings.Replace(src, "max   = 1", "max   = 0", 1))
		if !diags.HasErrors() {
			t.Error("max = 0 must refuse any prune")
		}
	})
}

func TestDeletedAccounts(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	// erin becomes the server's purged tombstone.
	pgtest.Exec(t, url, `UPDATE users SET email = NULL, name = NULL, password_hash = NULL, bio = '', raw_bio = NULL, tags = '{}', is_active = false WHERE nickname = 'erin'`)
	p, diags := plan(t, url, `
user "erin" {
  state = "absent"
}
user "ghost" {
  state = "absent"
}
user "dave" {
  state = "absent"
}`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got, want := describe(p), "delete user.dave [active,email,name,tags] because user.dave is declared absent"; got != want {
		t.Errorf("plan:\n%s\nwant:\n%s (a tombstone or a missing row is no change)", got, want)
	}
	// The server's tag command works on a purged row too: still a tombstone.
	pgtest.Exec(t, url, `UPDATE users SET tags = '{x}' WHERE nickname = 'erin'`)
	p, _ = plan(t, url, `user "erin" {
  state = "absent"
}`)
	if !p.Empty() {
		t.Errorf("a tagged tombstone is deleted again:\n%s", describe(p))
	}
	_, diags = plan(t, url, `user "erin" {}`)
	if got := summaries(diags); got != "01: Account deleted" {
		t.Errorf("a present block for a deleted account: %q", got)
	}
	p, _ = plan(t, url, `prune {
  users = "delete"
}
user "root" {}
user "bob" {}
user "dave" {}`)
	if !p.Empty() {
		t.Errorf("a tombstone is pruned again:\n%s", describe(p))
	}
}

func TestInvites(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	src := `
server { invite_secret = "s3cret-s3cret-s3cret" }
invite "a" {}
invite "b" {
  max_use = 5
}
invite "c" {
  expires_at = "2027-03-31"
}
invite "d" {
  max_use    = 5
  expires_at = "2027-03-31"
}
invite "e" {
  revoked = true
}`
	p, diags := plan(t, url, src)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	types := map[string]any{}
	for _, c := range p.Changes {
		if c.Action != plans.Create || c.Attr("token") == nil || !c.Attr("token").Sensitive {
			t.Errorf("%s: %+v", c.Address, c)
		}
		types[c.Nickname] = c.Attr("invite_type").After
	}
	want := map[string]any{"a": "one_time", "b": "reusable", "c": "date_limited", "d": "reusable_date_limited", "e": "one_time"}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("invite types = %v, want %v", types, want)
	}
	// A revoked invite that does not exist is created revoked, and only it.
	for _, c := range p.Changes {
		if c.RevokesInvite() != (c.Nickname == "e") {
			t.Errorf("%s: revoked = %v", c.Address, c.RevokesInvite())
		}
	}
	// The same secret derives the same tokens on every run.
	tok := schema.DeriveInviteToken("s3cret-s3cret-s3cret", "b")
	if tok != schema.DeriveInviteToken("s3cret-s3cret-s3cret", "b") || len(tok) != 44 || tok == schema.DeriveInviteToken("s3cret-s3cret-s3cret", "c") {
		t.Errorf("derived tokens are not stable, 44 characters and distinct")
	}
	pgtest.Exec(t, url, `INSERT INTO user_invite_tokens (token, max_use, invite_type, uses, inserted_at, updated_at) VALUES ($1, 5, 'reusable', 2, now(), now())`, tok)
	p, diags = plan(t, url, `
server { invite_secret = "s3cret-s3cret-s3cret" }
invite "b" {
  max_use    = 10
  expires_at = "2027-01-01"
}
prune {
  invites = "revoke"
}`)
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	got := describe(p)
	if !strings.Contains(got, "update invite.b [expires_at,invite_type,max_use]") || !strings.Contains(got, `update invite["#1"] [revoked] because invite #1 is not in the configuration and prune.invites = "revoke"`) {
		t.Errorf("plan:\n%s", got)
	}
	pgtest.Exec(t, url, `UPDATE user_invite_tokens SET used = true`)
	p, diags = plan(t, url, `
server { invite_secret = "s3cret-s3cret-s3cret" }
invite "b" {
  max_use = 50 # a used invite is never changed: the server would not accept it again
}`)
	if !p.Empty() || len(diags) != 1 || diags[0].Summary != "Invite used up or revoked" {
		t.Errorf("a used-up invite: %s / %v", describe(p), diags)
	}
}

func TestAkkomaDemotionByGroupIsNoted(t *testing.T) {
	url := pgtest.New(t, pgtest.Akkoma)
	pgtest.Exec(t, url, `INSERT INTO users (id, nickname, name, bio, ap_id, local, is_admin, inserted_at, updated_at)
	  VALUES ('00000190-0000-0000-0000-000000000001', 'boss', 'Boss', '', 'https://a.example/users/boss', true, true, now(), now())`)
	p, diags := plan(t, url, `role "admin" { members = [] }`)
	if diags.HasErrors() || len(p.Changes) != 1 {
		t.Fatalf("%s %v", diags.Error(), p)
	}
	if notes := strings.Join(p.Changes[0].Notes, "\n"); !strings.Contains(notes, "report notifications are removed") {
		t.Errorf("an Akkoma demotion by a role block does not say that the report notifications go: %q", notes)
	}
}
