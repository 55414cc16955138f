package live

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/account"
)

// User is a local account as read from the users table: the row whose
// columns the account table names.
type User = account.Row

// Columns are the users columns the planner reads and compares, in the
// order scanUser scans them; the benchmarks read the same ones for their
// floor.
const Columns = account.Columns

func scanUser(rows pgx.Rows, u *User) error {
	return rows.Scan(u.ScanTargets()...)
}

func scanUsers(rows pgx.Rows) ([]*User, error) {
	defer rows.Close()
	var out []*User
	for rows.Next() {
		u := &User{}
		if err := scanUser(rows, u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// ScanLocalUsers reads every local account with a nickname in one query,
// handing each to visit as it arrives, so that a caller keeps only the rows
// it needs, whatever the size of the server. It returns the number of rows.
func ScanLocalUsers(ctx context.Context, q Querier, visit func(*User)) (int, error) {
	return scanVisit(ctx, q, visit, `SELECT `+Columns+` FROM users WHERE local AND nickname IS NOT NULL`)
}

func scanVisit(ctx context.Context, q Querier, visit func(*User), sql string, args ...any) (int, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return 0, fmt.Errorf("reading local users: %w", err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		u := &User{}
		if err := scanUser(rows, u); err != nil {
			return n, fmt.Errorf("reading local users: %w", err)
		}
		visit(u)
		n++
	}
	if err := rows.Err(); err != nil {
		return n, fmt.Errorf("reading local users: %w", err)
	}
	return n, nil
}

// LockUsers reads the rows of the given ids and locks them for update.
func LockUsers(ctx context.Context, q Querier, ids []string) (map[string]*User, error) {
	rows, err := q.Query(ctx, `SELECT `+Columns+` FROM users WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, ids)
	if err != nil {
		return nil, fmt.Errorf("re-reading users: %w", err)
	}
	users, err := scanUsers(rows)
	if err != nil {
		return nil, fmt.Errorf("re-reading users: %w", err)
	}
	out := make(map[string]*User, len(users))
	for _, u := range users {
		out[u.ID] = u
	}
	return out, nil
}

// Taken is an account holding a nickname or e-mail address.
type Taken struct {
	ID, Nickname string
	Email        *string
	Local        bool
}

// ReadTaken returns the accounts, local or remote, whose nickname or e-mail
// equals one of the given ones case-insensitively (citext), in one query.
func ReadTaken(ctx context.Context, q Querier, nicks, emails []string) ([]Taken, error) {
	rows, err := q.Query(ctx, `SELECT id::text, coalesce(nickname::text, ''), email::text, local FROM users
	  WHERE nickname = ANY($1::citext[]) OR email = ANY($2::citext[])`, nicks, emails)
	if err != nil {
		return nil, fmt.Errorf("checking nicknames and e-mail addresses: %w", err)
	}
	defer rows.Close()
	var out []Taken
	for rows.Next() {
		var t Taken
		if err := rows.Scan(&t.ID, &t.Nickname, &t.Email, &t.Local); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
