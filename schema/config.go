package schema

import (
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/server"
)

// Config is the desired state read from a configuration directory.
type Config struct {
	// Dir is the configuration directory.
	Dir string
	// Server holds the server block, or its defaults when there is none.
	Server Server
	// Users are the declared users, in file and source order.
	Users []*User
	// Roles and Tags are the authoritative group blocks, by name.
	Roles map[string]*Group
	Tags  map[string]*Group
	// Invites are the declared registration invites, in source order.
	Invites []*Invite
	// Prune is the prune block, or its defaults.
	Prune Prune
	// RemoteInstances are the remote_instance blocks, in source order.
	RemoteInstances []*RemoteInstance
	// LocalUsers is the local_users block, or nil.
	LocalUsers *LocalUsers
	// Checks are the check blocks, in source order (check.go).
	Checks []*Check
	// Now is the instant this run began: plantimestamp(), and the time of
	// what a plan would create, for checks.
	Now time.Time `json:"-"`
	// eval evaluates the checks, with the variables, locals and functions
	// of the configuration.
	eval *evaluator
	// userAttrs are the attributes of live.users' elements the checks
	// read, or nil for all (userAttrsUsed).
	userAttrs map[string]bool
	// readsUsers and readsInvites say which of live's lists the checks
	// read (ChecksRead); usersWhole, whether they read live.users other
	// than through prefilters, which then read it alone (prefilter.go).
	readsUsers, readsInvites, usersWhole bool
	prefilters                           []prefilter
	// sensitiveAttrs are the attributes of users that some user block
	// takes from a sensitive variable.
	sensitiveAttrs map[string]bool

	// byNick indexes Users by lower-cased nickname (built by Load).
	byNick map[string]*User
	// Files are the parsed sources, by the name used in diagnostics, for
	// rendering source snippets.
	Files map[string]*hcl.File
}

// User returns the declared user whose nickname equals nick case-insensitively,
// as the server's citext column compares, or nil.
func (c *Config) User(nick string) *User {
	if c.byNick != nil {
		return c.byNick[strings.ToLower(nick)]
	}
	for _, u := range c.Users {
		if strings.EqualFold(u.Nickname, nick) {
			return u
		}
	}
	return nil
}

// Server is the server block.
type Server struct {
	// URL is the server's base URL (scheme://host[:port]); "" when not set.
	URL      string
	URLRange hcl.Range
	// Flavor is auto, pleroma or akkoma.
	Flavor      server.Flavor
	FlavorRange hcl.Range
	// AllowUnknownVersion lets apply write to a schema newer than roster knows.
	AllowUnknownVersion bool
	// AfterApply is a command run after a successful commit.
	AfterApply []string
	// AfterApplySensitive says, for each element of AfterApply, whether it
	// derives from a sensitive variable: print it as (sensitive value).
	AfterApplySensitive []bool
	// Limits are the registration rules of the server.
	Limits server.Limits
	// InviteSecret derives the tokens of invites that give none.
	InviteSecret Secret
	// inviteSecretSet is true when the attribute is present, even with a
	// value not known yet (validate without variable values).
	inviteSecretSet bool
	// inviteSecretSensitive is true when it derives from a sensitive value.
	inviteSecretSensitive bool
	// Federating is false when the server does not federate: deletions then
	// enqueue no publish job.
	Federating bool
	// EndSessions is true (the default) when deactivating an account or
	// revoking its admin or moderator role also ends its sessions, as the
	// server's sign_out does: a running server keeps accepting the tokens
	// of an account it has cached.
	EndSessions bool
	// AuditActor is the local admin as whom apply writes the server's
	// moderation log entries; "" writes none.
	AuditActor      string
	AuditActorRange hcl.Range
	DeclRange       hcl.Range
}

// PasswordMode says how a user's password is managed.
type PasswordMode int

// Password modes.
const (
	// PasswordUnmanaged: no password attribute; on create a random password
	// nobody knows is set, as the server's CLI does.
	PasswordUnmanaged PasswordMode = iota
	// PasswordEnforced: verified against the stored hash, rewritten if it
	// does not verify.
	PasswordEnforced
	// PasswordInitial: used only when the user is created.
	PasswordInitial
	// PasswordHash: the exact stored hash, compared as a string.
	PasswordHash
)

// Attribute returns the configuration attribute that selects the mode.
func (m PasswordMode) Attribute() string {
	switch m {
	case PasswordEnforced:
		return account.Password
	case PasswordInitial:
		return account.InitialPassword
	case PasswordHash:
		return account.PasswordHash
	}
	return ""
}

// Secret is a value that must never be printed. Its String and GoString
// methods redact it, so that a stray %v in a log or error cannot leak it.
type Secret struct{ value string }

// NewSecret wraps s.
func NewSecret(s string) Secret { return Secret{s} }

// Reveal returns the secret value. Call it only where the value is used.
func (s Secret) Reveal() string { return s.value }

// String redacts the secret.
func (s Secret) String() string { return "(sensitive value)" }

// GoString redacts the secret.
func (s Secret) GoString() string { return "(sensitive value)" }

// MarshalText redacts the secret.
func (s Secret) MarshalText() ([]byte, error) { return []byte("(sensitive value)"), nil }

