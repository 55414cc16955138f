package server_test

import (
	"os"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

func TestDetect(t *testing.T) {
	cases := map[string]struct {
		fixture pgtest.Fixture
		extra   string
		want    server.Info
		known   bool
	}{
		"pleroma 2.7": {fixture: pgtest.Pleroma,
			want: server.Info{Flavor: server.Pleroma, Version: server.NewestPleroma, UsersKeys: true, AcceptsChat: true}, known: true},
		"pleroma 2.7.0 release": {fixture: pgtest.Pleroma,
			extra: `DELETE FROM schema_migrations WHERE version > 20240729163838`,
			want:  server.Info{Flavor: server.Pleroma, Version: server.Pleroma270, UsersKeys: true, AcceptsChat: true}, known: true},
		"akkoma 2025.10": {fixture: pgtest.Akkoma,
			want: server.Info{Flavor: server.Akkoma, Version: server.NewestAkkoma, SigningKeys: true}, known: true},
		"akkoma between 2024.07 and 2025.01 keeps users.keys": {fixture: pgtest.Akkoma,
			extra: `ALTER TABLE users ADD COLUMN keys text; DELETE FROM schema_migrations WHERE version >= 20250112000002`,
			want:  server.Info{Flavor: server.Akkoma, Version: 20250112000001, SigningKeys: true, UsersKeys: true}, known: true},
		"pleroma migrated to akkoma keeps pleroma rows": {fixture: pgtest.Akkoma,
			extra: `INSERT INTO schema_migrations (version) VALUES (20240223165000), (20220116183110)`,
			want:  server.Info{Flavor: server.Akkoma, Version: server.NewestAkkoma, SigningKeys: true}, known: true},
		"newer than roster knows": {fixture: pgtest.Pleroma,
			extra: `INSERT INTO schema_migrations (version) VALUES (29990101000000)`,
			want:  server.Info{Flavor: server.Pleroma, Version: 29990101000000, UsersKeys: true, AcceptsChat: true}, known: false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			url := pgtest.New(t, tc.fixture)
			if tc.extra != "" {
				pgtest.Exec(t, url, tc.extra)
			}
			got, err := server.Detect(t.Context(), pgtest.Connect(t, url))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want || got.Known() != tc.known {
				t.Errorf("Detect = %+v (known %v), want %+v (known %v)", got, got.Known(), tc.want, tc.known)
			}
		})
	}
	t.Run("neither flavor", func(t *testing.T) {
		t.Parallel()
		url := pgtest.New(t, pgtest.Fixture{Name: "plain", SQL: []string{"CREATE TABLE t (id int)"}})
		if _, err := server.Detect(t.Context(), pgtest.Connect(t, url)); err == nil || !strings.Contains(err.Error(), "neither") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestAcceptsArgon2(t *testing.T) {
	for info, want := range map[server.Info]bool{
		{Flavor: server.Akkoma, Version: server.NewestAkkoma}:   true,
		{Flavor: server.Pleroma, Version: server.NewestPleroma}: true,
		{Flavor: server.Pleroma, Version: server.Pleroma270}:    false,
	} {
		if info.AcceptsArgon2() != want {
			t.Errorf("%v accepts argon2 = %v, want %v", info, !want, want)
		}
	}
}

func TestRules(t *testing.T) {
	lim := server.DefaultLimits()
	for nick, want := range map[string]bool{"alice": true, "a_b-c": true, "A1": true, "al ice": false, "alice\n": false,
		"alice.b": false, "é": false, "": false, "alice@host": false} {
		if lim.ValidNickname(nick) != want {
			t.Errorf("ValidNickname(%q) = %v", nick, !want)
		}
	}
	lim.ExtendedNicknameFormat = false
	if lim.ValidNickname("a_b") || !lim.ValidNickname("ab") {
		t.Error("without the extended format, only letters and digits pass")
	}
	lim = server.DefaultLimits()
	if !lim.Restricted("Relay", server.Pleroma) || !lim.Restricted("Relay", server.Auto) || lim.Restricted("Relay", server.Akkoma) || !lim.Restricted("relay", server.Akkoma) {
		t.Error("Pleroma compares the restricted list case-insensitively, Akkoma exactly, auto the stricter way")
	}
	for addr, want := range map[string]bool{"a@example.org": true, "a.b+c@x-y.example": true, "a@b": true,
		"a@-b.org": false, "@b.org": false, "a b@c.org": false, "a@b.org\n": false} {
		if server.ValidEmail(addr) != want {
			t.Errorf("ValidEmail(%q) = %v", addr, !want)
		}
	}
	if n := server.Graphemes(strings.Repeat("👩‍👩‍👧‍👦", 5000)); n != 5000 {
		t.Errorf("Graphemes of 5000 families = %d", n)
	}
	if got := server.BaseURLFromAPID("https://s.example/users/Bob", "bob"); got != "https://s.example" {
		t.Errorf("BaseURLFromAPID = %q", got)
	}
	if got := server.BaseURLFromAPID("https://s.example/relay", "relay"); got != "" {
		t.Errorf("BaseURLFromAPID of the relay = %q, want none", got)
	}
}
