package listing

import (
	"context"
	"fmt"
	"time"

	"github.com/roster-project/roster/internal/live"
)

// State is what the server's registration would make of an invite today.
type State string

// The states of an invite, as the server's registration decides
// (server-semantics §2.6: valid_invite? by invite_type, the lookup by
// token).
const (
	// Usable: a registration with the invite's token succeeds.
	Usable State = "usable"
	// UsedUp: a reusable invite whose uses reached max_use.
	UsedUp State = "used_up"
	// Used: a one-time invite marked used. The server marks it so when a
	// registration uses it and when revoke_invite revokes it; the
	// database does not tell the two apart.
	Used State = "used"
	// Revoked: marked used by revoke_invite (or by roster's revoked =
	// true) before it was used up.
	Revoked State = "revoked"
	// Expired: a date-limited invite after its last day (UTC).
	Expired State = "expired"
	// Duplicate: another invite has the same token, so the server's lookup
	// by token fails and neither can be used.
	Duplicate State = "duplicate"
	// Invalid: an invite the server cannot check: an invite_type it does
	// not know, or a date-limited one without a date.
	Invalid State = "invalid"
)

// Invite is a registration invite as the listing shows it.
type Invite struct {
	ID   int64
	Type string
	// ExpiresAt is the last day the invite works, YYYY-MM-DD, or nil.
	ExpiresAt *string
	Uses      int
	MaxUse    *int64
	Used      bool
	// Created is when the invite was made (inserted_at, UTC).
	Created time.Time
	// Token is the invite's token, read only when asked for: it is the
	// secret a registration presents.
	Token string
	State State
}

// Reusable reports whether the server counts the invite's uses.
func (i *Invite) Reusable() bool {
	return i.Type == "reusable" || i.Type == "reusable_date_limited"
}

// invitesSQL reads the invites in id order, as the server's invites
// command lists them. $1 says whether to read the tokens; duplicates are
// found without reading them.
const invitesSQL = `SELECT id, invite_type, to_char(expires_at, 'YYYY-MM-DD'), uses, max_use::bigint, used, inserted_at,
  token IS NOT NULL AND count(*) OVER (PARTITION BY token) > 1,
  CASE WHEN $1::boolean THEN coalesce(token, '') ELSE '' END
  FROM user_invite_tokens ORDER BY id`

// ScanInvites reads the invites in id order, handing each to visit with its
// state on the UTC calendar day of today. Tokens are read only with
// tokens. An error from visit stops the scan and is returned.
func ScanInvites(ctx context.Context, q live.Querier, tokens bool, today time.Time, visit func(*Invite) error) error {
	rows, err := q.Query(ctx, invitesSQL, tokens)
	if err != nil {
		return fmt.Errorf("reading invites: %w", err)
	}
	defer rows.Close()
	day := today.UTC().Format(time.DateOnly)
	for rows.Next() {
		i := &Invite{}
		var dup bool
		if err := rows.Scan(&i.ID, &i.Type, &i.ExpiresAt, &i.Uses, &i.MaxUse, &i.Used, &i.Created, &dup, &i.Token); err != nil {
			return fmt.Errorf("reading invites: %w", err)
		}
		i.State = stateOf(i, dup, day)
		if err := visit(i); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading invites: %w", err)
	}
	return nil
}

// stateOf decides an invite's state on day (YYYY-MM-DD, UTC), as the
// server's registration would: what used = true means for its type first,
// then the lookup by token, then the type's own checks. A reusable invite
// without max_use has no limit (the server compares uses < nil, which
// Erlang's term order makes true).
func stateOf(i *Invite, dup bool, day string) State {
	usedUp := i.Reusable() && i.MaxUse != nil && int64(i.Uses) >= *i.MaxUse
	if i.Used {
		switch {
		case usedUp:
			return UsedUp
		case i.Type == "one_time":
			return Used
		}
		return Revoked
	}
	if dup {
		return Duplicate
	}
	switch i.Type {
	case "one_time", "reusable":
	case "date_limited", "reusable_date_limited":
		if i.ExpiresAt == nil {
			return Invalid
		}
		if day > *i.ExpiresAt {
			return Expired
		}
	default:
		return Invalid
	}
	if usedUp {
		return UsedUp
	}
	return Usable
}
