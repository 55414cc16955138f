package live

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/roster-project/roster/internal/account"
)

// CheckedAccount is a local account as checks read it: what says which
// account it is and whether roster manages it, the attributes checks see,
// and its times. It holds no secret: not the password hash, only whether there is
// one.
type CheckedAccount struct {
	ID, Nickname, ActorType string
	Invisible, HasPassword  bool
	Email, Name             *string
	Admin, Moderator        bool
	Confirmed, Approved     bool
	Locked, Active, MFA     bool
	// Tags are as stored, each once, in stored order.
	Tags []string
	// InsertedAt is when the account was created (UTC); LastActiveAt when
	// the server last saw it active, nil when never.
	InsertedAt   time.Time
	LastActiveAt *time.Time
}

// Tombstone reports whether the row is what the server's rm leaves of an
// account, as account.Row's Tombstone says.
func (a *CheckedAccount) Tombstone() bool {
	return !a.Active && !a.HasPassword && a.Email == nil && a.Name == nil
}

// checkedColumns are the columns ScanCheckedAccounts reads.
var checkedColumns = `id::text, nickname::text, actor_type, invisible, password_hash IS NOT NULL, email::text, name,
  is_admin, is_moderator, is_confirmed, is_approved, is_locked, is_active, coalesce(tags, '{}'), ` + account.MFAColumn() + `,
  inserted_at, last_active_at`

// ScanCheckedAccounts reads every local account with a nickname in one query,
// handing each to visit as it arrives, so that a caller keeps only what it
// needs. It returns the number of rows.
func ScanCheckedAccounts(ctx context.Context, q Querier, visit func(*CheckedAccount)) (int, error) {
	rows, err := q.Query(ctx, `SELECT `+checkedColumns+` FROM users WHERE local AND nickname IS NOT NULL`)
	if err != nil {
		return 0, fmt.Errorf("reading local users: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		a := &CheckedAccount{}
		if err := rows.Scan(&a.ID, &a.Nickname, &a.ActorType, &a.Invisible, &a.HasPassword, &a.Email, &a.Name,
			&a.Admin, &a.Moderator, &a.Confirmed, &a.Approved, &a.Locked, &a.Active, &a.Tags, &a.MFA,
			&a.InsertedAt, &a.LastActiveAt); err != nil {
			return n, fmt.Errorf("reading local users: %w", err)
		}
		a.Tags = dedupe(a.Tags)
		visit(a)
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("reading local users: %w", err)
	}
	return n, nil
}

// dedupe keeps the first of each tag, in order.
func dedupe(tags []string) []string {
	var out []string
	for _, t := range tags {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}
