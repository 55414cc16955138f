package applier

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// commit commits tx. When the commit failed and nothing was written, it
// returns the error wrapped as "commit: …"; when COMMIT may have
// reached the server but its answer did not come back, it returns a
// *CommitUnknownError whose Check is check.
func commit(ctx context.Context, tx pgx.Tx, check string) error {
	// A connection pgx closed before is reported as the same "conn closed"
	// error as one it closes when the read of COMMIT's answer fails, so
	// look now.
	closed := tx.Conn() != nil && tx.Conn().IsClosed()
	err := tx.Commit(ctx)
	switch {
	case err == nil:
		return nil
	case closed || rolledBack(err):
		return fmt.Errorf("commit: %w", err)
	}
	return &CommitUnknownError{Check: check, Err: err}
}

// rolledBack reports whether a failed commit, on a connection that was
// open, is known to have written nothing. pgx's Tx.Commit sends COMMIT as
// a simple query ("commit") and fails in one of these ways:
//
//   - ErrTxClosed: the transaction had ended already; COMMIT was not sent.
//   - ErrTxCommitRollback: the server answered ROLLBACK (the transaction
//     had failed).
//   - A *pgconn.PgError: the server answered with an error. Of severity
//     ERROR it aborted the transaction (PostgreSQL turns an error after
//     the commit record into a PANIC). FATAL and PANIC end the session or
//     the server, and a PANIC can come after the commit record was written,
//     so those are not known to have written nothing.
//   - An error that pgconn marks SafeToRetry: it happened before any byte
//     of COMMIT was sent (the context was done already, a write sent
//     nothing). pgx then closes the connection, and the server rolls back
//     a transaction whose connection closes. The exception is
//     pgconn.ErrConnClosed: pgx v5.12 also returns it, marked SafeToRetry,
//     when reading the answer fails after COMMIT was sent (the failed read
//     closes the connection, and the next read finds it closed).
//
// Anything else (a read or write error after COMMIT was sent, EOF, a
// timeout, a context cancelled while waiting for the answer) leaves the
// outcome unknown.
func rolledBack(err error) bool {
	if errors.Is(err, pgx.ErrTxClosed) || errors.Is(err, pgx.ErrTxCommitRollback) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		severity := pgErr.SeverityUnlocalized
		if severity == "" {
			severity = pgErr.Severity // servers before 9.6
		}
		return severity == "ERROR"
	}
	return pgconn.SafeToRetry(err) && !errors.Is(err, pgconn.ErrConnClosed)
}

// applyCheck says how to find out whether an apply was committed; invites
// counts the invites it creates, whose URLs were not shown.
func applyCheck(invites int) string {
	s := "Run roster plan: an empty plan means the apply was committed; a plan that shows these changes again means it was not, and roster apply makes them."
	if invites > 0 {
		s += " If it was committed, roster invites --show-urls prints the registration URLs of the new invites, which were not shown."
	}
	return s
}
