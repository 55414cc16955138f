package applier

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
)

// FollowFixPlan is the repair of a follow that the server's
// fix_follow_state would make (server-semantics §2.18): the latest Follow
// activity from Local to Remote says "accept", but Local does not follow
// Remote.
type FollowFixPlan struct {
	Server        server.Info
	Local, Remote Account
	// FollowID is the id of the latest Follow activity, FollowAPID its
	// data.id.
	FollowID, FollowAPID string
	// Activities counts the Follow activities from Local to Remote in state
	// "pending" or "accept": the ones set to "reject".
	Activities int
	// Relationship is the state of the following_relationships row from
	// Local to Remote (1 pending, 3 reject), 0 when there is none.
	Relationship int
	// Notifications counts the notifications of the latest Follow.
	Notifications int
}

// followAccept is the state of an accepted following_relationships row
// (Pleroma.FollowingRelationship.State: 1 pending, 2 accept, 3 reject).
const followAccept = 2

// followObject is the activity's object id as each flavor's
// Activity.Queries.by_object_id compares it: Pleroma through its
// associated_object_id() function (PL activity/queries.ex:48-71), Akkoma
// with a COALESCE over the embedded and the plain form (AK
// activity/queries.ex:48-73).
func followObject(f server.Flavor) string {
	if f == server.Akkoma {
		return `coalesce(data->'object'->>'id', data->>'object')`
	}
	return `associated_object_id(data)`
}

// followsWhere selects the Follow activities from $1 (an actor's ap_id) to
// $2 (an object's ap_id), as Utils.fetch_latest_follow and
// update_follow_state_for_all select them.
func followsWhere(f server.Flavor) string {
	return `WHERE data->>'type' = 'Follow' AND actor = $1 AND ` + followObject(f) + ` = $2`
}

