package view_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/listing"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

func ptr[T any](v T) *T { return &v }

func sampleAccounts() []*listing.Account {
	return []*listing.Account{
		{ID: "00000195-5628-5e28-5a3c-9e17b2d40000", Nickname: "alice", Email: ptr("alice@example.org"), Name: ptr("Alice"),
			APID: "https://social.example.org/users/alice", ActorType: "Person", Admin: true, Moderator: true,
			Active: true, Confirmed: true, Approved: true, Tags: []string{"staff", "ops"}, Kind: listing.User},
		{ID: "00000195-5628-5e28-5a3c-9e17b2d40001", Nickname: "bob", APID: "https://social.example.org/users/bob",
			ActorType: "Person", Active: false, Confirmed: false, Approved: true, Locked: true, Kind: listing.User},
		{ID: "00000195-5628-5e28-5a3c-9e17b2d40002", Nickname: "relay", APID: "https://social.example.org/relay",
			ActorType: "Application", Active: true, Confirmed: true, Approved: true, Kind: listing.Internal},
	}
}

func usersTable(email bool, width int, accounts []*listing.Account) string {
	var b bytes.Buffer
	t := view.NewUsersTable(&b, view.Style{}, email)
	for _, a := range accounts {
		t.Measure(a)
	}
	t.Fit(width)
	t.Header()
	for _, a := range accounts {
		t.Row(a)
	}
	return b.String()
}

func TestUsersTable(t *testing.T) {
	golden(t, "users.txt", []byte(usersTable(true, 0, sampleAccounts())))
}

func TestUsersTableFits(t *testing.T) {
	long := &listing.Account{Nickname: "a_very_long_nickname_indeed", Active: true, Confirmed: false, Approved: false, Locked: true,
		Tags: []string{"one", "two", "three", "four", "five"}, Kind: listing.User}
	accounts := append(sampleAccounts(), long)
	whole := usersTable(false, 0, accounts)
	if !strings.Contains(whole, "a_very_long_nickname_indeed") || !strings.Contains(whole, "one,two,three,four,five") {
		t.Fatalf("without a width, a cell was cut:\n%s", whole)
	}
	fit := usersTable(false, 60, accounts)
	for _, line := range strings.Split(strings.TrimSuffix(fit, "\n"), "\n") {
		if n := len([]rune(line)); n > 60 {
			t.Errorf("line of %d characters in a table fitted to 60:\n%s", n, fit)
		}
	}
	if !strings.Contains(fit, "…") || !strings.Contains(fit, "admin,moderator") {
		t.Errorf("the table was not cut to fit, or ROLES was cut:\n%s", fit)
	}
	// Too narrow to fit: columns stop at their minimum, heads stay whole.
	narrow := usersTable(false, 10, accounts)
	head, _, _ := strings.Cut(narrow, "\n")
	if got := strings.Join(strings.Fields(head), " "); got != "NICKNAME ROLES STATE KIND TAGS" {
		t.Errorf("heads were cut: %q", got)
	}
	if !strings.Contains(narrow, "a_very_lo… ") || !strings.Contains(narrow, " deactivate… ") {
		t.Errorf("columns were not cut to their minimum:\n%s", narrow)
	}
}

func TestTableCellsAreSanitized(t *testing.T) {
	a := &listing.Account{Nickname: "eve", Active: true, Confirmed: true, Approved: true,
		Tags: []string{"x\x1b[31mred", "line\nbreak", "rtl\u202eflip", "zero\u200bwidth"}, Kind: listing.User}
	out := usersTable(false, 0, []*listing.Account{a})
	if strings.ContainsAny(out[:len(out)-1], "\x1b\r") || strings.Count(out, "\n") != 2 {
		t.Errorf("a control character reached the output: %q", out)
	}
	if !strings.Contains(out, `x\x1b[31mred,line\nbreak,rtl\u202eflip,zero\u200bwidth`) {
		t.Errorf("control and format characters not escaped: %q", out)
	}
}

