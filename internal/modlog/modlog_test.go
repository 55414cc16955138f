package modlog_test

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/roster-project/roster/internal/modlog"
)

var (
	root  = modlog.User{ID: "9pQtDGXuq4p3VlcJEm", Nickname: "root"}
	alice = modlog.User{ID: "9eoozpwTul5mjSEDRI", Nickname: "alice"}
	bob   = modlog.User{ID: "An75T6fhBmTajVBuNT", Nickname: "bob@remote.example"}
)

// The expected documents are written from the servers' sources
// (docs/moderation-log.md): prepare_log_data's actor, action and message,
// each clause's keys, user_to_map's id, nickname and type "user", and
// get_log_entry_message's text.
const (
	rootMap  = `{"id": "9pQtDGXuq4p3VlcJEm", "nickname": "root", "type": "user"}`
	aliceMap = `{"id": "9eoozpwTul5mjSEDRI", "nickname": "alice", "type": "user"}`
	bobMap   = `{"id": "An75T6fhBmTajVBuNT", "nickname": "bob@remote.example", "type": "user"}`
)

func TestEntryData(t *testing.T) {
	two := []modlog.User{alice, bob}
	tests := map[string]struct {
		entry modlog.Entry
		want  string
	}{
		"create": {modlog.Entry{Action: "create", Actor: root, Subject: two},
			`{"actor": ` + rootMap + `, "action": "create", "subjects": [` + aliceMap + `, ` + bobMap + `],
			  "message": "@root created users: @alice, @bob@remote.example"}`},
		"delete": {modlog.Entry{Action: "delete", Actor: root, Subject: two},
			`{"actor": ` + rootMap + `, "action": "delete", "subject": [` + aliceMap + `, ` + bobMap + `],
			  "message": "@root deleted users: @alice, @bob@remote.example"}`},
		"activate": {modlog.Entry{Action: "activate", Actor: root, Subject: two[:1]},
			`{"actor": ` + rootMap + `, "action": "activate", "subject": [` + aliceMap + `], "message": "@root activated users: @alice"}`},
		"deactivate": {modlog.Entry{Action: "deactivate", Actor: root, Subject: two},
			`{"actor": ` + rootMap + `, "action": "deactivate", "subject": [` + aliceMap + `, ` + bobMap + `],
			  "message": "@root deactivated users: @alice, @bob@remote.example"}`},
		"approve": {modlog.Entry{Action: "approve", Actor: root, Subject: two[:1]},
			`{"actor": ` + rootMap + `, "action": "approve", "subject": [` + aliceMap + `], "message": "@root approved users: @alice"}`},
		"confirm_email": {modlog.Entry{Action: "confirm_email", Actor: root, Subject: two[:1]},
			`{"actor": ` + rootMap + `, "action": "confirm_email", "subject": [` + aliceMap + `], "message": "@root confirmed email for users: @alice"}`},
		"updated_users": {modlog.Entry{Action: "updated_users", Actor: root, Subject: two[:1]},
			`{"actor": ` + rootMap + `, "action": "updated_users", "subject": [` + aliceMap + `], "message": "@root updated users: @alice"}`},
		"grant": {modlog.Entry{Action: "grant", Actor: root, Subject: two, Permission: "admin"},
			`{"actor": ` + rootMap + `, "action": "grant", "subject": [` + aliceMap + `, ` + bobMap + `], "permission": "admin",
			  "message": "@root made @alice, @bob@remote.example admin"}`},
		"revoke": {modlog.Entry{Action: "revoke", Actor: root, Subject: two[:1], Permission: "moderator"},
			`{"actor": ` + rootMap + `, "action": "revoke", "subject": [` + aliceMap + `], "permission": "moderator",
			  "message": "@root revoked moderator role from @alice"}`},
		"tag": {modlog.Entry{Action: "tag", Actor: root, Subject: two, Tags: []string{"staff", "bots"}},
			`{"actor": ` + rootMap + `, "action": "tag", "nicknames": ["alice", "bob@remote.example"], "tags": ["staff", "bots"],
			  "message": "@root added tags: staff, bots to users: @alice, @bob@remote.example"}`},
		"untag": {modlog.Entry{Action: "untag", Actor: root, Subject: two[:1], Tags: []string{"staff"}},
			`{"actor": ` + rootMap + `, "action": "untag", "nicknames": ["alice"], "tags": ["staff"],
			  "message": "@root removed tags: staff from users: @alice"}`},
		"unfollow": {modlog.Entry{Action: "unfollow", Actor: root, Follower: alice, Followed: bob},
			`{"actor": ` + rootMap + `, "action": "unfollow", "follower": ` + aliceMap + `, "followed": ` + bobMap + `,
			  "message": "@root made @alice unfollow @bob@remote.example"}`},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := tt.entry.JSON()
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(decode(t, tt.want), decode(t, string(got))); d != "" {
				t.Errorf("data (-want +got):\n%s", d)
			}
		})
	}
}

func decode(t *testing.T, s string) map[string]any {
	t.Helper()
	var out map[string]any
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatalf("%s: %v", s, err)
	}
	return out
}

func TestBatch(t *testing.T) {
	carol := modlog.User{ID: "9pQtDGXuq4p3VlcJEn", Nickname: "carol"}
	b := modlog.NewBatch(root)
	b.Add(modlog.Delete, carol)
	b.AddTag(modlog.Tag, "verified", alice)
	b.AddTag(modlog.Tag, "staff", alice)
	b.AddTag(modlog.Tag, "staff", carol)
	b.AddRole(modlog.Revoke, "moderator", carol)
	b.AddRole(modlog.Grant, "admin", alice)
	b.Add(modlog.UpdatedUsers, alice)
	b.Add(modlog.UpdatedUsers, alice) // two attributes of one account: listed once
	b.Add(modlog.Create, alice)
	b.Add(modlog.Deactivate, alice)
	b.Add(modlog.Deactivate, bob)
	var got []string
	for _, e := range b.Entries() {
		got = append(got, e.Message())
	}
	want := []string{
		"@root created users: @alice",
		"@root made @alice admin",
		"@root revoked moderator role from @carol",
		"@root deactivated users: @alice, @bob@remote.example",
		"@root added tags: verified to users: @alice",
		"@root added tags: staff to users: @alice, @carol",
		"@root updated users: @alice",
		"@root deleted users: @carol",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("entries (-want +got):\n%s", d)
	}
	if n := len(modlog.NewBatch(root).Entries()); n != 0 {
		t.Errorf("an empty batch has %d entries", n)
	}
}
