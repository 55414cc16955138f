package live

import (
	"context"
	"fmt"
)

// ByNickname is the SQL order of local accounts that ScanLocalUsersByNickname
// reads them in: by nickname lower-cased, byte by byte, then by id. For the
// nicknames roster manages (ASCII letters, digits, _ and -) it is the order
// of Go's strings.ToLower and <, whatever the database's collation: under
// the "C" collation lower() folds only ASCII letters and comparison is
// by bytes, where a database's own collation (en_US, ICU) would order by
// language rules and, for some locales, fold letters otherwise.
const ByNickname = `lower(nickname::text COLLATE "C") COLLATE "C", id`

// ScanLocalUsersByNickname reads every local account with a nickname, as
// ScanLocalUsers does, in the order ByNickname, and hands each to visit as
// it arrives: the database sorts, roster keeps no row. visit stops the scan
// by returning an error, which is returned as it is. Each row gets its own
// User, which visit may keep.
func ScanLocalUsersByNickname(ctx context.Context, q Querier, visit func(*User) error) error {
	_, stopped, err := readUsers(ctx, q, func(u *User) error { return visit(u.Clone()) },
		`SELECT `+Columns+` FROM users WHERE local AND nickname IS NOT NULL ORDER BY `+ByNickname)
	if err != nil {
		return fmt.Errorf("reading local users: %w", err)
	}
	return stopped
}
