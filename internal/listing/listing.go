// Package listing reads what `roster users` and `roster invites` list: the
// local accounts, each with the kind that says whether roster manages it,
// and the registration invites, each with the state the server's
// registration would find it in. It also parses the filters of `roster
// users`.
//
// It reads row by row, handing each row to a callback, so that a caller
// keeps only what it prints, whatever the size of the server. It never reads
// a secret it does not print: not the password hash (only whether there is
// one), and an invite's token only when asked for it. Rendering is the view
// package's job.
package listing

import (
	"context"
	"fmt"
	"strings"

	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
)

// Kind says what a local account is to roster.
type Kind string

// The kinds of local accounts.
const (
	// User is an account roster manages: a user's account whose nickname
	// passes the server's rule.
	User Kind = "user"
	// Internal is one of the server's own actors: internal.fetch, the
	// relay, or another invisible or Application actor.
	Internal Kind = "internal"
	// Deleted is what the server's rm leaves of an account (the purged
	// row, which keeps the nickname taken).
	Deleted Kind = "deleted"
	// Other is a user's account roster does not manage: its nickname is
	// outside the server's nickname rule (as server.extended_nickname_format
	// sets it).
	Other Kind = "other"
)

// allKinds returns the kinds, in the order the documentation lists them.
func allKinds() []Kind { return []Kind{User, Internal, Deleted, Other} }

// Account is a local account as the listing shows it. It holds no secret.
type Account struct {
	ID        string
	Nickname  string
	Email     *string
	Name      *string
	APID      string
	ActorType string
	Admin     bool
	Moderator bool
	Active    bool
	Confirmed bool
	Approved  bool
	Locked    bool
	// Tags are lower-cased, as the server writes them, without repeats,
	// in their stored order.
	Tags []string
	Kind Kind
}

// Managed reports whether roster manages the account.
func (a *Account) Managed() bool { return a.Kind == User }

// Roles are the account's roles, admin first.
func (a *Account) Roles() []string {
	var out []string
	if a.Admin {
		out = append(out, "admin")
	}
	if a.Moderator {
		out = append(out, "moderator")
	}
	return out
}

// States are the words that describe the account's state: active or
// deactivated, then whichever of unconfirmed, unapproved and locked
// apply.
func (a *Account) States() []string {
	out := []string{"active"}
	if !a.Active {
		out[0] = "deactivated"
	}
	if !a.Confirmed {
		out = append(out, "unconfirmed")
	}
	if !a.Approved {
		out = append(out, "unapproved")
	}
	if a.Locked {
		out = append(out, "locked")
	}
	return out
}

// accountsSQL reads every local account with a nickname, as the server's
// `user list` does (which leaves out only internal.* nicknames), ordered by
// nickname case-insensitively, byte by byte whatever the database's
// collation. It reads only whether a password hash is set.
const accountsSQL = `SELECT id::text, nickname::text, email::text, name, ap_id, actor_type, invisible,
  is_admin, is_moderator, is_active, is_confirmed, is_approved, is_locked, coalesce(tags, '{}'),
  password_hash IS NOT NULL
  FROM users WHERE local AND nickname IS NOT NULL
  ORDER BY lower(nickname::text) COLLATE "C", nickname::text COLLATE "C"`

// ScanAccounts reads the local accounts in nickname order in one query,
// handing each to visit as it arrives; an error from visit stops the scan
// and is returned. lim is the server's nickname rule, which decides between
// User and Other.
func ScanAccounts(ctx context.Context, q live.Querier, lim server.Limits, visit func(*Account) error) error {
	rows, err := q.Query(ctx, accountsSQL)
	if err != nil {
		return fmt.Errorf("reading local users: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var u live.User
		var hasPassword bool
		if err := rows.Scan(&u.ID, &u.Nickname, &u.Email, &u.Name, &u.APID, &u.ActorType, &u.Invisible,
			&u.Admin, &u.Moderator, &u.Active, &u.Confirmed, &u.Approved, &u.Locked, &u.Tags, &hasPassword); err != nil {
			return fmt.Errorf("reading local users: %w", err)
		}
		if hasPassword {
			// The planner's rules ask only whether a hash is set; the
			// listing never reads the hash itself.
			u.PasswordHash = new(string)
		}
		a := &Account{ID: u.ID, Nickname: u.Nickname, Email: u.Email, Name: u.Name, APID: u.APID, ActorType: u.ActorType,
			Admin: u.Admin, Moderator: u.Moderator, Active: u.Active, Confirmed: u.Confirmed, Approved: u.Approved,
			Locked: u.Locked, Tags: u.StoredTags(), Kind: kindOf(&u, lim)}
		if err := visit(a); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("reading local users: %w", err)
	}
	return nil
}

// kindOf classifies an account as the planner and import do: internal
// actors first (the server's own, whatever their nickname), then the purged
// rows, then what planner.Managed accepts.
func kindOf(u *live.User, lim server.Limits) Kind {
	switch {
	case u.ActorType == "Application" || u.Invisible || strings.HasPrefix(strings.ToLower(u.Nickname), "internal."):
		return Internal
	case u.Tombstone():
		return Deleted
	case lim.Managed(u.Nickname, u.ActorType, u.Invisible):
		return User
	}
	return Other
}

// BaseURL returns the server's base URL as the planner and import derive it
// when the configuration gives none: from the ap_id of the oldest local
// person whose nickname passes the rule and whose ap_id has the form
// <base>/users/<nickname>. It reads in id order and stops at the first such
