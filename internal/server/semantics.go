package server

// Demotes reports whether setting admin and moderator (nil: unchanged) on
// an account that has the roles admin and moderator takes away its last
// staff role at some step, in the order the server's set applies them
// (admin, then moderator); Akkoma then deletes the account's report
// notifications.
func Demotes(admin, moderator bool, newAdmin, newModerator *bool) bool {
	a, m := admin, moderator
	staff := a || m
	if newAdmin != nil {
		a = *newAdmin
		if staff && !(a || m) {
			return true
		}
	}
	staff = a || m
	if newModerator != nil {
		m = *newModerator
		if staff && !(a || m) {
			return true
		}
	}
	return false
}

// InviteType is the server's invite_type for the limits an invite has
// (user_invite_token.ex): both → reusable_date_limited, only a date →
// date_limited, only a use count → reusable, neither → one_time.
func InviteType(maxUse *int64, expiresAt *string) string {
	switch {
	case maxUse != nil && expiresAt != nil:
		return "reusable_date_limited"
	case expiresAt != nil:
		return "date_limited"
	case maxUse != nil:
		return "reusable"
	}
	return "one_time"
}

// Managed reports whether roster manages a local account: its nickname
// passes the server's rule and it is a user's account (Person or Service,
// or on Pleroma a Group, which users may choose), never an internal actor,
// the relay or another invisible service actor (Pleroma 2.7 creates its
// relay and internal.fetch as invisible Persons, Akkoma as Applications).
func (l Limits) Managed(nickname, actorType string, invisible bool) bool {
	return l.ValidNickname(nickname) && actorType != "Application" && !invisible
}
