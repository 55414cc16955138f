package importer_test

import (
	"os"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/roster-project/roster/internal/importer"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func ptr[T any](v T) *T { return &v }

func state(users ...*live.User) *importer.State {
	return &importer.State{Info: server.Info{Flavor: server.Pleroma, Version: 20240904142434}, URL: "https://pl.example", Users: users}
}

func active(u *live.User) *live.User {
	u.Active, u.Confirmed, u.Approved = true, true, true
	return u
}

// Values roster's validation would refuse are left out, with a note, so that
// the written configuration always loads.
func TestGenerateLeavesOutWhatValidationRefuses(t *testing.T) {
	long := strings.Repeat("é", 101)
	f := importer.Generate(state(
		active(&live.User{Nickname: "alice", Email: ptr("not-an-address"), Name: ptr(long), Bio: strings.Repeat("x", 5001)}),
		active(&live.User{Nickname: "pleroma", Email: ptr("p@example.org")}),
		active(&live.User{Nickname: "bob", Name: ptr("  ")}),
	), false)
	got := string(f.Users)
	for _, absent := range []string{"not-an-address", long, "xxxxx", "\nuser \"pleroma\"", "p@example.org"} {
		if strings.Contains(got, absent) {
			t.Errorf("users.hcl holds %q:\n%s", absent, got)
		}
	}
	for _, want := range []string{`user "alice" {`, `user "bob" {`, `# user "pleroma" is not imported`} {
		if !strings.Contains(got, want) {
			t.Errorf("users.hcl lacks %q:\n%s", want, got)
		}
	}
	notes := strings.Join(f.Notes, "\n")
	for _, want := range []string{"user.alice: email left out", "user.alice: name left out", "user.alice: bio left out",
		"user.bob: name left out, it is blank", "user.pleroma: not imported"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	if f.Invites != nil || f.Vars != nil {
		t.Errorf("invite files written without invites")
	}
}

// Defaults are left out; what differs from them is written; the output is
// already formatted; a password is only ever a comment.
func TestGenerateDefaults(t *testing.T) {
	hash := "$pbkdf2-sha512$160000$c2FsdA$aGFzaA"
	f := importer.Generate(state(
		active(&live.User{Nickname: "plain", Name: ptr("plain"), PasswordHash: &hash}),
		&live.User{Nickname: "odd-1", Name: ptr("Odd"), Tags: []string{"B", "a", "b", "X\nadmin = true"}, Locked: true},
	), false)
	got := string(f.Users)
	if string(hclwrite.Format(f.Users)) != got {
		t.Errorf("users.hcl is not formatted:\n%s", got)
	}
	want := `user "plain" {
  # password = var.plain_password
}`
	if !strings.Contains(got, want) {
		t.Errorf("a default account is not an empty block:\n%s", got)
	}
	want = `user "odd-1" {
  name      = "Odd"
  locked    = true
  confirmed = false
  approved  = false
  active    = false
  tags      = ["a", "b"]
  # also tagged "B", "X\nadmin = true", with capitals: the server's untag never
  # removes such a tag, so roster leaves it as it is
  # password = var.odd_1_password
}`
	if !strings.Contains(got, want) {
		t.Errorf("want\n%s\nin\n%s", want, got)
	}
	if strings.Contains(got, "\nadmin = true") {
		t.Errorf("a stored tag's newline reached users.hcl:\n%s", got)
	}
	if strings.Contains(got, "pbkdf2") {
		t.Errorf("users.hcl holds the password hash")
	}
}

// Read leaves out internal actors and tombstones, derives the URL, and reads
// invites only when asked, leaving out used ones.
func TestReadSample(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	pgtest.Exec(t, url, `INSERT INTO user_invite_tokens (token, used, inserted_at, updated_at, uses, invite_type)
	  VALUES ('used-token', true, now(), now(), 1, 'one_time')`)
	pgtest.Exec(t, url, `UPDATE users SET is_active = false, password_hash = NULL, email = NULL, name = NULL WHERE nickname = 'dave'`)
	conn := pgtest.Connect(t, url)
	st, err := importer.Read(t.Context(), conn, false)
	if err != nil {
		t.Fatal(err)
	}
	var nicks []string
	for _, u := range st.Users {
		nicks = append(nicks, u.Nickname)
	}
	if got := strings.Join(nicks, " "); got != "bob erin root" {
		t.Errorf("users = %q, want bob erin root (not dave's tombstone, not the internal actors)", got)
	}
	if st.URL != "https://social.example.org" || st.Read != 6 || st.Skipped != 3 || st.Invites != nil {
		t.Errorf("URL %q, read %d, skipped %d, invites %v", st.URL, st.Read, st.Skipped, st.Invites)
	}
	st, err = importer.Read(t.Context(), conn, true)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Invites) != 1 || st.UsedInvites != 1 {
		t.Errorf("invites %d, used %d; want 1 and 1", len(st.Invites), st.UsedInvites)
	}
	f := importer.Generate(st, true)
	if strings.Contains(string(f.Invites), st.Invites[0].Token) || !strings.Contains(string(f.Vars), st.Invites[0].Token) {
		t.Errorf("the token must be in the variables file only:\n%s\n%s", f.Invites, f.Vars)
	}
}