// User is a declared user. A nil pointer or unset field means the attribute
// is unmanaged: never compared, never written.
type User struct {
	// Nickname is the block label, in its configured case, or the key of
	// a users block's for_each.
	Nickname string
	// DeclRange is the user block's, or the users block's; LabelRange the
	// label's, or the users block's for_each expression.
	DeclRange  hcl.Range
	LabelRange hcl.Range
	// From is the users block that declared the account, and where its
	// data is; nil for a user block.
	From *Instance

	// Declared holds the attributes compared with the account's columns
	// (email, name, bio, the flags and tags), after the account table.
	account.Declared

	PasswordMode PasswordMode
	Password     Secret

	// Absent is state = "absent": the account is deleted as the server's
	// rm does.
	Absent bool
	// PreventDestroy is lifecycle { prevent_destroy = true }: any plan that
	// would delete or deactivate the account is an error.
	PreventDestroy      bool
	PreventDestroyRange hcl.Range

	// SessionsValidAfter is sessions_valid_after: no OAuth token or
	// authorization of the account issued before it may exist (the
	// server's sign_out, limited to what is older). UTC; nil when unset.
	SessionsValidAfter *time.Time
	// MFA is mfa: only false, multi-factor authentication off (the
	// server's reset_mfa); nil when unset.
	MFA *bool

	// Ranges holds the source range of each attribute's expression.
	Ranges map[string]hcl.Range
	// Sensitive names the attributes whose value derives from a sensitive
	// variable; renderers redact them.
	Sensitive map[string]bool
}

// Address is the user's plan address, e.g. user.alice, or user["1abc"] for
// a nickname that is not an identifier.
func (u *User) Address() string { return addrs.Of("user", u.Nickname) }

// Range returns the source range of attribute name, or the block's when the
// attribute is not set.
func (u *User) Range(name string) hcl.Range {
	if r, ok := u.Ranges[name]; ok {
		return r
	}
	return u.DeclRange
}

// Group is a role or tag block: exactly its members hold the role or tag.
type Group struct {
	// Kind is "role" or "tag"; Name is the label (lower-cased for tags).
	Kind, Name string
	Members    []string
	// MemberRanges holds the source range of each member, by lower-cased
	// nickname.
	MemberRanges map[string]hcl.Range
	DeclRange    hcl.Range
}

// Address is e.g. role.admin, tag.verified or tag["2fa"].
func (g *Group) Address() string { return addrs.Of(g.Kind, g.Name) }

// Has reports whether nick is a member, case-insensitively.
func (g *Group) Has(nick string) bool {
	_, ok := g.MemberRanges[strings.ToLower(nick)]
	return ok
}

// Invite is a registration invite block.
type Invite struct {
	Name      string
	DeclRange hcl.Range
	// Token is given, or derived from the name and server.invite_secret.
	Token Secret
	// MaxUse and ExpiresAt (YYYY-MM-DD) are nil when left out or null: no
	// limit. Sets tells the two apart.
	MaxUse    *int64
	ExpiresAt *string
	Revoked   bool
	// Ranges holds where each attribute the block gives is, null ones
	// included.
	Ranges map[string]hcl.Range
	// tokenSensitive is true when the token derives from a sensitive
	// value.
	tokenSensitive bool
}

// Address is e.g. invite.spring-2027 or invite["spring 2027"].
func (i *Invite) Address() string { return addrs.Of("invite", i.Name) }

// Sets reports whether the block gives the attribute, null included. On an
// existing invite only those are managed: one left out is never compared
// nor written, as in a user block, while max_use = null or expires_at =
// null lifts the limit.
func (i *Invite) Sets(name string) bool {
	_, ok := i.Ranges[name]
	return ok
}

// Prune is the prune block.
type Prune struct {
	// Users is none, deactivate or delete; Invites none or revoke.
	Users, Invites string
	Protect        []string
	// Max bounds how many accounts and invites one plan may prune.
	Max       int
	DeclRange hcl.Range
	Ranges    map[string]hcl.Range
}

// Protected reports whether nick is in protect, case-insensitively.
func (p *Prune) Protected(nick string) bool {
	for _, n := range p.Protect {
		if strings.EqualFold(n, nick) {
			return true
		}
	}
	return false
}

// Declared reports whether an account is declared: it has a user block or
// is named in a members list or in prune.protect. Only undeclared accounts
// are pruned.
func (c *Config) Declared(nick string) bool {
	if c.User(nick) != nil || c.Prune.Protected(nick) {
		return true
	}
	for _, gs := range []map[string]*Group{c.Roles, c.Tags} {
		for _, g := range gs {
			if g.Has(nick) {
				return true
			}
		}
	}
	return false
}

// RemoteInstance is a remote_instance block: the desired state of every
// account of another server, matched by the exact domain of its nickname
// (user@domain), where the server's deactivate_all_from_instance matches a
// substring.
type RemoteInstance struct {
	// Domain is the block label, lower-cased.
	Domain string
	// Active is false when every account of the domain must be
	// deactivated, true when every one must be active; nil when unset.
	Active     *bool
	DeclRange  hcl.Range
	LabelRange hcl.Range
	Ranges     map[string]hcl.Range
}

// Address is e.g. remote_instance["spam.example"].
func (r *RemoteInstance) Address() string { return addrs.Of("remote_instance", r.Domain) }

// LocalUsers is the local_users block: state every local account shares,
// the server's confirm_all and unconfirm_all.
type LocalUsers struct {
	// Confirmed applies to every local account except admins, moderators,
	// internal actors, deleted accounts and accounts whose user block sets
	// confirmed; nil when unset.
	Confirmed *bool
	DeclRange hcl.Range
	Ranges    map[string]hcl.Range
}
