package applier

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

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
		addr := server.AddressesFor(w.baseURL, u.Nickname)
		// The plan's values (a group block may decide admin, moderator and
		// tags); sensitive ones from the configuration; else the server's
		// defaults for a new account.
		val := func(name string) any {
			a := n.change.Attr(name)
			switch {
			case a == nil:
				return nil
			case a.Sensitive:
				return sensitiveValue(u, name)
			}
			return a.After
		}
		str := func(name, def string) (string, bool) {
			if v, ok := val(name).(string); ok {
				return v, true
			}
			return def, false
		}
		flag := func(name string, def bool) bool {
			if v, ok := val(name).(bool); ok {
				return v
			}
			return def
		}
		name, _ := str("name", u.Nickname)
		bio, rawBio := "", (*string)(nil)
		if text, ok := str("bio", ""); ok {
			bio, rawBio = bioColumns(text)
		}
		var email *string
		if e, ok := str("email", ""); ok {
			email = &e
		}
		tags, _ := val("tags").([]string)
		if tags == nil {
			tags = []string{}
		}
		confirmed := flag("confirmed", true)
		var token *string
		if !confirmed {
			t, err := confirmationToken()
			if err != nil {
				return err
			}
			token = &t
		}
		cols := []string{"id", "nickname", "email", "password_hash", "name", "bio", "raw_bio", "ap_id",
			"follower_address", "following_address", "featured_address", "local", "avatar", "tags",
			"is_admin", "is_moderator", "is_confirmed", "confirmation_token", "is_approved", "is_locked",
			"is_active", "inserted_at", "updated_at"}
		args := []any{id.UUID(), u.Nickname, email, n.hash, name, bio, rawBio, addr.APID,
			addr.Followers, addr.Following, addr.Featured, true, "{}", tags,
			flag("admin", false), flag("moderator", false), confirmed, token, flag("approved", true),
			flag("locked", false), flag("active", true), w.now, w.now}
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

func insertSQL(table string, cols []string) string {
	ph := make([]string, len(cols))
	for i := range cols {
		ph[i] = fmt.Sprintf("$%d", i+1)
	}
	return fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table, strings.Join(cols, ", "), strings.Join(ph, ", "))
}

// updateUser writes one account's changed attributes in one UPDATE, with
// the side effects of the server's command for each.
func (w *writer) updateUser(ctx context.Context, c *plans.Change, u *schema.User, lu *live.User, secret string) error {
	// Values come from the plan; only sensitive ones, which the plan does
	// not hold, come from the configuration it was made from. Accounts
	// changed by a group block or by pruning have no user block.
	v := func(a plans.Attr) (any, error) {
		if !a.Sensitive {
			return a.After, nil
		}
		if u == nil {
			return nil, fmt.Errorf("%s is in the plan but not in the configuration", c.Address)
		}
		return sensitiveValue(u, a.Name), nil
	}
	var sets []string
	var args []any
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	revokeTokens := false
	admin, moderator := lu.Admin, lu.Moderator
	for _, a := range c.Attrs {
		val, err := v(a)
		if err != nil {
			return err
		}
		switch a.Name {
		case "active":
			w.activations = append(w.activations, activation{label{address: c.Address, id: c.ID}, val.(bool)})
		case "admin":
			set("is_admin", val)
			admin = val.(bool)
		case "moderator":
			set("is_moderator", val)
			moderator = val.(bool)
		case "approved":
			set("is_approved", val)
		case "locked":
			set("is_locked", val)
		case "confirmed":
			set("is_confirmed", val)
			if val.(bool) {
				set("confirmation_token", nil)
			} else {
				t, err := confirmationToken()
				if err != nil {
					return err
				}
				set("confirmation_token", t)
			}
		case "email":
			set("email", val)
		case "name":
			set("name", val)
		case "bio":
			bio, raw := bioColumns(val.(string))
			set("bio", bio)
			set("raw_bio", raw)
		case "tags":
			set("tags", mergeTags(lu.LowerTags(), val.([]string)))
		case "password":
			set("password_hash", secret)
			set("password_reset_pending", false)
			revokeTokens = true
		case "password_hash":
			set("password_hash", secret)
		case "mfa":
			// The server's reset_mfa (MFA.disable): the TOTP method reset
			// to its defaults, enabled false, backup codes kept.
			sets = append(sets, `multi_factor_authentication_settings = jsonb_build_object('enabled', false,
			  'backup_codes', coalesce(multi_factor_authentication_settings->'backup_codes', '[]'::jsonb),
			  'totp', jsonb_build_object('secret', null, 'delivery_type', 'app', 'confirmed', false))`)
		case "sessions":
			if u == nil || u.SessionsValidAfter == nil {
				return fmt.Errorf("%s: sessions_valid_after is in the plan but not in the configuration", c.Address)
			}
			w.signOut(c, *u.SessionsValidAfter)
		}
	}
	if len(sets) > 0 {
		w.queueUpdate(c, sets, args, revokeTokens, server.Demotes(lu.Admin, lu.Moderator, &admin, &moderator))
	}
	return nil
}

// sensitiveValue is a user attribute's configured value.
func sensitiveValue(u *schema.User, name string) any {
	deref := func(p any) any {
		switch p := p.(type) {
		case *string:
			if p != nil {
				return *p
			}
		case *bool:
			if p != nil {
				return *p
			}
		}
		return nil
	}
	switch name {
	case "email":
		return deref(u.Email)
	case "name":
		return deref(u.Name)
	case "bio":
		return deref(u.Bio)
	case "admin":
		return deref(u.Admin)
	case "moderator":
		return deref(u.Moderator)
	case "confirmed":
		return deref(u.Confirmed)
	case "approved":
		return deref(u.Approved)
	case "locked":
		return deref(u.Locked)
	case "active":
		return deref(u.Active)
	case "tags":
		return u.Tags
	}
	return nil
}

func (w *writer) queueUpdate(c *plans.Change, sets []string, args []any, revokeTokens, demoted bool) {
	set := func(col string, v any) {
		args = append(args, v)
		sets = append(sets, fmt.Sprintf("%s = $%d", col, len(args)))
	}
	set("updated_at", w.now)
	args = append(args, c.ID)
	l := label{address: c.Address, statement: "UPDATE users", id: c.ID}
	w.queue(l, fmt.Sprintf("UPDATE users SET %s WHERE id = $%d", strings.Join(sets, ", "), len(args)), args...)
	if revokeTokens {
		// As the server's password change (User.reset_password/3) does.
		w.queue(label{address: c.Address, statement: "DELETE FROM oauth_tokens"}, `DELETE FROM oauth_tokens WHERE user_id = $1`, c.ID)
		w.queue(label{address: c.Address, statement: "DELETE FROM oauth_authorizations"}, `DELETE FROM oauth_authorizations WHERE user_id = $1`, c.ID)
	}
	if w.info.Flavor == server.Akkoma && demoted {
		w.queue(label{address: c.Address, statement: "DELETE FROM notifications"},
			`DELETE FROM notifications WHERE user_id = $1 AND type = 'pleroma:report'`, c.ID)
	}
}

// mergeTags applies untag then tag as the server does: the stored tags minus
// those no longer wanted, in their order, then the new ones appended.
func mergeTags(stored, want []string) []string {
	wanted := map[string]bool{}
	for _, t := range want {
		wanted[t] = true
	}
	out := []string{}
	have := map[string]bool{}
	for _, t := range stored {
		if wanted[t] && !have[t] {
			out = append(out, t)
			have[t] = true
		}
	}
	for _, t := range want {
		if !have[t] {
			out = append(out, t)
			have[t] = true
		}
	}
	return out
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