func TestTableWideCharacters(t *testing.T) {
	var b bytes.Buffer
	tb := view.NewTable(&b, view.Style{}, view.Column{Head: "A", Min: 3}, view.Column{Head: "B"})
	tb.Measure("日本語のタグ", "x")
	// A is cut to 6 cells; two wide characters and "…" take 5, as a third
	// would not fit, and a space pads the sixth.
	tb.Fit(9)
	tb.Header()
	tb.Row("日本語のタグ", "x")
	if got, want := b.String(), "A       B\n日本…   x\n"; got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func sampleInvites() []*listing.Invite {
	created := time.Date(2025, 6, 3, 14, 22, 9, 0, time.UTC)
	return []*listing.Invite{
		{ID: 1, Type: "one_time", Created: created, Token: "canary-token-one", State: listing.Usable},
		{ID: 2, Type: "reusable_date_limited", ExpiresAt: ptr("2027-03-31"), Uses: 2, MaxUse: ptr[int64](5),
			Created: created, Token: "canary-token-two", State: listing.Usable},
		{ID: 3, Type: "reusable", Uses: 3, MaxUse: ptr[int64](3), Used: true, Created: created, Token: "canary-token-three", State: listing.UsedUp},
	}
}

func invitesTable(show bool, baseURL string) string {
	var b bytes.Buffer
	t := view.NewInvitesTable(&b, view.Style{}, show, baseURL)
	for _, i := range sampleInvites() {
		t.Measure(i)
	}
	t.Fit(40)
	t.Header()
	for _, i := range sampleInvites() {
		t.Row(i)
	}
	return b.String()
}

func TestInvitesTable(t *testing.T) {
	hidden := invitesTable(false, "https://social.example.org")
	if strings.Contains(hidden, "canary") || strings.Contains(hidden, "registration") {
		t.Errorf("a token without --show-urls:\n%s", hidden)
	}
	golden(t, "invites.txt", []byte(hidden))
	shown := invitesTable(true, "https://social.example.org/")
	if !strings.Contains(shown, " https://social.example.org/registration/canary-token-three\n") {
		t.Errorf("no whole URL with --show-urls and a width of 40:\n%s", shown)
	}
	tokens := invitesTable(true, "")
	if !strings.Contains(tokens, "TOKEN") || !strings.Contains(tokens, " canary-token-one\n") {
		t.Errorf("no tokens without a server URL:\n%s", tokens)
	}
}

var sampleServer = plans.Server{Flavor: "pleroma", Version: 20240904142434, URL: "https://social.example.org", Known: true}

func TestUsersJSON(t *testing.T) {
	var b bytes.Buffer
	doc := view.NewUsersJSON(&b, sampleServer, "0.1.0")
	for _, a := range sampleAccounts() {
		if err := doc.Add(a); err != nil {
			t.Fatal(err)
		}
	}
	if err := doc.Close(); err != nil {
		t.Fatal(err)
	}
	golden(t, "users.json", b.Bytes())
	var parsed struct {
		Users []map[string]any `json:"users"`
	}
	if err := json.Unmarshal(b.Bytes(), &parsed); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if len(parsed.Users) != 3 || parsed.Users[1]["email"] != nil || parsed.Users[2]["managed"] != false {
		t.Errorf("unexpected users: %v", parsed.Users)
	}
	if tags, ok := parsed.Users[1]["tags"].([]any); !ok || len(tags) != 0 {
		t.Errorf("no tags are not []: %v", parsed.Users[1]["tags"])
	}

	b.Reset()
	doc = view.NewUsersJSON(&b, sampleServer, "0.1.0")
	if err := doc.Close(); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(b.String(), "\n  \"users\": []\n}\n") || !json.Valid(b.Bytes()) {
		t.Errorf("an empty listing:\n%s", b.String())
	}
}

func TestInvitesJSON(t *testing.T) {
	render := func(show bool, srv plans.Server) []byte {
		var b bytes.Buffer
		doc := view.NewInvitesJSON(&b, srv, "0.1.0", show)
		for _, i := range sampleInvites() {
			if err := doc.Add(i); err != nil {
				t.Fatal(err)
			}
		}
		if err := doc.Close(); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(b.Bytes()) {
			t.Fatalf("not JSON:\n%s", b.String())
		}
		return b.Bytes()
	}
	hidden := render(false, sampleServer)
	if bytes.Contains(hidden, []byte("canary")) || bytes.Contains(hidden, []byte(`"token"`)) {
		t.Errorf("a token without --show-urls:\n%s", hidden)
	}
	golden(t, "invites.json", hidden)
	shown := render(true, sampleServer)
	if !bytes.Contains(shown, []byte(`"token": "canary-token-two",
      "url": "https://social.example.org/registration/canary-token-two"`)) {
		t.Errorf("no token and URL with --show-urls:\n%s", shown)
	}
	noURL := sampleServer
	noURL.URL = ""
	if shown := render(true, noURL); !bytes.Contains(shown, []byte(`"token": "canary-token-one",
      "url": null`)) {
		t.Errorf("the URL is not null without a server URL:\n%s", shown)
	}
}
