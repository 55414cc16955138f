package applier

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/roster-project/roster/internal/pgtest"
)

// safeToRetry is an error that pgconn.SafeToRetry reports as sent before
// any byte reached the server.
type safeToRetry struct{ error }

func (safeToRetry) SafeToRetry() bool { return true }

func (e safeToRetry) Unwrap() error { return e.error }

// TestRolledBack: which failed commits are known to have written nothing.
func TestRolledBack(t *testing.T) {
	tests := map[string]struct {
		err  error
		want bool
	}{
		"transaction closed":        {pgx.ErrTxClosed, true},
		"server answered ROLLBACK":  {pgx.ErrTxCommitRollback, true},
		"ERROR":                     {&pgconn.PgError{Severity: "ERROR", SeverityUnlocalized: "ERROR", Code: "23503"}, true},
		"localized ERROR":           {&pgconn.PgError{Severity: "FEHLER", SeverityUnlocalized: "ERROR", Code: "40001"}, true},
		"wrapped ERROR":             {fmt.Errorf("x: %w", &pgconn.PgError{Severity: "ERROR", Code: "40001"}), true},
		"FATAL":                     {&pgconn.PgError{Severity: "FATAL", SeverityUnlocalized: "FATAL", Code: "57P01"}, false},
		"PANIC":                     {&pgconn.PgError{Severity: "PANIC", SeverityUnlocalized: "PANIC", Code: "XX000"}, false},
		"nothing sent":              {safeToRetry{errors.New("write failed")}, true},
		"conn closed (marked safe)": {safeToRetry{fmt.Errorf("conn closed: %w", pgconn.ErrConnClosed)}, false},
		"EOF":                       {io.ErrUnexpectedEOF, false},
		"cancelled while waiting":   {context.Canceled, false},
		"deadline while waiting":    {context.DeadlineExceeded, false},
	}
	for name, tt := range tests {
		if got := rolledBack(tt.err); got != tt.want {
			t.Errorf("%s: rolledBack(%v) = %v, want %v", name, tt.err, got, tt.want)
		}
	}
}

// TestCommitNotSent: a commit that cannot leave, on a connection closed
// before or with a context cancelled before, is a plain error (nothing was
// written), not a *CommitUnknownError.
func TestCommitNotSent(t *testing.T) {
	url := pgtest.New(t, pgtest.Pleroma)
	check := pgtest.Connect(t, url)
	for name, stop := range map[string]func(*pgx.Conn, context.CancelFunc){
		"connection closed": func(c *pgx.Conn, _ context.CancelFunc) { c.Close(t.Context()) },
		"context cancelled": func(_ *pgx.Conn, cancel context.CancelFunc) { cancel() },
	} {
		t.Run(name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			conn := pgtest.Connect(t, url)
			tx, err := conn.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, `CREATE TABLE written (id int)`); err != nil {
				t.Fatal(err)
			}
			stop(conn, cancel)
			err = commit(ctx, tx, "")
			var unknown *CommitUnknownError
			if err == nil || errors.As(err, &unknown) {
				t.Fatalf("commit = %v, want a plain error", err)
			}
			var n int
			if err := check.QueryRow(t.Context(), `SELECT count(*) FROM pg_tables WHERE tablename = 'written'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 0 {
				t.Error("the transaction was committed")
			}
		})
	}
}
