package server

import (
	"context"
	"fmt"

	"github.com/roster-project/roster/internal/live"
)

// DeriveBaseURL returns the server's base URL as the planner derives it when
// the configuration sets no server.url: from the ap_id of the oldest local
// Person whose nickname passes lim's rule and whose ap_id has the form
// <base>/users/<nickname>; "" when no account has one. It stops at the first
// such account, for the commands that read nothing else of the accounts
// (the planner and import take it from their one scan instead).
func DeriveBaseURL(ctx context.Context, q live.Querier, lim Limits) (string, error) {
	rows, err := q.Query(ctx, `SELECT nickname::text, ap_id FROM users
	  WHERE local AND nickname IS NOT NULL AND actor_type = 'Person' ORDER BY id`)
	if err != nil {
		return "", fmt.Errorf("reading the local accounts' addresses: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var nick, apID string
		if err := rows.Scan(&nick, &apID); err != nil {
			return "", fmt.Errorf("reading the local accounts' addresses: %w", err)
		}
		if base := BaseURLFromAPID(apID, nick); base != "" && lim.ValidNickname(nick) {
			return base, nil
		}
	}
	if err := rows.Err(); err != nil {
		return "", fmt.Errorf("reading the local accounts' addresses: %w", err)
	}
	return "", nil
}