// PlanFixFollowState reads the follow from the account localNick to the
// account remoteNick and what the server's fix_follow_state would change
// (PL mix/tasks/pleroma/user.ex:425-455, AK :510-540). It refuses, with a
// *RefusedError, when an account does not exist, when localNick is not a
// local account or remoteNick not a remote one, and when the state is not
// the broken one the command repairs.
func PlanFixFollowState(ctx context.Context, db live.Beginner, localNick, remoteNick string) (*FollowFixPlan, error) {
	var p *FollowFixPlan
	err := readAction(ctx, db, func(tx pgx.Tx, info server.Info) error {
		var err error
		p, err = readFollowFix(ctx, tx, info, localNick, remoteNick, "")
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// readFollowFix reads what a follow repair changes and refuses when the
// follow is not broken; lock is "" to read, or " FOR UPDATE" under roster's
// lock, so that the rows the repair decides on stay as read until commit.
func readFollowFix(ctx context.Context, tx pgx.Tx, info server.Info, localNick, remoteNick, lock string) (*FollowFixPlan, error) {
	// The server looks both accounts up with User.get_by_nickname, a plain
	// database lookup that fetches nothing over the network, and checks
	// neither's locality. roster does: the command exists for a follow of
	// a remote account whose server accepted it, and roster manages local
	// accounts only.
	local, err := findAccount(ctx, tx, localNick)
	if err != nil {
		return nil, err
	}
	if local == nil {
		return nil, &RefusedError{Summary: fmt.Sprintf("No local account %q", localNick),
			Detail: fmt.Sprintf("The database has no account with the nickname %q. Name the local account that follows, then the remote account it follows.", localNick)}
	}
	remote, err := findAccount(ctx, tx, remoteNick)
	if err != nil {
		return nil, err
	}
	if remote == nil {
		return nil, &RefusedError{Summary: fmt.Sprintf("No remote account %q", remoteNick),
			Detail: fmt.Sprintf("The database has no account with the nickname %q. Name the remote account as the server stores it, nickname@host (e.g. carol@remote.example); roster fetches nothing over the network.", remoteNick)}
	}
	switch {
	case !local.Local:
		return nil, &RefusedError{Summary: fmt.Sprintf("%q is not a local account", local.Nickname),
			Detail: fmt.Sprintf("fix-follow-state repairs a follow of a local account: name the local account first, then the remote account it follows (roster fix-follow-state alice %s).", local.Nickname)}
	case remote.Local:
		return nil, &RefusedError{Summary: fmt.Sprintf("%q is a local account", remote.Nickname),
			Detail: "fix-follow-state repairs a follow of a remote account, which that account's server accepted but this server did not record. A follow between two local accounts is this server's alone: the follower can unfollow and follow again."}
	}
	p := &FollowFixPlan{Server: info, Local: *local, Remote: *remote}
	from := `FROM activities ` + followsWhere(info.Flavor)
	var state *string
	err = tx.QueryRow(ctx, `SELECT id::text, coalesce(data->>'id', ''), data->>'state' `+from+`
	  ORDER BY id DESC NULLS LAST LIMIT 1`+lock, local.APID, remote.APID).Scan(&p.FollowID, &p.FollowAPID, &state)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && state == nil) {
		return nil, &RefusedError{Summary: "No follow to fix",
			Detail: fmt.Sprintf("There is no Follow activity with a state from %s to %s (the server says \"No follow data\"): %s never asked to follow %s, so there is nothing to repair.", local.Nickname, remote.Nickname, local.Nickname, remote.Nickname)}
	}
	if err != nil {
		return nil, fmt.Errorf("reading the follow: %w", err)
	}
	var rel *int
	err = tx.QueryRow(ctx, `SELECT state FROM following_relationships WHERE follower_id = $1 AND following_id = $2`+lock,
		local.ID, remote.ID).Scan(&rel)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("reading the follow relationship: %w", err)
	}
	if rel != nil {
		p.Relationship = *rel
	}
	switch {
	case *state != "accept":
		return nil, &RefusedError{Summary: "The follow state is not broken",
			Detail: fmt.Sprintf("The latest Follow from %s to %s is in state %q, not \"accept\" (the server says \"No discrepancy found\"). Nothing to repair.", local.Nickname, remote.Nickname, *state)}
	case p.Relationship == followAccept:
		return nil, &RefusedError{Summary: "The follow state is not broken",
			Detail: fmt.Sprintf("%s follows %s: the follow is accepted both in the latest Follow activity and in the relationship (the server says \"No discrepancy found\"). Nothing to repair.", local.Nickname, remote.Nickname)}
	case !remote.Active:
		// Reject's validator requires an active actor (validate_actor_presence,
		// PL common_validations.ex:35-50); the server's pipeline then fails
		// and writes nothing.
		return nil, &RefusedError{Summary: fmt.Sprintf("%q is deactivated", remote.Nickname),
			Detail: fmt.Sprintf("The server's fix_follow_state changes nothing for a deactivated account: the Reject it builds has %s as its actor, and the server refuses a deactivated actor. Activate %s first if the follow must be repaired.", remote.Nickname, remote.Nickname)}
	}
	err = tx.QueryRow(ctx, `SELECT (SELECT count(*) `+from+` AND (data->>'state' = 'pending' OR data->>'state' = 'accept')),
	  (SELECT count(*) FROM notifications WHERE activity_id = $3)`, local.APID, remote.APID, p.FollowID).
		Scan(&p.Activities, &p.Notifications)
	if err != nil {
		return nil, fmt.Errorf("reading the follow: %w", err)
	}
	return p, nil
}

// FollowFixResult counts what a follow repair wrote.
type FollowFixResult struct {
	// Activities counts the Follow activities set to "reject".
	Activities int
	// Relationship is true when a relationship row was deleted.
	Relationship bool
	// Notifications counts the notifications deleted.
	Notifications int
	// Logged counts the entries written to the server's moderation log:
	// the admin API's unfollow, with Options.AuditActor.
	Logged int
}

// FixFollowState repairs the follow as the side effects of the Reject that
// the server's fix_follow_state builds (SideEffects.handle for "Reject", PL
// side_effects.ex:72-92, AK :69-89): every Follow activity from Local to
// Remote in state "pending" or "accept" gets state "reject"
// (update_follow_state_for_all, PL utils.ex:450-465), the relationship row
// from Local to Remote is deleted, and when there was one, Local's
// following count recomputed (FollowingRelationship.unfollow), and the
// notifications of the latest Follow are deleted (Notification.dismiss).
//
// It writes neither the Reject activity itself nor its publish job: the
// server stores a Reject whose actor is the remote account as a local
// activity, and addresses it to the local account only, so nothing is
// delivered. Remote's follower count is the remote server's to tell: the
// server fetches it over the network (external_user_synchronization), which
// roster does not.
//
// With opts.AuditActor, it also writes the moderation log entry of the
// admin API's unfollow, after the repair and in its transaction.
func FixFollowState(ctx context.Context, db live.Beginner, p *FollowFixPlan, opts Options) (FollowFixResult, error) {
	var res FollowFixResult
	check := fmt.Sprintf("Run roster fix-follow-state %s %s again: if it says the follow state is not broken, the repair was committed; otherwise it shows the repair again.", p.Local.Nickname, p.Remote.Nickname)
	err := runAction(ctx, db, p.Server, opts, check, func(tx pgx.Tx, now time.Time) error {
		again, err := readFollowFix(ctx, tx, p.Server, p.Local.Nickname, p.Remote.Nickname, " FOR UPDATE")
		var refused *RefusedError
		switch {
		case errors.As(err, &refused):
			return &StaleError{Moved: []string{fmt.Sprintf("follow %s -> %s: %s", p.Local.Nickname, p.Remote.Nickname, strings.ToLower(refused.Summary[:1])+refused.Summary[1:])}}
		case err != nil:
			return err
		}
		if moved := followMoved(p, again); len(moved) > 0 {
			return &StaleError{Moved: moved}
		}
		address := p.Local.Address()
		fail := func(stmt string, err error) error {
			return &StatementError{Address: address, Statement: stmt, Err: redact(err)}
		}
		tag, err := tx.Exec(ctx, `UPDATE activities SET data = jsonb_set(data, '{state}', '"reject"') `+
			followsWhere(p.Server.Flavor)+` AND (data->>'state' = 'pending' OR data->>'state' = 'accept')`, p.Local.APID, p.Remote.APID)
		if err != nil {
			return fail("UPDATE activities (Follow state)", err)
		}
		res.Activities = int(tag.RowsAffected())
		tag, err = tx.Exec(ctx, `DELETE FROM following_relationships WHERE follower_id = $1 AND following_id = $2`, p.Local.ID, p.Remote.ID)
		if err != nil {
			return fail("DELETE FROM following_relationships", err)
		}
		if res.Relationship = tag.RowsAffected() > 0; res.Relationship {
			if _, err := tx.Exec(ctx, recountFollowing, []string{p.Local.ID}, now); err != nil {
				return fail("UPDATE users SET following_count", err)
			}
		}
		if tag, err = tx.Exec(ctx, `DELETE FROM notifications WHERE activity_id = $1`, p.FollowID); err != nil {
			return fail("DELETE FROM notifications", err)
		}
		res.Notifications = int(tag.RowsAffected())
		if opts.AuditActor == "" {
			return nil
		}
		res.Logged = 1
		return logUnfollow(ctx, tx, opts.AuditActor, p, now)
	})
	if err != nil {
		return FollowFixResult{}, err
	}
	return res, nil
}

// followMoved says what changed between the plan and a new reading.
func followMoved(p, now *FollowFixPlan) []string {
	prefix := fmt.Sprintf("follow %s -> %s: ", p.Local.Nickname, p.Remote.Nickname)
	var moved []string
	if now.Local.ID != p.Local.ID || now.Remote.ID != p.Remote.ID {
		moved = append(moved, prefix+"an account was replaced")
	}
	if now.FollowID != p.FollowID {
		moved = append(moved, prefix+"a newer Follow activity exists")
	}
	if now.Activities != p.Activities {
		moved = append(moved, prefix+fmt.Sprintf("%d Follow activities to reject, not %d", now.Activities, p.Activities))
	}
	if now.Relationship != p.Relationship {
		moved = append(moved, prefix+"the relationship changed")
	}
	if now.Notifications != p.Notifications {
		moved = append(moved, prefix+"its notifications changed")
	}
	return moved
}
