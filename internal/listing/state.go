package listing

import "time"

// StateOf is the state of i on the UTC calendar day of today, as the
// server's registration would meet it; duplicate says that another invite
// has its token. It is what ScanInvites gives each invite, for an invite a
// plan would create or change.
func StateOf(i *Invite, duplicate bool, today time.Time) State {
	return stateOf(i, duplicate, today.UTC().Format(time.DateOnly))
}
