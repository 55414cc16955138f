package live

import (
	"context"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/pgtest"
)

// TestDecoderReadsEveryColumnItself checks that through the extended
// protocol, as roster connects, the decoder reads every column of a users
// row itself, without pgx's scanning, which allocates; through the simple
// protocol the tags and times come as text, which pgx's type map reads.
func TestDecoderReadsEveryColumnItself(t *testing.T) {
	url := pgtest.New(t, pgtest.Pleroma)
	pgtest.Exec(t, url, `INSERT INTO users (id, nickname, bio, ap_id, local, inserted_at, updated_at)
	  VALUES (gen_random_uuid(), 'ann', '', 'https://social.example.org/users/ann', true, now(), now())`)
	for mode, generic := range map[pgx.QueryExecMode][]string{
		pgx.QueryExecModeCacheStatement: nil,
		pgx.QueryExecModeSimpleProtocol: {"inserted_at", "last_active_at", "coalesce"},
	} {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.DefaultQueryExecMode = mode
		conn, err := pgx.ConnectConfig(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.WithoutCancel(t.Context()))
		rows, err := conn.Query(t.Context(), `SELECT `+Columns+` FROM users`)
		if err != nil {
			t.Fatal(err)
		}
		if !rows.Next() {
			t.Fatal(rows.Err())
		}
		var row User
		d, err := newDecoder(rows, row.ScanTargets())
		if err != nil {
			t.Fatal(err)
		}
		rows.Close()
		var got []string
		for _, c := range d.cols {
			if c.decode == nil {
				got = append(got, c.name)
			}
		}
		if !slices.Equal(got, generic) {
			t.Errorf("%s: pgx's type map scans %q, want %q", mode, got, generic)
		}
	}
}
