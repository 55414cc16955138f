package server_test

import (
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
)

// TestDeriveBaseURL derives the base URL as the planner does: from the
// oldest local Person with a valid nickname and a <base>/users/<nick>
// ap_id, skipping remote accounts and the internal actors.
func TestDeriveBaseURL(t *testing.T) {
	ctx := t.Context()
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	if got, err := server.DeriveBaseURL(ctx, conn, server.DefaultLimits()); err != nil || got != "" {
		t.Fatalf("no accounts: %q, %v", got, err)
	}
	for _, row := range []struct{ id, nick, apID string }{
		{"00000001-0000-0000-0000-000000000001", "carol@remote.example", "https://remote.example/users/carol"},
		{"00000001-0000-0000-0000-000000000002", "internal.fetch", "https://social.example.org/internal/fetch"},
		{"00000001-0000-0000-0000-000000000003", "alice", "https://social.example.org/users/alice"},
		{"00000001-0000-0000-0000-000000000004", "bob", "https://other.example/users/bob"},
	} {
		if _, err := conn.Exec(ctx, `INSERT INTO users (id, nickname, ap_id, bio, local, actor_type, inserted_at, updated_at)
		  VALUES ($1, $2, $3, '', $4, 'Person', now(), now())`, row.id, row.nick, row.apID, row.nick != "carol@remote.example"); err != nil {
			t.Fatal(err)
		}
	}
	if got, err := server.DeriveBaseURL(ctx, conn, server.DefaultLimits()); err != nil || got != "https://social.example.org" {
		t.Errorf("got %q, %v; want https://social.example.org", got, err)
	}
}
