package live

import (
	"context"
	"fmt"

	"github.com/roster-project/roster/internal/account"
)

// User is a local account as read from the users table: the row whose
// columns the account table names.
type User = account.Row

// Columns are the users columns the planner reads and compares, in the
// order account.Row.ScanTargets scans them; the benchmarks read the same
// ones for their floor.
const Columns = account.Columns

// ReadLocalUsers reads every local account with a nickname in one query,
// handing each to visit as it arrives, so that a caller keeps only the rows
// it needs, whatever the size of the server. It returns the number of
// rows. The row visit is given is borrowed: it and its strings are valid
// only until visit returns, and the next row reuses them. A caller keeps a
// row with Clone. Reading allocates nothing for a row no caller keeps.
func ReadLocalUsers(ctx context.Context, q Querier, visit func(*User)) (int, error) {
	n, _, err := readUsers(ctx, q, func(u *User) error { visit(u); return nil },
		`SELECT `+Columns+` FROM users WHERE local AND nickname IS NOT NULL`)
	if err != nil {
		return n, fmt.Errorf("reading local users: %w", err)
	}
	return n, nil
}

// ScanLocalUsers is ReadLocalUsers handing visit rows of its own.
func ScanLocalUsers(ctx context.Context, q Querier, visit func(*User)) (int, error) {
	return ReadLocalUsers(ctx, q, func(u *User) { visit(u.Clone()) })
}

// readUsers runs sql, which selects Columns, and hands each row, borrowed,
// to visit, until visit returns an error: stopped, as visit returned it.
// err is an error of the read.
func readUsers(ctx context.Context, q Querier, visit func(*User) error, sql string, args ...any) (n int, stopped, err error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return 0, nil, err
	}
	defer rows.Close()
	var d *decoder
	var row User
	for rows.Next() {
		if d == nil {
			if d, err = newDecoder(rows, row.ScanTargets()); err != nil {
				return n, nil, err
			}
		}
		if err := d.decode(rows.RawValues()); err != nil {
			return n, nil, err
		}
		if err := visit(&row); err != nil {
			return n, err, nil
		}
		n++
	}
	return n, nil, rows.Err()
}

// LockUsers reads the rows of the given ids and locks them for update.
func LockUsers(ctx context.Context, q Querier, ids []string) (map[string]*User, error) {
	out := map[string]*User{}
	if _, _, err := readUsers(ctx, q, func(u *User) error { c := u.Clone(); out[c.ID] = c; return nil },
		`SELECT `+Columns+` FROM users WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE`, ids); err != nil {
		return nil, fmt.Errorf("re-reading users: %w", err)
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
