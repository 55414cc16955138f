// Package modlog owns the entries of the servers' moderation log (the
// moderation_log table AdminFE shows): the shape of an entry's data and the
// message the server computes for it, as Pleroma 2.7's and Akkoma
// 2025.10's ModerationLog.insert_log writes them for the admin API's user
// actions, and a Batch that gathers an apply's changes into one entry per
// kind of action, as the admin API logs one request. Which of roster's
// changes is which action is the applier's; docs/moderation-log.md cites
// the servers' sources for every shape and message.
package modlog

import (
	"encoding/json"
	"strings"
)

// The actions roster logs, as the admin API names them.
const (
	Create       = "create"
	Delete       = "delete"
	Activate     = "activate"
	Deactivate   = "deactivate"
	Approve      = "approve"
	ConfirmEmail = "confirm_email"
	Grant        = "grant"
	Revoke       = "revoke"
	Tag          = "tag"
	Untag        = "untag"
	UpdatedUsers = "updated_users"
	Unfollow     = "unfollow"
)

// User is an account as an entry names it: user_to_map's id (the FlakeId
// in Base62, as the API shows it) and nickname (as stored).
type User struct {
	ID       string
	Nickname string
}

func (u User) data() map[string]any {
	return map[string]any{"id": u.ID, "nickname": u.Nickname, "type": "user"}
}

// Entry is one moderation_log row's data.
type Entry struct {
	Action string
	Actor  User
	// Subject are the accounts acted on: data's subject, subjects for
	// create, and the nicknames of tag and untag.
	Subject []User
	// Permission is "admin" or "moderator", for grant and revoke.
	Permission string
	// Tags are the tags of tag and untag.
	Tags []string
	// Follower and Followed are the accounts of unfollow.
	Follower, Followed User
}

// Data is the entry's data as the server stores it, message included.
func (e Entry) Data() map[string]any {
	d := map[string]any{"actor": e.Actor.data(), "action": e.Action, "message": e.Message()}
	switch e.Action {
	case Tag, Untag:
		nicks := make([]string, len(e.Subject))
		for i, u := range e.Subject {
			nicks[i] = u.Nickname
		}
		d["nicknames"], d["tags"] = nicks, e.Tags
	case Unfollow:
		d["follower"], d["followed"] = e.Follower.data(), e.Followed.data()
	case Create:
		d["subjects"] = users(e.Subject)
	default:
		d["subject"] = users(e.Subject)
		if e.Action == Grant || e.Action == Revoke {
			d["permission"] = e.Permission
		}
	}
	return d
}

// JSON is Data encoded, for a jsonb column.
func (e Entry) JSON() ([]byte, error) { return json.Marshal(e.Data()) }

func users(us []User) []any {
	out := make([]any, len(us))
	for i, u := range us {
		out[i] = u.data()
	}
	return out
}

// Message is the text get_log_entry_message computes for the entry, which
// the server stores in data's message.
func (e Entry) Message() string {
	actor := "@" + e.Actor.Nickname
	names := nicknames(e.Subject)
	switch e.Action {
	case Create:
		return actor + " created users: " + names
	case Delete:
		return actor + " deleted users: " + names
	case Activate:
		return actor + " activated users: " + names
	case Deactivate:
		return actor + " deactivated users: " + names
	case Approve:
		return actor + " approved users: " + names
	case ConfirmEmail:
		return actor + " confirmed email for users: " + names
	case UpdatedUsers:
		return actor + " updated users: " + names
	case Grant:
		return actor + " made " + names + " " + e.Permission
	case Revoke:
		return actor + " revoked " + e.Permission + " role from " + names
	case Tag:
		return actor + " added tags: " + strings.Join(e.Tags, ", ") + " to users: " + names
	case Untag:
		return actor + " removed tags: " + strings.Join(e.Tags, ", ") + " from users: " + names
	case Unfollow:
		return actor + " made @" + e.Follower.Nickname + " unfollow @" + e.Followed.Nickname
	}
	return ""
}

// nicknames are the accounts' nicknames each after @, joined with ", ", as
// users_to_nicknames_string and nicknames_to_string write them.
func nicknames(us []User) string {
	parts := make([]string, len(us))
	for i, u := range us {
		parts[i] = "@" + u.Nickname
	}
	return strings.Join(parts, ", ")
}
