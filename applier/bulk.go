package applier

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// signOut queues the server's sign_out limited to what was issued before
// the instant: the account's OAuth tokens and authorizations older than it.
func (w *writer) signOut(c *plans.Change, after time.Time) {
	at := after.UTC().Format(live.TimestampLayout)
	for _, table := range []string{"oauth_tokens", "oauth_authorizations"} {
		w.queue(label{address: c.Address, statement: "DELETE FROM " + table},
			`DELETE FROM `+table+` WHERE user_id = $1 AND inserted_at < $2::text::timestamp`, c.ID, at)
	}
}

// signOutAll queues the server's sign_out (User.global_sign_out): every
// OAuth authorization and token of the account.
func (w *writer) signOutAll(c *plans.Change) {
	for _, table := range []string{"oauth_authorizations", "oauth_tokens"} {
		w.queue(label{address: c.Address, statement: "DELETE FROM " + table}, `DELETE FROM `+table+` WHERE user_id = $1`, c.ID)
	}
}

// planned is the count a remote_instance or local_users change was planned
// with.
func planned(c *plans.Change) int64 {
	if len(c.Attrs) == 1 {
		if n, ok := c.Attrs[0].Before.(int64); ok { // planfile.Read restores int64
			return n
		}
	}
	return -1
}

// remoteInstance deactivates (or activates) every account of the domain in
// the wrong state, one at a time in id order as the server's
// deactivate_all_from_instance does, each with the follow bookkeeping of
// set_activation. It locks the accounts first and refuses when their number
// moved since the plan.
func (w *writer) remoteInstance(ctx context.Context, c *plans.Change, cfg *schema.Config) error {
	var want *bool
	for _, r := range cfg.RemoteInstances {
		if r.Domain == c.Nickname {
			want = r.Active
		}
	}
	if want == nil {
		return fmt.Errorf("%s is in the plan but not in the configuration", c.Address)
	}
	ids, err := w.lockPlanned(ctx, c, `SELECT id::text FROM users u WHERE NOT u.local AND u.nickname IS NOT NULL
	  AND `+fmt.Sprintf(live.DomainOf, "u")+` = $1 AND u.is_active <> $2 ORDER BY u.id FOR UPDATE`, c.Nickname, *want)
	if err != nil {
		return err
	}
	if err := samePlanned(c, ids); err != nil {
		return err
	}
	w.audit.group(c.Address, ids)
	for _, id := range ids {
		l := label{address: c.Address, id: id}
		if _, err := w.tx.Exec(ctx, `UPDATE users SET is_active = $2, updated_at = $3 WHERE id = $1`, id, *want, w.now); err != nil {
			return &StatementError{Address: c.Address, Statement: "UPDATE users SET is_active", Err: redact(err)}
		}
		if err := w.followBookkeeping(ctx, l, true); err != nil {
			return err
		}
	}
	return nil
}

// localUsers confirms (or unconfirms) every local account local_users
// covers whose confirmation differs, as the server's confirm_all and
// unconfirm_all do (set_confirmation on each: a new confirmation token for
// each unconfirmed account). It runs after the users' changes and refuses
// when the number of accounts differs from the plan's.
func (w *writer) localUsers(ctx context.Context, c *plans.Change, cfg *schema.Config) error {
	want := *cfg.LocalUsers.Confirmed
	own := []string{} // accounts whose user block sets confirmed (nil would be NULL)
	for _, u := range cfg.Users {
		if u.Confirmed != nil {
			own = append(own, u.Nickname)
		}
	}
	ids, err := w.lockPlanned(ctx, c, `SELECT id::text FROM users
	  WHERE local AND nickname IS NOT NULL AND nickname NOT LIKE 'internal.%' AND NOT coalesce(invisible, false)
	    AND actor_type IS DISTINCT FROM 'Application' AND NOT is_admin AND NOT is_moderator AND is_confirmed <> $1
	    AND NOT (NOT is_active AND password_hash IS NULL AND email IS NULL AND name IS NULL)
	    AND NOT (nickname = ANY($2::citext[]))
	  ORDER BY id FOR UPDATE`, want, own)
	if err != nil {
		return err
	}
	if err := samePlanned(c, ids); err != nil {
		return err
	}
	w.audit.group(c.Address, ids)
	if want {
		_, err = w.tx.Exec(ctx, `UPDATE users SET is_confirmed = true, confirmation_token = NULL, updated_at = $2 WHERE id = ANY($1::uuid[])`, ids, w.now)
	} else {
		tokens := make([]string, len(ids))
		for i := range tokens {
			if tokens[i], err = confirmationToken(); err != nil {
				return err
			}
		}
		_, err = w.tx.Exec(ctx, `UPDATE users u SET is_confirmed = false, confirmation_token = v.token, updated_at = $3
		  FROM unnest($1::uuid[], $2::text[]) AS v(id, token) WHERE u.id = v.id`, ids, tokens, w.now)
	}
	if err != nil {
		return &StatementError{Address: c.Address, Statement: "UPDATE users SET is_confirmed", Err: redact(err)}
	}
	return nil
}

// accounts is "1 account" or "N accounts".
func accounts(n int64) string {
	if n == 1 {
		return "1 account"
	}
	return fmt.Sprintf("%d accounts", n)
}

// samePlanned refuses when ids, the accounts locked for c, are not the
// ones the plan recorded, even as many.
func samePlanned(c *plans.Change, ids []string) error {
	var set accountset.Set
	for _, id := range ids {
		set.Add(id)
	}
	if !slices.Equal(set.Buckets(), c.Accounts) {
		return &StaleError{Moved: []string{fmt.Sprintf("%s: the accounts to change are not the ones the plan counted", c.Address)}}
	}
	return nil
}

// lockPlanned locks the accounts sql selects (their ids) for a change that
// acts on many accounts, and refuses when their number is not the plan's.
func (w *writer) lockPlanned(ctx context.Context, c *plans.Change, sql string, args ...any) ([]string, error) {
	rows, err := w.tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, &StatementError{Address: c.Address, Statement: "SELECT FROM users", Err: redact(err)}
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, &StatementError{Address: c.Address, Statement: "SELECT FROM users", Err: redact(err)}
	}
	if n := int64(len(ids)); n != planned(c) {
		return nil, &StaleError{Moved: []string{fmt.Sprintf("%s: %s to change now, the plan counted %d", c.Address, accounts(n), planned(c))}}
	}
	return ids, nil
}
