package listing

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
)

// Read is the read-only transaction of one listing (roster users, roster
// invites) and what it learned of the server first. Every pass over the
// rows in it sees the same ones.
type Read struct {
	Tx     pgx.Tx
	Server plans.Server
	Limits server.Limits
}

// Open begins a listing's read-only, repeatable-read transaction on db, so
// that a role that may only SELECT lists, and detects the server. url is
// the configuration's server URL, "" for the one the accounts' addresses
// give (as import derives it); lim is its nickname rule. A database of
// neither flavor is server.ErrUnknownSchema. Close it.
func Open(ctx context.Context, db live.Beginner, url string, lim server.Limits) (*Read, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	r := &Read{Tx: tx, Limits: lim}
	info, err := server.Detect(ctx, tx)
	if err != nil {
		r.Close(ctx)
		return nil, err
	}
	if url == "" {
		if url, err = server.DeriveBaseURL(ctx, tx, lim); err != nil {
			r.Close(ctx)
			return nil, err
		}
	}
	r.Server = plans.Server{Flavor: info.Flavor, Version: info.Version, URL: url, Known: info.Known()}
	return r, nil
}

// Close ends the transaction.
func (r *Read) Close(ctx context.Context) { r.Tx.Rollback(context.WithoutCancel(ctx)) }
