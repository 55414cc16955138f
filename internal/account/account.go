package account

import (
	"iter"
	"slices"
	"strings"
	"time"
)

// The names of the user attributes, as the configuration, the plan and
// ignore rules spell them.
const (
	Email     = "email"
	Name      = "name"
	Bio       = "bio"
	Admin     = "admin"
	Moderator = "moderator"
	Confirmed = "confirmed"
	Approved  = "approved"
	Locked    = "locked"
	Active    = "active"
	Tags      = "tags"
	// Password, InitialPassword and PasswordHash select how the password
	// is managed (at most one of them).
	Password        = "password"
	InitialPassword = "initial_password"
	PasswordHash    = "password_hash"
	// State is present or absent.
	State = "state"
	// SessionsValidAfter is configured; the plan shows Sessions, the count
	// of sessions it ends.
	SessionsValidAfter = "sessions_valid_after"
	MFA                = "mfa"
	Sessions           = "sessions"
	// APID and ID are those of a new account, in its creation.
	APID = "ap_id"
	ID   = "id"
)

// Kind is the type of an attribute's values.
type Kind int

// The kinds.
const (
	// None is no value: a configured attribute of kind None is not in the
	// user block, and a planned one never holds a value (a secret, or an id
	// known only after apply).
	None Kind = iota
	Bool
	String
	// Int is a whole number, an int64 in a plan.
	Int
	// Strings is a list of strings.
	Strings
)

// Actions is a set of the actions of a user change.
type Actions uint8

// The actions of a user change that may carry an attribute.
const (
	OnCreate Actions = 1 << iota
	OnUpdate
	OnDelete
)

// Attribute is one user attribute: a row of the table.
type Attribute struct {
	Name string
	// Config is the type of the user block's attribute; None when the
	// block has no such attribute.
	Config Kind
	// Plan is the type of its values in a plan; None when a plan never
	// holds one.
	Plan Kind
	// On are the changes that may carry it; none when it is only
	// configured. A deletion shows the value before of those it carries.
	On Actions
	// Secret is set when its value is never shown, whatever it derives
	// from.
	Secret bool
	// Role is set for a role: a role block of the same name owns who holds
	// it.
	Role bool
	// Column is the users column the applier writes its value to; "" when
	// writing it takes more than a column (a hook of the applier).
	Column string
	// Default is a new account's value when neither the plan nor the
	// configuration gives one, as the server's `user new` leaves it; nil
	// for none (a name then defaults to the nickname).
	Default any

	// read is the SELECT list of the columns it is read from, when scan
	// is set; "" for Column.
	read string
	fields
}

// fields tie an attribute to its fields of Declared and Row. Every func is
// nil for an attribute the planner does not compare as a value.
type fields struct {
	// desired is the declared value, nil when unmanaged.
	desired func(*Declared) any
	// declare sets the declared value.
	declare func(*Declared, any)
	// live is the stored value.
	live func(*Row) any
	// scan appends where the columns of read go.
	scan func(r *Row, into []any) []any
}

// Compared reports whether the planner compares the declared value with the
// stored one (Desired, Live and Equal); the others it plans by hooks.
func (a Attribute) Compared() bool { return a.desired != nil }

// Desired is the value d declares, in the form a plan holds (a bool, a
// string or a []string), or nil when d leaves it unmanaged. Only for a
// compared attribute, as are Declare and Live.
func (a Attribute) Desired(d *Declared) any { return a.desired(d) }

// Declare sets the value of d, a bool, a string or a []string after the
// attribute's Config kind.
func (a Attribute) Declare(d *Declared, v any) { a.declare(d, v) }

// Live is the value r stores, in the form a plan holds.
func (a Attribute) Live(r *Row) any { return a.live(r) }

// Equal reports whether two values of the attribute are the same: lists
// of strings are compared as sets, as a stored list may repeat a tag.
func (a Attribute) Equal(x, y any) bool {
	if a.Plan != Strings {
		return x == y
	}
	set := func(l []string) map[string]bool {
		m := map[string]bool{}
		for _, t := range l {
			m[t] = true
		}
		return m
	}
	xs, _ := x.([]string)
	ys, _ := y.([]string)
	sx, sy := set(xs), set(ys)
	if len(sx) != len(sy) {
		return false
	}
	for t := range sx {
		if !sy[t] {
			return false
		}
	}
	return true
}

// Declared holds the compared attributes of a user block. A nil pointer, or
// a nil Tags, is unmanaged: never compared, never written.
type Declared struct {
	Email     *string
	Name      *string
	Bio       *string
	Admin     *bool
	Moderator *bool
	Confirmed *bool
	Approved  *bool
	Locked    *bool
	Active    *bool
	// Tags are lower-cased and de-duplicated, in configured order.
	Tags []string
}

