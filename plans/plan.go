package plans

import (
	"fmt"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/server"
)

// FormatVersion is the version of the Plan's serialized form. It changes
// when a consumer of the JSON must change to keep reading it.
const FormatVersion = "0.2"

// Type is what kind of object a change is about.
type Type string

// The types of change.
const (
	TypeUser           Type = "user"
	TypeInvite         Type = "invite"
	TypeRemoteInstance Type = "remote_instance"
	TypeLocalUsers     Type = "local_users"
)

// Action is what a change does to an object.
type Action string

// The actions of this version.
const (
	Create Action = "create"
	Update Action = "update"
	// Delete is a destroy: for a user, the server's rm (the row stays as
	// the server's purged tombstone).
	Delete Action = "delete"
)

// Plan is the set of changes that make the database match the configuration.
type Plan struct {
	FormatVersion string   `json:"format_version"`
	Server        Server   `json:"server"`
	Changes       []Change `json:"changes"`
	// Read counts the local accounts read from the database.
	Read int `json:"read"`
	// Targeted is true when the plan was made with --target: it holds the
	// changes of the targeted objects only.
	Targeted bool `json:"targeted,omitempty"`
	// AuditActor is the nickname, as stored, of the local admin as whom
	// apply writes the server's moderation log entries for the changes
	// (server.audit_actor); "" when the configuration names none, and
	// apply writes none.
	AuditActor string `json:"audit_actor,omitempty"`
	// Checks are the outcomes of the check blocks (check.go).
	Checks []Check `json:"checks,omitempty"`
}

// Server describes the database the plan was made against.
type Server struct {
	Flavor  server.Flavor `json:"flavor"`
	Version int64         `json:"schema_version"`
	URL     string        `json:"url"`
	// Known is false when the schema is newer than roster knows.
	Known bool `json:"known_version"`
}

// Change is one object's planned change.
type Change struct {
	// Address is the object's address, addrs.Of its type and its name
	// (Nickname): user.alice, invite["#12"], local_users.
	Address  string `json:"address"`
	Type     Type   `json:"type"`
	Nickname string `json:"nickname"`
	Action   Action `json:"action"`
	// ID is the row's id (uuid text) for updates and deletions.
	ID string `json:"id,omitempty"`
	// Attrs are the attributes that change (for creates: that are set).
	Attrs []Attr `json:"attributes"`
	// Unchanged counts the managed attributes that do not change.
	Unchanged int `json:"unchanged"`
	// Reasons say why the change happens when the object's own block does
	// not say it, e.g. "because alice is not a member of role.admin".
	Reasons []string `json:"reasons,omitempty"`
	// Notes explain side effects the server's own command has.
	Notes []string `json:"notes,omitempty"`
	// InviteID is the user_invite_tokens row of an invite update.
	InviteID int64 `json:"invite_id,omitempty"`
	// Reactivate is set on the deletion of a deactivated account: the
	// server's rm refuses one, so it is activated first, as an admin would
	// with activate then rm.
	Reactivate bool `json:"reactivate,omitempty"`
	// Accounts digests the ids of the accounts a change over many accounts
	// writes (the remote accounts of a remote_instance, the local accounts
	// of local_users), in buckets by id (accountset.Set), so that a plan
	// made again that would change other accounts, even as many, differs,
	// and the buckets that differ say where to look for them.
	Accounts []accountset.Bucket `json:"accounts,omitempty"`
	// Source is where the object is declared.
	Source Source `json:"source"`
}

