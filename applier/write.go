package applier

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/server/flake"
	"github.com/roster-project/roster/internal/server/keys"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// writer queues the statements of one apply and runs them in as few round
// trips as the server's semantics allow.
type writer struct {
	tx      pgx.Tx
	info    server.Info
	now     time.Time
	baseURL string
	// endSessions is server.end_sessions: deactivating an account or
	// revoking one of its roles also ends its sessions.
	endSessions bool
	// audit records what the moderation log entries name; nil when the
	// plan names no actor.
	audit *auditLog

	batch  pgx.Batch
	labels []label
	// activations are accounts whose is_active changes. The server
	// processes them one at a time, each as an UPDATE followed by its
	// follow bookkeeping, so they run in plan order after the batch.
	activations []activation
}

type label struct{ address, statement, id string }

type activation struct {
	label
	active bool
}

func (w *writer) queue(l label, sql string, args ...any) {
	w.batch.Queue(sql, args...)
	w.labels = append(w.labels, l)
}

// flush sends the queued statements in one round trip and runs the
// follow bookkeeping of activations.
func (w *writer) flush(ctx context.Context) error {
	// The queue is emptied first, so that flush can run again for the
	// statements queued after it.
	batch, labels, activations := w.batch, w.labels, w.activations
	w.batch, w.labels, w.activations = pgx.Batch{}, nil, nil
	if batch.Len() > 0 {
		br := w.tx.SendBatch(ctx, &batch)
		for _, l := range labels {
			if _, err := br.Exec(); err != nil {
				br.Close()
				return &StatementError{Address: l.address, Statement: l.statement, Err: redact(err)}
			}
		}
		if err := br.Close(); err != nil {
			return fmt.Errorf("%w", err)
		}
	}
	for _, a := range activations {
		if _, err := w.tx.Exec(ctx, `UPDATE users SET is_active = $2, updated_at = $3 WHERE id = $1`, a.id, a.active, w.now); err != nil {
			return &StatementError{Address: a.address, Statement: "UPDATE users SET is_active", Err: redact(err)}
		}
		if err := w.followBookkeeping(ctx, a.label, false); err != nil {
			return err
		}
	}
	return nil
}

// bioColumns returns bio and raw_bio for a bio's source text, as a profile
// edit writes them; a blank text is stored as ” and NULL (Ecto casts it to
// nil).
func bioColumns(text string) (string, *string) {
	if strings.TrimSpace(text) == "" {
		return "", nil
	}
	return renderBio(text), &text
}

// renderBio formats a plain-text bio as the server shows it: HTML-escaped,
// newlines as <br>. The source text goes to raw_bio.
func renderBio(text string) string {
	return newline.ReplaceAllString(htmlEscape(text), "<br>")
}

var newline = regexp.MustCompile(`\r?\n`)

// htmlEscape escapes as Phoenix.HTML does: & < > " and ' (as &#39;).
func htmlEscape(s string) string { return htmlEscaper.Replace(s) }

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// confirmationToken is what the server's set --no-confirmed writes:
// url-safe base64 of 32 random bytes, padded.
func confirmationToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.URLEncoding.EncodeToString(b), nil
}

