package applier

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
)

// The actions are the server's imperative user commands that roster carries
// out in the database (server-semantics §2.8-§2.18): sign_out,
// reset_password, fix_follow_state, and delete_activities, which roster only
// counts. Each comes in two steps, as plan and apply do: PlanX reads what
// the action would do in one read-only transaction, and X does it in one
// transaction under roster's lock, after reading it again and refusing,
// with a *StaleError, when it moved since.

// Account is an account an action names, as read from users.
type Account struct {
	ID       string
	Nickname string
	APID     string
	Local    bool
	Active   bool
}

// Address is the account's address in roster's messages, e.g. user.alice.
func (a Account) Address() string { return addrs.Of("user", a.Nickname) }

// RefusedError is returned when an action does not apply: an account does
// not exist or is not of the kind the action needs, or the state is not
// the one the action repairs. Nothing was written.
type RefusedError struct {
	// Summary is a short phrase, e.g. `No local account "alice"`.
	Summary string
	// Detail says why, and what to do instead.
	Detail string
}

func (e *RefusedError) Error() string { return "" + e.Summary + ": " + e.Detail }

// readAction runs read in a read-only, repeatable-read transaction, with
// the server's flavor and schema version.
func readAction(ctx context.Context, db live.Beginner, read func(tx pgx.Tx, info server.Info) error) error {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("cannot read the database: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	info, err := server.Detect(ctx, tx)
	if err != nil {
		return err
	}
	return read(tx, info)
}

// runAction runs write in one read-committed transaction under roster's
// lock, once it has checked that the database is still the one the action
// was planned against, and commits. On any error nothing is written, except
// on a *CommitUnknownError, whose Check is check: how to find out whether
// the action was committed.
func runAction(ctx context.Context, db live.Beginner, planned server.Info, opts Options, check string, write func(tx pgx.Tx, now time.Time) error) error {
	if opts.LockTimeout == 0 {
		opts.LockTimeout = 10 * time.Second
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if !planned.Known() && !opts.AllowUnknownVersion {
		return &UnknownVersionError{Version: planned.Version, Newest: planned.Newest()}
	}
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := Lock(ctx, tx, opts.LockTimeout); err != nil {
		return err
	}
	info, err := server.Detect(ctx, tx)
	if err != nil {
		return err
	}
	if info.Flavor != planned.Flavor || info.Version != planned.Version {
		return &StaleError{Moved: []string{fmt.Sprintf("the database is now %s; the action was read from %s", info, planned)}}
	}
	if err := write(tx, opts.Now().UTC().Truncate(time.Second)); err != nil {
		return err
	}
	if err := commit(ctx, tx, check); err != nil {
		return err
	}
	committed = true
	return nil
}

const accountColumns = `id::text, nickname::text, ap_id, local, is_active`

// findAccount reads the account with that nickname, compared
// case-insensitively as the server's citext column does; nil when there is
// none.
func findAccount(ctx context.Context, q live.Querier, nick string) (*Account, error) {
	var a Account
	err := q.QueryRow(ctx, `SELECT `+accountColumns+` FROM users WHERE nickname = $1::citext`, nick).
		Scan(&a.ID, &a.Nickname, &a.APID, &a.Local, &a.Active)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the account %q: %w", nick, err)
	}
	return &a, nil
}

// localAccount reads the local account with that nickname, as the server's
// user commands look it up (User.get_cached_by_nickname, then a match on
// %User{local: true}), or refuses.
func localAccount(ctx context.Context, q live.Querier, nick, command string) (*Account, error) {
	a, err := findAccount(ctx, q, nick)
	switch {
	case err != nil:
		return nil, err
	case a == nil:
		return nil, &RefusedError{Summary: fmt.Sprintf("No local account %q", nick),
			Detail: fmt.Sprintf("The database has no account with the nickname %q. Check the nickname: it is the part before the @ of a local address, e.g. alice for @alice@social.example.org.", nick)}
	case !a.Local:
		return nil, &RefusedError{Summary: fmt.Sprintf("%q is not a local account", a.Nickname),
			Detail: fmt.Sprintf("%s is an account of another server; the server's %s acts only on its own local accounts. Name a local account.", a.Nickname, command)}
	}
	return a, nil
}

// recheckAccount reads the account again under the lock and reports, as a
// *StaleError, when it is gone or no longer the same local account.
func recheckAccount(ctx context.Context, tx pgx.Tx, a Account) error {
	var now Account
	err := tx.QueryRow(ctx, `SELECT `+accountColumns+` FROM users WHERE id = $1`, a.ID).
		Scan(&now.ID, &now.Nickname, &now.APID, &now.Local, &now.Active)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return &StaleError{Moved: []string{a.Address() + ": the account no longer exists"}}
	case err != nil:
		return fmt.Errorf("re-reading %s: %w", a.Address(), err)
	case now.Nickname != a.Nickname || now.APID != a.APID || now.Local != a.Local:
		return &StaleError{Moved: []string{a.Address() + ": the account changed"}}
	}
	return nil
}

