package applier

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/modlog"
	"github.com/roster-project/roster/internal/server/flake"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// auditLog records, while an apply writes, what its plan does not say of
// the accounts the moderation log entries name: the ids of the accounts
// it creates, and of those each remote_instance and local_users change
// wrote. A nil *auditLog records nothing: the plan names no actor.
type auditLog struct {
	created map[string]string   // by the change's address
	wrote   map[string][]string // by the change's address
}

// newAuditLog returns the log of an apply of p, nil when p names no
// moderation log actor.
func newAuditLog(p *plans.Plan) *auditLog {
	if p.AuditActor == "" {
		return nil
	}
	return &auditLog{created: map[string]string{}, wrote: map[string][]string{}}
}

func (l *auditLog) create(address, id string) {
	if l != nil {
		l.created[address] = id
	}
}

func (l *auditLog) group(address string, ids []string) {
	if l != nil {
		l.wrote[address] = ids
	}
}

// subject is an account an entry names: the entry's action, its role or
// tag, and the account's id (uuid text).
type subject struct{ action, detail, id string }

// writeAudit writes, after the apply's changes and in its transaction, the
// moderation_log entries the server's admin API writes for the same
// actions (docs/moderation-log.md), as the plan's actor, and returns how
// many it wrote. The actor is read again, and locked: when it is no longer
// a local, active admin, the apply is stale.
func writeAudit(ctx context.Context, w *writer, p *plans.Plan, cfg *schema.Config, locked map[string]*live.User) (int, error) {
	if w.audit == nil {
		return 0, nil
	}
	var subjects []subject
	for i := range p.Changes {
		more, err := auditSubjects(&p.Changes[i], cfg, locked, w.audit)
		if err != nil {
			return 0, err
		}
		subjects = append(subjects, more...)
	}
	if len(subjects) == 0 {
		return 0, nil
	}
	actor, err := lockAuditActor(ctx, w.tx, p.AuditActor)
	if err != nil {
		return 0, err
	}
	users, err := auditUsers(ctx, w.tx, subjects)
	if err != nil {
		return 0, err
	}
	b := modlog.NewBatch(actor)
	for _, s := range subjects {
		switch s.action {
		case modlog.Grant, modlog.Revoke:
			b.AddRole(s.action, s.detail, users[s.id])
		case modlog.Tag, modlog.Untag:
			b.AddTag(s.action, s.detail, users[s.id])
		default:
			b.Add(s.action, users[s.id])
		}
	}
	entries := b.Entries()
	if err := insertEntries(ctx, w, entries); err != nil {
		return 0, err
	}
	return len(entries), nil
}

// lockAuditActor reads the moderation log's actor, locking its row, and
// refuses with a *StaleError when it is no longer a local, active admin.
func lockAuditActor(ctx context.Context, tx pgx.Tx, nick string) (modlog.User, error) {
	a, err := live.LockActor(ctx, tx, nick)
	if err != nil {
		return modlog.User{}, err
	}
	if a == nil || !a.Local || !a.Admin || !a.Active {
		return modlog.User{}, &StaleError{Moved: []string{fmt.Sprintf("server.audit_actor: %q is no longer a local, active admin, as the moderation log's actor must be", nick)}}
	}
	return auditUser(a.ID, a.Nickname)
}

// auditUser is an account as an entry names it: its id in Base62, as the
// server's API (and user_to_map) shows it.
func auditUser(id, nick string) (modlog.User, error) {
	f, err := flake.ParseUUID(id)
	if err != nil {
		return modlog.User{}, fmt.Errorf("the account %q has the id %q, which is not a uuid: %w", nick, id, err)
	}
	return modlog.User{ID: f.String(), Nickname: nick}, nil
}

