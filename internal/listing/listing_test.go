package listing

import (
	"strings"
	"testing"
)

func ptr[T any](v T) *T { return &v }

func TestFilters(t *testing.T) {
	alice := &Account{Nickname: "Alice", Email: ptr("alice@Example.org"), Admin: true, Active: true, Confirmed: true,
		Approved: true, Tags: []string{"staff", "a/b"}, Kind: User}
	bot := &Account{Nickname: "bot_1", Active: false, Confirmed: false, Approved: true, Locked: true, Kind: Other}
	relay := &Account{Nickname: "relay", Active: true, Confirmed: true, Approved: true, Kind: Internal}
	tests := map[string]struct {
		filter string
		match  []*Account
	}{
		"admin":            {"admin", []*Account{alice}},
		"not admin":        {"!admin", []*Account{bot, relay}},
		"word case":        {"Deactivated", []*Account{bot}},
		"unconfirmed":      {"unconfirmed", []*Account{bot}},
		"locked":           {"locked", []*Account{bot}},
		"unlocked":         {"unlocked", []*Account{alice, relay}},
		"tag":              {"tag=STAFF", []*Account{alice}},
		"tag star":         {"tag=*", []*Account{alice}},
		"no tags":          {"tag!=*", []*Account{bot, relay}},
		"tag slash":        {"tag=a*", []*Account{alice}},
		"nickname glob":    {"nickname=bot_?", []*Account{bot}},
		"nickname case":    {"nickname=alice", []*Account{alice}},
		"nickname literal": {"nickname=bot.1", nil},
		"email":            {"email=*@example.org", []*Account{alice}},
		"no email matches": {"email!=*@example.org", []*Account{bot, relay}},
		"kind":             {"kind=internal", []*Account{relay}},
		"not kind":         {"kind!=user", []*Account{bot, relay}},
		"spaces":           {" tag != staff ", []*Account{bot, relay}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			f, err := ParseFilter(tc.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []*Account
			for _, a := range []*Account{alice, bot, relay} {
				if f.Match(a) {
					got = append(got, a)
				}
			}
			if len(got) != len(tc.match) {
				t.Fatalf("%q matched %d accounts, want %d", tc.filter, len(got), len(tc.match))
			}
			for i := range got {
				if got[i] != tc.match[i] {
					t.Errorf("%q matched %s, want %s", tc.filter, got[i].Nickname, tc.match[i].Nickname)
				}
			}
		})
	}
}

func TestBadFilters(t *testing.T) {
	for filter, want := range map[string]string{
		"root":        `"root" is not a filter`,
		"admin=true":  `"admin=true" is not a filter`,
		"!tag=x":      `"!tag=x" is not a filter`,
		"tag=":        `"tag=" has no value`,
		"kind=person": `"kind=person" names no kind of account: the kinds are user, internal, deleted, other`,
		"":            `"" is not a filter`,
	} {
		_, err := ParseFilter(filter)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseFilter(%q) = %v, want an error with %q", filter, err, want)
		}
	}
}

func TestFilterSyntaxNamesEveryWord(t *testing.T) {
	syntax := FilterSyntax()
	for _, w := range wordNames() {
		if !strings.Contains(syntax, w) {
			t.Errorf("FilterSyntax does not name %q", w)
		}
	}
	for _, w := range wordNames() {
		if word(w) == nil {
			t.Errorf("FilterSyntax lists %q, which is not a filter", w)
		}
	}
}

func TestInviteStates(t *testing.T) {
	const today = "2030-06-15"
	tests := map[string]struct {
		inv  Invite
		dup  bool
		want State
	}{
		"one time":                   {Invite{Type: "one_time"}, false, Usable},
		"one time used":              {Invite{Type: "one_time", Used: true}, false, Used},
		"date limited today":         {Invite{Type: "date_limited", ExpiresAt: ptr("2030-06-15")}, false, Usable},
		"date limited yesterday":     {Invite{Type: "date_limited", ExpiresAt: ptr("2030-06-14")}, false, Expired},
		"date limited revoked":       {Invite{Type: "date_limited", ExpiresAt: ptr("2031-01-01"), Used: true}, false, Revoked},
		"date limited without date":  {Invite{Type: "date_limited"}, false, Invalid},
		"reusable":                   {Invite{Type: "reusable", Uses: 4, MaxUse: ptr[int64](5)}, false, Usable},
		"reusable used up":           {Invite{Type: "reusable", Uses: 5, MaxUse: ptr[int64](5), Used: true}, false, UsedUp},
		"reusable revoked":           {Invite{Type: "reusable", Uses: 1, MaxUse: ptr[int64](5), Used: true}, false, Revoked},
		"reusable max 0":             {Invite{Type: "reusable", MaxUse: ptr[int64](0)}, false, UsedUp},
		"reusable no max":            {Invite{Type: "reusable", Uses: 100}, false, Usable},
		"reusable date limited":      {Invite{Type: "reusable_date_limited", Uses: 1, MaxUse: ptr[int64](2), ExpiresAt: ptr("2030-12-31")}, false, Usable},
		"reusable date limited past": {Invite{Type: "reusable_date_limited", Uses: 2, MaxUse: ptr[int64](2), ExpiresAt: ptr("2020-12-31")}, false, Expired},
		"duplicate":                  {Invite{Type: "one_time"}, true, Duplicate},
		"duplicate revoked":          {Invite{Type: "one_time", Used: true}, true, Used},
		"unknown type":               {Invite{Type: "forever"}, false, Invalid},
	}
	for name, tc := range tests {
		if got := stateOf(&tc.inv, tc.dup, today); got != tc.want {
			t.Errorf("%s: state %s, want %s", name, got, tc.want)
		}
	}
}