func (w *writer) insertUsers(ctx context.Context, users []*newUser) error {
	if len(users) == 0 {
		return nil
	}
	gen, err := flake.NewRandomGenerator()
	if err != nil {
		return err
	}
	for _, n := range users {
		u := n.user
		id := gen.Next(time.Now())
		w.audit.create(n.change.Address, id.UUID())
		addr := server.AddressesFor(w.baseURL, u.Nickname)
		cols := []string{"id", "nickname", "password_hash", "ap_id", "follower_address", "following_address", "featured_address",
			"local", "avatar", "inserted_at", "updated_at"}
		args := []any{id.UUID(), u.Nickname, n.hash, addr.APID, addr.Followers, addr.Following, addr.Featured,
			true, "{}", w.now, w.now}
		for a := range account.Compared() {
			stored, err := columnsOf(a, newValue(n, a), nil)
			if err != nil {
				return err
			}
			for _, s := range stored {
				cols, args = append(cols, s.column), append(args, s.value)
			}
		}
		if w.info.UsersKeys {
			cols, args = append(cols, "keys"), append(args, n.keys.PrivatePEM)
		}
		if w.info.AcceptsChat && w.info.Flavor == server.Pleroma { // Akkoma stopped writing it in 2022
			cols, args = append(cols, "accepts_chat_messages"), append(args, true)
		}
		l := label{address: n.change.Address, statement: "INSERT INTO users"}
		w.queue(l, insertSQL("users", cols), args...)
		if w.info.SigningKeys {
			w.queue(label{address: n.change.Address, statement: "INSERT INTO signing_keys"},
				`INSERT INTO signing_keys (user_id, key_id, public_key, private_key, inserted_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
				id.UUID(), keys.KeyID(addr.APID), n.keys.PublicPEM, n.keys.PrivatePEM, w.now)
		}
	}
	return nil
}

// newValue is a new account's value of a compared attribute: the plan's (a
// group block may decide admin, moderator and tags), the configuration's
// for a sensitive one, else the server's default for a new account (for
// the name, the nickname, as the server's `user new` does).
func newValue(n *newUser, a account.Attribute) any {
	var v any
	if pa := n.change.Attr(a.Name); pa != nil && pa.Sensitive {
		v = a.Desired(&n.user.Declared)
	} else if pa != nil {
		v = pa.After
	}
	switch {
	case v != nil:
		return v
	case a.Name == account.Name:
		return n.user.Nickname
	}
	return a.Default
}

// columnValue is a value to write to a column of users.
type columnValue struct {
	column string
	value  any
}

// columnsOf returns what stores a compared attribute's value v: its column
// of the account table and, for bio, confirmed and tags, what the server's
// own command writes with it. lu is the account before the change, nil for
// a new one.
func columnsOf(a account.Attribute, v any, lu *live.User) ([]columnValue, error) {
	switch a.Name {
	case account.Bio:
		text, _ := v.(string)
		bio, raw := bioColumns(text)
		return []columnValue{{a.Column, bio}, {"raw_bio", raw}}, nil
	case account.Confirmed:
		// set --confirmed clears the confirmation token, --no-confirmed
		// sets a fresh one.
		if v == true {
			return []columnValue{{a.Column, v}, {"confirmation_token", nil}}, nil
		}
		t, err := confirmationToken()
		if err != nil {
			return nil, err
		}
		return []columnValue{{a.Column, v}, {"confirmation_token", t}}, nil
	case account.Tags:
		var stored []string
		if lu != nil {
			stored = lu.Tags
		}
		want, _ := v.([]string)
		return []columnValue{{a.Column, mergeTags(stored, want)}}, nil
	}
	return []columnValue{{a.Column, v}}, nil
}

func insertSQL(table string, cols []string) string {
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(ph, ", "))
}

// userUpdate is the UPDATE of one account's changed attributes being
// built.
type userUpdate struct {
	w *writer
	c *plans.Change
	// u is the user block, nil for an account changed by a group block or
	// by pruning; lu the account before the change.
	u      *schema.User
	lu     *live.User
	secret string

	sets []string
	args []any
	// signOut is set when the update ends every session of the account: a
	// password rewrite, as the server's password change does, or, with
	// server.end_sessions, a deactivation or a role revoked.
	signOut bool
	// written are the compared attributes' new values, by name.
	written map[string]any
}

func (up *userUpdate) set(col string, v any) {
	up.args = append(up.args, v)
	up.sets = append(up.sets, fmt.Sprintf("%s = $%d", col, len(up.args)))
}

// value is an attribute's new value. Values come from the plan; only
// sensitive ones, which the plan does not hold, come from the
// configuration it was made from.
func (up *userUpdate) value(a plans.Attr) (any, error) {
	if !a.Sensitive {
		return a.After, nil
	}
	if up.u == nil {
		return nil, fmt.Errorf("%s is in the plan but not in the configuration", up.c.Address)
	}
	if attr, ok := account.Lookup(a.Name); ok && attr.Compared() {
		return attr.Desired(&up.u.Declared), nil
	}
	return nil, nil
}

// mfaReset is the server's reset_mfa (MFA.disable): the TOTP method reset to
// its defaults, enabled false, backup codes kept.
const mfaReset = `multi_factor_authentication_settings = jsonb_build_object('enabled', false,
  'backup_codes', coalesce(multi_factor_authentication_settings->'backup_codes', '[]'::jsonb),
  'totp', jsonb_build_object('secret', null, 'delivery_type', 'app', 'confirmed', false))`

// write adds what writing attribute name takes: for most, the columns the
// account table gives; for the others, what the server's command for it
// does.
func (up *userUpdate) write(name string, v any) error {
	attr, _ := account.Lookup(name)
	switch name {
	case account.Active:
		up.w.activations = append(up.w.activations, activation{label{address: up.c.Address, id: up.c.ID}, v.(bool)})
	case account.Password:
		up.set(attr.Column, up.secret)
		up.set("password_reset_pending", false) // and signOut, set by updateUser
	case account.PasswordHash:
		up.set(attr.Column, up.secret)
	case account.MFA:
		up.sets = append(up.sets, mfaReset)
	case account.Sessions:
		if up.signOut {
			return nil // every session ends
		}
		if up.u == nil || up.u.SessionsValidAfter == nil {
			return fmt.Errorf("%s: sessions_valid_after is in the plan but not in the configuration", up.c.Address)
		}
		up.w.signOut(up.c, *up.u.SessionsValidAfter)
	default:
		if !attr.Compared() {
			return nil
		}
		stored, err := columnsOf(attr, v, up.lu)
		if err != nil {
			return err
		}
		for _, s := range stored {
			up.set(s.column, s.value)
		}
		up.written[name] = v
	}
	return nil
}

// demotes reports whether the update takes away the account's last staff
// role.
func (up *userUpdate) demotes() bool {
	role := func(name string, before bool) *bool {
		if v, ok := up.written[name].(bool); ok {
			return &v
		}
		return &before
	}
	return server.Demotes(up.lu.Admin, up.lu.Moderator, role(account.Admin, up.lu.Admin), role(account.Moderator, up.lu.Moderator))
}

// updateUser writes one account's changed attributes in one UPDATE, with
// the side effects of the server's command for each.
func (w *writer) updateUser(ctx context.Context, c *plans.Change, u *schema.User, lu *live.User, secret string) error {
	up := &userUpdate{w: w, c: c, u: u, lu: lu, secret: secret, written: map[string]any{}}
	// A password rewrite ends every session, as the server's password
	// change does; so do, as the planner's endsSessions says, a
	// deactivation and a role revoked, whose sessions a running server
	// would keep accepting from its cached copy of the account.
	var d *account.Declared
	if u != nil {
		d = &u.Declared
	}
	up.signOut = c.Attr(account.Password) != nil || w.endSessions && len(c.Revokes(d)) > 0
	for _, a := range c.Attrs {
		v, err := up.value(a)
		if err != nil {
			return err
		}
		if err := up.write(a.Name, v); err != nil {
			return err
		}
	}
	if len(up.sets) > 0 {
		w.queueUpdate(c, up.sets, up.args, up.demotes())
	}
	if up.signOut {
		w.signOutAll(c)
	}
	return nil
}

func (w *writer) queueUpdate(c *plans.Change, sets []string, args []any, demoted bool) {
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	set("updated_at", w.now)
	args = append(args, c.ID)
	l := label{address: c.Address, statement: "UPDATE users", id: c.ID}
	w.queue(l, fmt.Sprintf("UPDATE users SET %s WHERE id = $%d", strings.Join(sets, ", "), len(args)), args...)
	if w.info.Flavor == server.Akkoma && demoted {
		w.queue(label{address: c.Address, statement: "DELETE FROM notifications"},
			`DELETE FROM notifications WHERE user_id = $1 AND type = 'pleroma:report'`, c.ID)
	}
}

// mergeTags applies untag then tag as the server does, comparing exactly:
// the stored tags minus those no longer wanted (every copy, as untag run
// until none is left), in their order; then, when there are new ones, tag's
// Enum.uniq of them all with the new ones appended.
func mergeTags(stored, want []string) []string {
	wanted := map[string]bool{}
	for _, t := range want {
		wanted[t] = true
	}
	out := []string{}
	have := map[string]bool{}
	for _, t := range stored {
		if wanted[t] {
			out = append(out, t)
			have[t] = true
		}
	}
	var added []string
	for _, t := range want {
		if !have[t] && !slices.Contains(added, t) {
			added = append(added, t)
		}
	}
	if len(added) == 0 {
		return out
	}
	uniq := []string{}
	for _, t := range append(out, added...) {
		if !slices.Contains(uniq, t) {
			uniq = append(uniq, t)
		}
	}
	return uniq
}

const recountFollowing = `UPDATE users u SET following_count = c.n, updated_at = $2
FROM (SELECT x.id, (SELECT count(*) FROM following_relationships fr JOIN users g ON g.id = fr.following_id
        WHERE fr.follower_id = x.id AND fr.state = 2 AND g.is_active AND g.id <> x.id
          AND g.nickname IS NOT NULL AND g.nickname NOT LIKE 'internal.%')::int AS n
      FROM users x WHERE x.id = ANY($1::uuid[])) c
WHERE u.id = c.id AND u.following_count IS DISTINCT FROM c.n`

const recountFollowers = `UPDATE users u SET follower_count = c.n, updated_at = $2
FROM (SELECT x.id, (SELECT count(*) FROM following_relationships fr JOIN users f ON f.id = fr.follower_id
        WHERE fr.following_id = x.id AND fr.state = 2 AND f.is_active AND f.id <> x.id
          AND f.nickname IS NOT NULL AND f.nickname NOT LIKE 'internal.%')::int AS n
      FROM users x WHERE x.id = ANY($1::uuid[])) c
WHERE u.id = c.id AND u.follower_count IS DISTINCT FROM c.n`

// followBookkeeping does what the server's set_activation does after
// writing is_active, for either value (PL user.ex:1900-1916): local
// followers' following counts are recomputed; the account's accepted follows
// of active local accounts are deleted and those accounts' follower counts
// and its own following count recomputed. Nothing is federated. A remote
// account's own following count is left alone: the server re-fetches it
// from the account's server (external_user_synchronization).
func (w *writer) followBookkeeping(ctx context.Context, l label, remote bool) error {
	fail := func(stmt string, err error) error {
		return &StatementError{Address: l.address, Statement: stmt, Err: redact(err)}
	}
	rows, err := w.tx.Query(ctx, `DELETE FROM following_relationships fr USING users g
	  WHERE fr.follower_id = $1 AND fr.state = 2 AND fr.following_id = g.id AND g.is_active AND g.local
	    AND g.id <> $1 AND g.nickname IS NOT NULL AND g.nickname NOT LIKE 'internal.%'
	  RETURNING fr.following_id::text`, l.id)
	if err != nil {
		return fail("DELETE FROM following_relationships", err)
	}
	followed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fail("DELETE FROM following_relationships", err)
	}
	var followers []string
	rows, err = w.tx.Query(ctx, `SELECT fr.follower_id::text FROM following_relationships fr JOIN users f ON f.id = fr.follower_id
	  WHERE fr.following_id = $1 AND fr.state = 2 AND f.local
	    AND f.id <> $1 AND f.nickname IS NOT NULL AND f.nickname NOT LIKE 'internal.%'`, l.id)
	if err != nil {
		return fail("SELECT FROM following_relationships", err)
	}
	if followers, err = pgx.CollectRows(rows, pgx.RowTo[string]); err != nil {
		return fail("SELECT FROM following_relationships", err)
	}
	// The account's own following count is recomputed only when a follow
	// was removed (FollowingRelationship.unfollow's after_update).
	recount := followers
	if len(followed) > 0 && !remote {
		recount = append(recount, l.id)
	}
	if _, err := w.tx.Exec(ctx, recountFollowing, recount, w.now); err != nil {
		return fail("UPDATE users SET following_count", err)
	}
	if len(followed) > 0 {
		if _, err := w.tx.Exec(ctx, recountFollowers, followed, w.now); err != nil {
			return fail("UPDATE users SET follower_count", err)
		}
	}
	return nil
}
