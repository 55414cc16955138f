package planner_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func plan(t *testing.T, url, src string) (*plans.Plan, hcl.Diagnostics) {
	t.Helper()
	return planWith(t, url, src, planner.Options{})
}

func planWith(t *testing.T, url, src string, opts planner.Options) (*plans.Plan, hcl.Diagnostics) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if diags.HasErrors() {
		t.Fatalf("loading: %s", diags.Error())
	}
	return planner.Make(t.Context(), pgtest.Connect(t, url), cfg, opts)
}

// summaries returns "line: summary" of the error diagnostics.
func summaries(diags hcl.Diagnostics) string {
	var out []string
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		line := 0
		if d.Subject != nil {
			line = d.Subject.Start.Line
		}
		out = append(out, fmt.Sprintf("%02d: %s", line, d.Summary))
	}
	return strings.Join(out, "\n")
}

// The sample server has root, bob, dave, erin (local), internal.fetch and
// relay (invisible service actors), carol@remote.example and
// frank@spam.example (remote).
func TestSampleServer(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	t.Run("detects flavor, version and URL", func(t *testing.T) {
		p, diags := plan(t, url, `user "ROOT" {}`)
		if diags.HasErrors() {
			t.Fatal(diags.Error())
		}
		if p.Server.Flavor != server.Pleroma || p.Server.Version != server.NewestPleroma || !p.Server.Known {
			t.Errorf("server = %+v", p.Server)
		}
		if p.Server.URL != "https://social.example.org" {
			t.Errorf("URL taken from ap_ids = %q", p.Server.URL)
		}
		if !p.Empty() {
			t.Errorf("a label matching an existing account case-insensitively, with nothing managed, changes: %+v", p.Changes)
		}
	})
	t.Run("matches case-insensitively and keeps the stored case", func(t *testing.T) {
		p, _ := plan(t, url, `user "BOB" { locked = true }`)
		if len(p.Changes) != 1 || p.Changes[0].Action != plans.Update || p.Changes[0].Nickname != "bob" {
			t.Fatalf("changes = %+v, want an update of the stored bob", p.Changes)
		}
	})
	t.Run("bio source is raw_bio, else bio as stored", func(t *testing.T) {
		p, _ := plan(t, url, `user "dave" { bio = "Hi, I am Dave." }`)
		if !p.Empty() {
			t.Errorf("the stored bio (raw_bio NULL) equal to the configured one is a change: %+v", p.Changes)
		}
	})
	t.Run("service actors are never managed", func(t *testing.T) {
		p, diags := plan(t, url, `
server {
  restricted_nicknames = []
}
user "relay" { admin = true }`)
		if !diags.HasErrors() || !strings.Contains(summaries(diags), "Nickname already taken") {
			t.Fatalf("declaring the relay = %v / %s, want a taken-nickname error", p, diags.Error())
		}
		if !strings.Contains(diags.Error(), "does not manage") {
			t.Errorf("the error does not say roster does not manage the relay: %s", diags.Error())
		}
	})
	t.Run("e-mail taken by another account", func(t *testing.T) {
		_, diags := plan(t, url, `
user "newbie" {
  email = "ROOT@social.example.org"
}
user "bob" {
  email = "Dave@Social.Example.org"
}`)
		want := "03: E-mail address already taken\n06: E-mail address already taken"
		if got := summaries(diags); got != want {
			t.Errorf("diagnostics:\n%s\nwant:\n%s", got, want)
		}
	})
	t.Run("flavor mismatch", func(t *testing.T) {
		_, diags := plan(t, url, `server { flavor = "akkoma" }`)
		if got := summaries(diags); got != "01: Wrong server flavor" {
			t.Errorf("diagnostics = %q", got)
		}
	})
}

func TestEmptyServerNeedsURL(t *testing.T) {
	url := pgtest.New(t, pgtest.Akkoma)
	_, diags := plan(t, url, `user "amy" {}`)
	if got := summaries(diags); got != "01: Server URL unknown" {
		t.Errorf("diagnostics = %q", got)
	}
	p, diags := plan(t, url, `
server { url = "https://a.example/" }
user "amy" {}`)
	if diags.HasErrors() || p.Server.Flavor != server.Akkoma || p.Changes[0].Attr("ap_id").After != "https://a.example/users/amy" {
		t.Fatalf("plan = %+v, %s", p, diags.Error())
	}
}

func TestNotAServerDatabase(t *testing.T) {
	url := pgtest.New(t, pgtest.Fixture{Name: "empty", SQL: []string{"CREATE TABLE users (id int)"}})
	_, diags := plan(t, url, `user "amy" {}`)
	if !diags.HasErrors() || diags[0].Summary != "Unsupported database" {
		t.Fatalf("diagnostics = %v", diags)
	}
}

func TestConfiguredURLDiffersFromAccounts(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	p, diags := plan(t, url, `server { url = "https://other.example" }`)
	if diags.HasErrors() || len(diags) != 1 || diags[0].Summary != "Server URL differs from the accounts' addresses" {
		t.Fatalf("diagnostics = %v", diags)
	}
	if p.Server.URL != "https://other.example" {
		t.Errorf("the configured URL does not win: %q", p.Server.URL)
	}
}

func TestGroupAccountsAreManaged(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	pgtest.Exec(t, url, `UPDATE users SET actor_type = 'Group' WHERE nickname = 'dave'`)
	p, diags := plan(t, url, `user "dave" { locked = true }`)
	if diags.HasErrors() || len(p.Changes) != 1 || p.Changes[0].Action != plans.Update {
		t.Fatalf("a Pleroma Group account (users may choose the type) is not managed: %v %s", p, diags.Error())
	}
}

func TestTagsRepeatedInOtherCaseAreNoChange(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	pgtest.Exec(t, url, `UPDATE users SET tags = '{Staff,staff}' WHERE nickname = 'bob'`)
	p, diags := plan(t, url, `user "bob" { tags = ["staff"] }`)
	if diags.HasErrors() || !p.Empty() {
		t.Errorf("tags {Staff,staff} against [\"staff\"] changes: %v %s", p, diags.Error())
	}
}
