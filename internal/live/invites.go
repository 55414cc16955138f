package live

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Invite is a registration invite as read from user_invite_tokens.
type Invite struct {
	ID    int64
	Token string
	Used  bool
	// ExpiresAt is the last day the invite works, YYYY-MM-DD, or nil.
	ExpiresAt  *string
	Uses       int
	MaxUse     *int64
	InviteType string
}

const inviteColumns = `id, coalesce(token, ''), used, to_char(expires_at, 'YYYY-MM-DD'), uses, max_use::bigint, invite_type`

func scanInvites(rows pgx.Rows) ([]*Invite, error) {
	defer rows.Close()
	var out []*Invite
	for rows.Next() {
		i := &Invite{}
		if err := rows.Scan(&i.ID, &i.Token, &i.Used, &i.ExpiresAt, &i.Uses, &i.MaxUse, &i.InviteType); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// ReadInvites reads every invite in one query, ordered by id as the
// server's invites command lists them.
func ReadInvites(ctx context.Context, q Querier) ([]*Invite, error) {
	rows, err := q.Query(ctx, `SELECT `+inviteColumns+` FROM user_invite_tokens ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("reading invites: %w", err)
	}
	out, err := scanInvites(rows)
	if err != nil {
		return nil, fmt.Errorf("reading invites: %w", err)
	}
	return out, nil
}

// LockInvites reads the invites of the given ids and locks them for update.
func LockInvites(ctx context.Context, q Querier, ids []int64) (map[int64]*Invite, error) {
	rows, err := q.Query(ctx, `SELECT `+inviteColumns+` FROM user_invite_tokens WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("re-reading invites: %w", err)
	}
	invites, err := scanInvites(rows)
	if err != nil {
		return nil, fmt.Errorf("re-reading invites: %w", err)
	}
	out := make(map[int64]*Invite, len(invites))
	for _, i := range invites {
		out[i.ID] = i
	}
	return out, nil
}
