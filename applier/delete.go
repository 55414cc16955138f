package applier

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"

	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/server/flake"
	"github.com/roster-project/roster/plans"
)

// deleter carries out the plan's user deletions as the server's rm does
// (server-semantics §2.7, §5): the Delete activity, the purge of the row,
// Akkoma's removal of a demoted account's report notifications, the delete
// job and, when the server federates, the publish job. The row stays as the
// server's purged tombstone.
type deleter struct {
	w          *writer
	gen        *flake.Generator
	federating bool
}

func newDeleter(w *writer, federating bool) (*deleter, error) {
	gen, err := flake.NewRandomGenerator()
	if err != nil {
		return nil, err
	}
	return &deleter{w: w, gen: gen, federating: federating}, nil
}

// deleteUser queues the rm of one account. A deactivated account is first
// activated as the server's activate does (the server's rm refuses one);
// that runs at once, after what is queued so far, so that each account sees
// the rows the deletions before it left, as with one command after another.
func (d *deleter) deleteUser(ctx context.Context, c *plans.Change, lu *live.User) error {
	w := d.w
	uid, err := flake.ParseUUID(c.ID)
	if err != nil {
		return fmt.Errorf("%s: the plan's id %q is not a uuid: %w", c.Address, c.ID, err)
	}
	if c.Reactivate {
		w.activations = append(w.activations, activation{label{address: c.Address, id: c.ID}, true})
		if err := w.flush(ctx); err != nil {
			return err
		}
	}
	activityID := d.gen.Next(time.Now())
	activityUUID, err := uuid4()
	if err != nil {
		return err
	}
	// 1. The Delete activity, as Builder.delete and the validator make it,
	// with the account's addresses read from its (locked) row.
	w.queue(label{address: c.Address, statement: "INSERT INTO activities (Delete)"},
		`INSERT INTO activities (id, data, local, actor, recipients, inserted_at, updated_at)
		 SELECT $1, jsonb_build_object('id', $2::text, 'type', 'Delete', 'actor', u.ap_id, 'object', u.ap_id,
		          'to', jsonb_build_array(u.follower_address), 'cc', '[]'::jsonb, 'bto', '[]'::jsonb, 'bcc', '[]'::jsonb),
		        true, u.ap_id, ARRAY[u.follower_address], $3, $3
		   FROM users u WHERE u.id = $4`,
		activityID.UUID(), w.baseURL+"/activities/"+activityUUID, w.now, c.ID)
	// 2. The purge (purge_user_changeset).
	w.queue(label{address: c.Address, statement: "UPDATE users (purge)"}, purgeSQL(w.info.Flavor), c.ID, w.now)
	// 3. Akkoma drops the report notifications of staff that lose the role.
	if w.info.Flavor == server.Akkoma && (lu.Admin || lu.Moderator) {
		w.queue(label{address: c.Address, statement: "DELETE FROM notifications"},
			`DELETE FROM notifications WHERE user_id = $1 AND type = 'pleroma:report'`, c.ID)
	}
	// 4. The delete job, which finishes the deletion when the server runs it.
	queue, worker, attempts := "slow", "Pleroma.Workers.DeleteWorker", 20
	switch {
	case w.info.Flavor == server.Akkoma:
		queue, worker, attempts = "background", "Pleroma.Workers.BackgroundWorker", 1
	case w.info.Version <= server.Pleroma270:
		attempts = 1
	}
	args, err := json.Marshal(map[string]string{"op": "delete_user", "user_id": uid.String()})
	if err != nil {
		return err
	}
	w.queue(label{address: c.Address, statement: "INSERT INTO oban_jobs (delete job)"}, insertJob,
		queue, worker, string(args), attempts, 0)
	// 5. The publish job of the Delete activity.
	if d.federating {
		pub := map[string]any{"op": "publish", "activity_id": activityID.String()}
		attempts := 5
		if w.info.Flavor == server.Akkoma {
			pub["object_data"] = nil
			attempts = 6
		}
		args, err := json.Marshal(pub)
		if err != nil {
			return err
		}
		w.queue(label{address: c.Address, statement: "INSERT INTO oban_jobs (publish job)"}, insertJob,
			"federator_outgoing", "Pleroma.Workers.PublisherWorker", string(args), attempts, 3)
	}
	return nil
}

// insertJob enqueues an Oban job as Oban.insert does; the other columns take
// their defaults (attempt 0, errors, tags and meta empty, inserted_at and
// scheduled_at the UTC time of the transaction).
const insertJob = `INSERT INTO oban_jobs (state, queue, worker, args, max_attempts, priority)
VALUES ('available', $1, $2, $3::jsonb, $4, $5)`

// purgeColumns are what purge_user_changeset writes (PL user.ex:1979-2016);
// Akkoma also clears mastofe_settings (AK user.ex:1788-1828).
const purgeColumns = `bio = '', raw_bio = NULL, email = NULL, name = NULL, password_hash = NULL,
  avatar = '{}'::jsonb, tags = '{}', last_refreshed_at = NULL, last_digest_emailed_at = NULL,
  banner = '{}'::jsonb, background = '{}'::jsonb, note_count = 0, follower_count = 0, following_count = 0,
  is_locked = false, password_reset_pending = false, registration_reason = NULL, confirmation_token = NULL,
  domain_blocks = '{}', is_active = false, is_moderator = false, is_admin = false, mascot = NULL,
  emoji = '{}'::jsonb, pleroma_settings_store = '{}'::jsonb, fields = '[]'::jsonb, raw_fields = '[]'::jsonb,
  is_discoverable = false, also_known_as = '{}'`

func purgeSQL(f server.Flavor) string {
	cols := purgeColumns
	if f == server.Akkoma {
		cols += `, mastofe_settings = NULL`
	}
	return `UPDATE users SET ` + cols + `, updated_at = $2 WHERE id = $1`
}

// uuid4 returns a random version 4 UUID, as Ecto.UUID.generate makes the
// activity ids of the ActivityPub builder.
func uuid4() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]), nil
}