// auditUsers reads the stored nicknames of the subjects' accounts, as
// the apply left them (nicknames never change, deleted accounts keep
// theirs).
func auditUsers(ctx context.Context, tx pgx.Tx, subjects []subject) (map[string]modlog.User, error) {
	ids := make([]string, 0, len(subjects))
	for _, s := range subjects {
		ids = append(ids, s.id)
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	rows, err := tx.Query(ctx, `SELECT id::text, nickname::text FROM users WHERE id = ANY($1::uuid[])`, ids)
	if err != nil {
		return nil, &StatementError{Address: "moderation_log", Statement: "SELECT FROM users", Err: redact(err)}
	}
	out := make(map[string]modlog.User, len(ids))
	var id, nick string
	_, err = pgx.ForEachRow(rows, []any{&id, &nick}, func() error {
		u, err := auditUser(id, nick)
		out[id] = u
		return err
	})
	if err != nil {
		return nil, &StatementError{Address: "moderation_log", Statement: "SELECT FROM users", Err: redact(err)}
	}
	if len(out) != len(ids) {
		return nil, fmt.Errorf("the moderation log names %d accounts, of which only %d exist", len(ids), len(out))
	}
	return out, nil
}

// insertEntries inserts the entries, timestamped as the rest of the apply:
// the server's timestamps() are UTC, to the second.
func insertEntries(ctx context.Context, w *writer, entries []modlog.Entry) error {
	for _, e := range entries {
		data, err := e.JSON()
		if err != nil {
			return err
		}
		w.queue(label{address: "moderation_log", statement: fmt.Sprintf("INSERT INTO moderation_log (%s)", e.Action)},
			`INSERT INTO moderation_log (data, inserted_at, updated_at) VALUES ($1::text::jsonb, $2, $2)`, string(data), w.now)
	}
	return w.flush(ctx)
}

// auditSubjects are the accounts change c puts in the moderation log, by
// the admin API's action that does what c does (docs/moderation-log.md).
func auditSubjects(c *plans.Change, cfg *schema.Config, locked map[string]*live.User, log *auditLog) ([]subject, error) {
	switch c.Type {
	case plans.TypeUser:
		return userSubjects(c, cfg, locked[c.ID], log)
	case plans.TypeRemoteInstance:
		action := modlog.Deactivate
		if c.Attr("inactive_accounts") != nil {
			action = modlog.Activate
		}
		return groupSubjects(action, log.wrote[c.Address]), nil
	case plans.TypeLocalUsers:
		if c.Attr("unconfirmed_accounts") != nil { // confirm_all; unconfirming has no admin API action
			return groupSubjects(modlog.ConfirmEmail, log.wrote[c.Address]), nil
		}
	}
	return nil, nil // invites: the admin API logs none
}

func groupSubjects(action string, ids []string) []subject {
	out := make([]subject, len(ids))
	for i, id := range ids {
		out[i] = subject{action: action, id: id}
	}
	return out
}

// profile are the attributes the admin API's credentials update
// (update_as_admin) changes, which it logs as updated_users.
var profile = []string{account.Email, account.Name, account.Bio, account.Locked, account.Password, account.PasswordHash}

// userSubjects are the entries a user's change is in. lu is the account
// before the change, nil for a new one.
func userSubjects(c *plans.Change, cfg *schema.Config, lu *live.User, log *auditLog) ([]subject, error) {
	id := c.ID
	switch c.Action {
	case plans.Delete:
		return []subject{{action: modlog.Delete, id: id}}, nil
	case plans.Create:
		id = log.created[c.Address]
		lu = &live.User{Active: true, Confirmed: true, Approved: true} // what the admin API's create makes
	}
	if id == "" || lu == nil {
		return nil, fmt.Errorf("%s: the account the moderation log names was not read", c.Address)
	}
	var out []subject
	if c.Action == plans.Create {
		out = append(out, subject{action: modlog.Create, id: id})
	}
	for _, a := range c.Attrs {
		for _, k := range attrActions(c.Action, a.Name, attrValue(c, a, cfg), lu) {
			out = append(out, subject{k[0], k[1], id})
		}
	}
	return out, nil
}

// attrActions are the admin API's actions (each an action and its role or
// tag) that write attribute name's value v on the account lu.
func attrActions(action plans.Action, name string, v any, lu *live.User) [][2]string {
	was := map[string]bool{account.Admin: lu.Admin, account.Moderator: lu.Moderator, account.Active: lu.Active,
		account.Approved: lu.Approved, account.Confirmed: lu.Confirmed}
	switch {
	case name == account.Tags:
		want, _ := v.([]string)
		return tagActions(lu, want)
	case slices.Contains(profile, name):
		if action == plans.Update {
			return [][2]string{{modlog.UpdatedUsers, ""}}
		}
		return nil // part of the creation
	case v == was[name] || v == nil:
		return nil
	}
	on := v == true
	switch name {
	case account.Admin, account.Moderator:
		if on {
			return [][2]string{{modlog.Grant, name}}
		}
		return [][2]string{{modlog.Revoke, name}}
	case account.Active:
		if on {
			return [][2]string{{modlog.Activate, ""}}
		}
		return [][2]string{{modlog.Deactivate, ""}}
	case account.Approved:
		if on {
			return [][2]string{{modlog.Approve, ""}}
		}
	case account.Confirmed:
		if on {
			return [][2]string{{modlog.ConfirmEmail, ""}}
		}
	}
	return nil // unapproving, unconfirming, mfa, sessions: no admin API action logs them
}

// tagActions are the tag and untag actions that take the account lu's
// stored tags to those the server's tag and untag leave for want.
func tagActions(lu *live.User, want []string) [][2]string {
	stored := lu.StoredTags()
	merged := mergeTags(lu.Tags, want)
	var out [][2]string
	for _, t := range merged {
		if !slices.Contains(stored, t) {
			out = append(out, [2]string{modlog.Tag, t})
		}
	}
	for _, t := range stored {
		if !slices.Contains(merged, t) {
			out = append(out, [2]string{modlog.Untag, t})
		}
	}
	return out
}

// attrValue is the value an apply writes for a: the plan's, or for a
// sensitive one, which the plan does not hold, the configuration's.
func attrValue(c *plans.Change, a plans.Attr, cfg *schema.Config) any {
	if !a.Sensitive {
		return a.After
	}
	if u := cfg.User(c.Nickname); u != nil {
		if attr, ok := account.Lookup(a.Name); ok && attr.Compared() {
			return attr.Desired(&u.Declared)
		}
	}
	return nil
}

// logUnfollow writes, in a follow repair's transaction, the entry of the
// admin API's unfollow (docs/moderation-log.md): the actor nick made the
// local account unfollow the remote one.
func logUnfollow(ctx context.Context, tx pgx.Tx, nick string, p *FollowFixPlan, now time.Time) error {
	actor, err := lockAuditActor(ctx, tx, nick)
	if err != nil {
		return err
	}
	e := modlog.Entry{Action: modlog.Unfollow, Actor: actor}
	if e.Follower, err = auditUser(p.Local.ID, p.Local.Nickname); err != nil {
		return err
	}
	if e.Followed, err = auditUser(p.Remote.ID, p.Remote.Nickname); err != nil {
		return err
	}
	data, err := e.JSON()
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO moderation_log (data, inserted_at, updated_at) VALUES ($1::text::jsonb, $2, $2)`, string(data), now); err != nil {
		return &StatementError{Address: "moderation_log", Statement: "INSERT INTO moderation_log (unfollow)", Err: redact(err)}
	}
	return nil
}
