// Package live reads and locks the rows of a Pleroma or Akkoma database that
// roster compares and changes: local accounts (User), registration invites
// (Invite), the nicknames and addresses new accounts would take (Taken),
// the sessions sessions_valid_after ends and the accounts of remote
// domains (counts.go). It holds no policy: what to do with the rows is the
// planner's, and writing them is the applier's.
//
// Every read takes a Querier, and a caller that opens its own transaction
// a Beginner: *pgx.Conn and pgx.Tx satisfy them.
package live

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Querier is the read access of this package; pgx.Tx and *pgx.Conn
// satisfy it.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Beginner starts transactions; *pgx.Conn satisfies it.
type Beginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}