// Row is a local account as read from the users table, by Columns.
type Row struct {
	ID           string
	Nickname     string
	Email        *string
	Name         *string
	Bio          string
	RawBio       *string
	Admin        bool
	Moderator    bool
	Confirmed    bool
	Approved     bool
	Locked       bool
	Active       bool
	Tags         []string
	PasswordHash *string
	APID         string
	ActorType    string
	Invisible    bool
	// MFA is true when multi-factor authentication is on: enabled, or a
	// confirmed TOTP method.
	MFA bool
	// InsertedAt is when the account was created (UTC); LastActiveAt when
	// the server last saw it active, nil when never. Only checks read them.
	InsertedAt   time.Time
	LastActiveAt *time.Time
}

// Clone returns a copy of r that shares no memory with it: a row read
// borrowed (live.ReadLocalUsers) is kept as its Clone.
func (r *Row) Clone() *Row {
	c := *r
	for _, s := range []*string{&c.ID, &c.Nickname, &c.Bio, &c.APID, &c.ActorType} {
		*s = strings.Clone(*s)
	}
	for _, p := range []**string{&c.Email, &c.Name, &c.RawBio, &c.PasswordHash} {
		if *p != nil {
			s := strings.Clone(**p)
			*p = &s
		}
	}
	if r.Tags != nil {
		c.Tags = make([]string, len(r.Tags))
		for i, t := range r.Tags {
			c.Tags[i] = strings.Clone(t)
		}
	}
	if r.LastActiveAt != nil {
		t := *r.LastActiveAt
		c.LastActiveAt = &t
	}
	return &c
}

// BioSource is the bio's source text: raw_bio when set, else bio as stored
// (accounts made by the server's CLI or sign-up page have raw_bio NULL).
func (r *Row) BioSource() string {
	if r.RawBio != nil {
		return *r.RawBio
	}
	return r.Bio
}

// StoredTags returns the tags as stored, each once, in stored order. The
// server compares tags exactly: its tag and untag lower-case the tags they
// are given, not the stored ones, and untag removes by exact match (PL
// user.ex:2345-2382, AK user.ex:2126-2163).
func (r *Row) StoredTags() []string {
	out := make([]string, 0, len(r.Tags))
	for _, t := range r.Tags {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// FixedTags returns the stored tags that are not lower-case, each once, in
// stored order: the server's untag, which lower-cases what it is given,
// never removes them, nor does roster.
func (r *Row) FixedTags() []string {
	var out []string
	for _, t := range r.StoredTags() {
		if !LowerCase(t) {
			out = append(out, t)
		}
	}
	return out
}

// LowerCase reports whether a tag is lower-case, as the server's tag writes
// every tag it is given.
func LowerCase(tag string) bool { return strings.ToLower(tag) == tag }

// Tombstone reports whether the row is what the server's rm leaves of an
// account: inactive, with no password, e-mail or name (server-semantics
// §2.7; registration requires a name and a password, so no live account
// looks like this). Tags are not part of it: the server's tag command works
// on a purged row too.
func (r *Row) Tombstone() bool {
	return !r.Active && r.PasswordHash == nil && r.Email == nil && r.Name == nil
}

// ScanTargets returns where rows.Scan puts the columns of Columns, in
// order: the row's own, then each attribute's, in the table's order.
func (r *Row) ScanTargets() []any {
	out := make([]any, 0, columns)
	for _, c := range own {
		out = append(out, c.dest(r))
	}
	for _, a := range table {
		if a.scan != nil {
			out = a.scan(r, out)
		}
	}
	return out
}

// All returns every attribute, in the table's order: the order of the
// configuration's documentation.
func All() iter.Seq[Attribute] {
	return func(yield func(Attribute) bool) {
		for _, a := range table {
			if !yield(a) {
				return
			}
		}
	}
}

// Compared returns the attributes the planner compares as values, in the
// table's order.
func Compared() iter.Seq[Attribute] {
	return func(yield func(Attribute) bool) {
		for _, a := range table {
			if a.Compared() && !yield(a) {
				return
			}
		}
	}
}

// Lookup returns the attribute name, and whether there is one.
func Lookup(name string) (Attribute, bool) {
	a, ok := byName[name]
	return a, ok
}

// Configured returns the names of the user block's attributes, in the
// table's order.
func Configured() []string {
	var out []string
	for _, a := range table {
		if a.Config != None {
			out = append(out, a.Name)
		}
	}
	return out
}

// Roles returns the names of the roles, in the table's order: the labels a
// role block may have.
func Roles() []string {
	var out []string
	for _, a := range table {
		if a.Role {
			out = append(out, a.Name)
		}
	}
	return out
}

// Names returns, sorted, the names of the attributes that a user change of
// one of the given actions may carry. Names(OnUpdate) are the attributes an
// ignore rule of drift may name, since only updates lose attributes to one.
func Names(on Actions) []string {
	var out []string
	for _, a := range table {
		if a.On&on != 0 {
			out = append(out, a.Name)
		}
	}
	slices.Sort(out)
	return out
}