// Attr is one attribute's value before and after. Values are string, bool,
// int64, []string or nil (null, or not known until apply). Sensitive
// attributes carry no value.
type Attr struct {
	Name      string `json:"name"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	Sensitive bool   `json:"sensitive,omitempty"`
	// Computed is true when the value is known only after apply.
	Computed bool `json:"computed,omitempty"`
}

// Attr returns the change's attribute name, or nil.
func (c *Change) Attr(name string) *Attr {
	for i := range c.Attrs {
		if c.Attrs[i].Name == name {
			return &c.Attrs[i]
		}
	}
	return nil
}

// Revokes names what a user update takes away from the account, in the
// account table's order: each role it revokes ("admin", "moderator") and
// "active" when it deactivates the account. A running server that caches
// the account keeps granting these to its sessions. A sensitive attribute
// carries no value in the plan: its new value is then d's, the user block's
// (nil for an account without one). Other changes revoke nothing.
func (c *Change) Revokes(d *account.Declared) []string {
	if c.Type != TypeUser || c.Action != Update {
		return nil
	}
	var out []string
	for a := range account.All() {
		if !a.Role && a.Name != account.Active {
			continue
		}
		ca := c.Attr(a.Name)
		if ca == nil {
			continue
		}
		after := ca.After
		if ca.Sensitive {
			after = nil
			if d != nil {
				after = a.Desired(d)
			}
		}
		if after == false {
			out = append(out, a.Name)
		}
	}
	return out
}

// RevokesInvite reports whether c, an invite's change, revokes it: sets
// what the server's revoke_invite sets (used = true). An invite created
// revoked has no registration URL to give.
func (c *Change) RevokesInvite() bool {
	a := c.Attr("revoked")
	if a == nil {
		return false
	}
	v, _ := a.After.(bool)
	return v
}

// Source is where an object is declared: a position in a configuration
// file, and for an account of a users block, the block and where its data
// is. It only describes the change.
type Source struct {
	Filename string `json:"filename"`
	Line     int    `json:"line"`
	// Block is the address of the users block that declares the account
	// (users.staff); empty for an object's own block.
	Block string `json:"block,omitempty"`
	// DataFile and DataLine are where the account's row is in a data file
	// the block decodes (staff.csv, line 18); DataLine is 0 when the
	// decoder tells only the file, DataFile empty when neither is known.
	DataFile string `json:"data_file,omitempty"`
	DataLine int    `json:"data_line,omitempty"`
}

// From says where an account of a users block comes from, e.g. "from
// users.staff, staff.csv line 18", or "" for an object of its own block.
func (s Source) From() string {
	switch {
	case s.Block == "":
		return ""
	case s.DataFile == "":
		return "from " + s.Block
	case s.DataLine == 0:
		return fmt.Sprintf("from %s, %s", s.Block, s.DataFile)
	}
	return fmt.Sprintf("from %s, %s line %d", s.Block, s.DataFile, s.DataLine)
}

// Counts returns how many objects the plan adds, changes and destroys.
func (p *Plan) Counts() (add, change, destroy int) {
	for _, c := range p.Changes {
		switch c.Action {
		case Create:
			add++
		case Update:
			change++
		case Delete:
			destroy++
		}
	}
	return
}

// Empty reports whether the plan changes nothing.
func (p *Plan) Empty() bool { return len(p.Changes) == 0 }

// Privileges counts the admin and moderator grants and revocations of the
// plan, for the summary's call-out.
type Privileges struct {
	AdminsGranted, AdminsRevoked, ModeratorsGranted, ModeratorsRevoked int
}

// Any reports whether the plan changes a privilege.
func (p Privileges) Any() bool {
	return p.AdminsGranted+p.AdminsRevoked+p.ModeratorsGranted+p.ModeratorsRevoked > 0
}

// Privileges counts the plan's role changes. A deletion revokes the roles
// the account held (the server's purge clears them).
func (p *Plan) Privileges() Privileges {
	var out Privileges
	for _, c := range p.Changes {
		if c.Type != TypeUser {
			continue
		}
		for _, a := range c.Attrs {
			if a.Sensitive || (a.Name != account.Admin && a.Name != account.Moderator) {
				continue
			}
			before, _ := a.Before.(bool)
			after, _ := a.After.(bool)
			if c.Action == Delete {
				after = false
			}
			granted, revoked := !before && after, before && !after
			if a.Name == account.Admin {
				out.AdminsGranted += b2i(granted)
				out.AdminsRevoked += b2i(revoked)
			} else {
				out.ModeratorsGranted += b2i(granted)
				out.ModeratorsRevoked += b2i(revoked)
			}
		}
	}
	return out
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
