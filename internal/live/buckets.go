package live

import (
	"context"
	"fmt"

	"github.com/roster-project/roster/internal/accountset"
)

// Account is an account's id and nickname.
type Account struct {
	ID, Nickname string
	Local        bool
}

// ReadBuckets reads the accounts whose ids fall in the given buckets
// (accountset.BucketOf), and only those: the local accounts with a
// nickname when domain is "", else the remote accounts of domain (as
// DomainOf reads it), in id order.
func ReadBuckets(ctx context.Context, q Querier, domain string, buckets []int) ([]Account, error) {
	if len(buckets) == 0 {
		return nil, nil
	}
	where, args := `u.local`, []any{buckets}
	if domain != "" {
		where, args = `NOT u.local AND `+fmt.Sprintf(DomainOf, "u")+` = $2`, append(args, domain)
	}
	rows, err := q.Query(ctx, `SELECT u.id::text, u.nickname::text, u.local FROM users u
	  WHERE u.nickname IS NOT NULL AND `+where+` AND `+accountset.BucketSQL+` = ANY($1::int[]) ORDER BY u.id`, args...)
	if err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.ID, &a.Nickname, &a.Local); err != nil {
			return nil, fmt.Errorf("reading accounts: %w", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading accounts: %w", err)
	}
	return out, nil
}
