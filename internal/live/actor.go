package live

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Actor is the account a configuration names as the actor of the server's
// moderation log (server.audit_actor).
type Actor struct {
	// ID is the row's id, as uuid text.
	ID       string
	Nickname string
	Local    bool
	Admin    bool
	Active   bool
}

const actorSQL = `SELECT id::text, nickname::text, local, is_admin, is_active FROM users WHERE nickname = $1::citext`

// ReadActor reads the account whose nickname is nick, compared
// case-insensitively as the server's citext column does; nil when there is
// none.
func ReadActor(ctx context.Context, q Querier, nick string) (*Actor, error) {
	return readActor(ctx, q, actorSQL, nick)
}

// LockActor is ReadActor that also locks the row FOR SHARE until the
// transaction ends, so that the account stays as read while the entries
// that name it are written.
func LockActor(ctx context.Context, q Querier, nick string) (*Actor, error) {
	return readActor(ctx, q, actorSQL+` FOR SHARE`, nick)
}

func readActor(ctx context.Context, q Querier, sql, nick string) (*Actor, error) {
	var a Actor
	err := q.QueryRow(ctx, sql, nick).Scan(&a.ID, &a.Nickname, &a.Local, &a.Admin, &a.Active)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the audit actor %q: %w", nick, err)
	}
	return &a, nil
}