// SignOutPlan is what sign_out would delete.
type SignOutPlan struct {
	Server  server.Info
	Account Account
	// Tokens and Authorizations count the account's oauth_tokens and
	// oauth_authorizations rows.
	Tokens, Authorizations int
}

// Empty reports whether the account has nothing to sign out of.
func (p *SignOutPlan) Empty() bool { return p.Tokens == 0 && p.Authorizations == 0 }

// PlanSignOut reads what the server's sign_out would delete for the local
// account nick: its OAuth tokens and authorizations (User.global_sign_out,
// PL user.ex:2675-2678, AK user.ex:2517-2520).
func PlanSignOut(ctx context.Context, db live.Beginner, nick string) (*SignOutPlan, error) {
	var p *SignOutPlan
	err := readAction(ctx, db, func(tx pgx.Tx, info server.Info) error {
		a, err := localAccount(ctx, tx, nick, "sign_out")
		if err != nil {
			return err
		}
		p = &SignOutPlan{Server: info, Account: *a}
		return tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM oauth_tokens WHERE user_id = $1),
		  (SELECT count(*) FROM oauth_authorizations WHERE user_id = $1)`, a.ID).Scan(&p.Tokens, &p.Authorizations)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// SignOutResult counts the rows a sign-out deleted: every token and
// authorization the account had when it ran, which may be more than the
// plan counted if the user signed in meanwhile.
type SignOutResult struct {
	Tokens, Authorizations int
}

// SignOut deletes the account's oauth_authorizations, then its
// oauth_tokens, as the server's sign_out does, and nothing else (the
// database cascades to the MFA tokens of those authorizations and the push
// subscriptions of those tokens, as it does for the server).
func SignOut(ctx context.Context, db live.Beginner, p *SignOutPlan, opts Options) (SignOutResult, error) {
	var res SignOutResult
	check := fmt.Sprintf("Run roster sign-out %s again: if it finds no OAuth tokens or authorizations, the sign-out was committed; if it finds some, approving it signs %s out.", p.Account.Nickname, p.Account.Nickname)
	err := runAction(ctx, db, p.Server, opts, check, func(tx pgx.Tx, _ time.Time) error {
		if err := recheckAccount(ctx, tx, p.Account); err != nil {
			return err
		}
		fail := func(stmt string, err error) error {
			return &StatementError{Address: p.Account.Address(), Statement: stmt, Err: redact(err)}
		}
		tag, err := tx.Exec(ctx, `DELETE FROM oauth_authorizations WHERE user_id = $1`, p.Account.ID)
		if err != nil {
			return fail("DELETE FROM oauth_authorizations", err)
		}
		res.Authorizations = int(tag.RowsAffected())
		if tag, err = tx.Exec(ctx, `DELETE FROM oauth_tokens WHERE user_id = $1`, p.Account.ID); err != nil {
			return fail("DELETE FROM oauth_tokens", err)
		}
		res.Tokens = int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return SignOutResult{}, err
	}
	return res, nil
}

// ResetPlan is a password reset token to create.
type ResetPlan struct {
	Server  server.Info
	Account Account
}

// PlanResetPassword reads the local account nick, for which the server's
// reset_password would create a token.
func PlanResetPassword(ctx context.Context, db live.Beginner, nick string) (*ResetPlan, error) {
	var p *ResetPlan
	err := readAction(ctx, db, func(tx pgx.Tx, info server.Info) error {
		a, err := localAccount(ctx, tx, nick, "reset_password")
		if err != nil {
			return err
		}
		p = &ResetPlan{Server: info, Account: *a}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// ResetResult is the token a password reset created. Token is a secret:
// whoever has it sets the account's password. Print it only where the
// caller was asked to, never in a log or an error.
type ResetResult struct {
	Token      string
	InsertedAt time.Time
}

// ResetPassword inserts a password_reset_tokens row as the server's
// PasswordResetToken.create_token does (password_reset_token.ex:22-33, the
// same in both flavors): a token of 32 random bytes in url-safe base64 with
// padding (44 characters), used = false, and the timestamps in whole UTC
// seconds. The password, password_reset_pending and the sessions stay as
// they are until the link is used.
func ResetPassword(ctx context.Context, db live.Beginner, p *ResetPlan, opts Options) (ResetResult, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return ResetResult{}, err
	}
	res := ResetResult{Token: base64.URLEncoding.EncodeToString(b)}
	check := fmt.Sprintf("If it was committed, a reset token for %s exists whose URL was never shown, so nobody can use it, and it expires unused. Run roster reset-password %s again for a new URL.", p.Account.Nickname, p.Account.Nickname)
	err := runAction(ctx, db, p.Server, opts, check, func(tx pgx.Tx, now time.Time) error {
		if err := recheckAccount(ctx, tx, p.Account); err != nil {
			return err
		}
		res.InsertedAt = now
		if _, err := tx.Exec(ctx, `INSERT INTO password_reset_tokens (token, user_id, used, inserted_at, updated_at)
		  VALUES ($1, $2, false, $3, $3)`, res.Token, p.Account.ID, now); err != nil {
			return &StatementError{Address: p.Account.Address(), Statement: "INSERT INTO password_reset_tokens", Err: redact(err)}
		}
		return nil
	})
	if err != nil {
		return ResetResult{}, err
	}
	return res, nil
}

// ActivitiesPlan counts the activities of an account that the server's
// delete_activities acts on (User.delete_user_activities, PL
// user.ex:2158-2193, AK user.ex:1928-1963): a Delete for each Create (a
// post), an Undo for each Like and each Announce (a repeat). Other
// activities it leaves alone.
type ActivitiesPlan struct {
	Server                server.Info
	Account               Account
	Posts, Likes, Repeats int
	Other                 int
}

// PlanDeleteActivities counts the activities of the local account nick.
// roster does not delete them: see docs/delete-activities.md.
func PlanDeleteActivities(ctx context.Context, db live.Beginner, nick string) (*ActivitiesPlan, error) {
	var p *ActivitiesPlan
	err := readAction(ctx, db, func(tx pgx.Tx, info server.Info) error {
		a, err := localAccount(ctx, tx, nick, "delete_activities")
		if err != nil {
			return err
		}
		p = &ActivitiesPlan{Server: info, Account: *a}
		return tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE data->>'type' = 'Create'),
		    count(*) FILTER (WHERE data->>'type' = 'Like'), count(*) FILTER (WHERE data->>'type' = 'Announce'),
		    count(*) FILTER (WHERE data->>'type' IS DISTINCT FROM 'Create' AND data->>'type' IS DISTINCT FROM 'Like'
		      AND data->>'type' IS DISTINCT FROM 'Announce')
		  FROM activities WHERE actor = $1`, a.APID).Scan(&p.Posts, &p.Likes, &p.Repeats, &p.Other)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}
