package view

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/roster-project/roster/internal/listing"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
)

// listingFormatVersion is the version of the JSON documents of roster users
// and roster invites, under the policy of jsonFormatVersion (see
// docs/json-format.md).
const listingFormatVersion = "1.0"

// UsersTable is the table of roster users: NICKNAME, EMAIL (when asked
// for), ROLES, STATE, KIND and TAGS.
type UsersTable struct {
	t     *table
	email bool
}

// NewUsersTable returns the table of roster users, with an EMAIL column
// when email is true.
func NewUsersTable(w io.Writer, s Style, email bool) *UsersTable {
	cols := []column{{Head: "NICKNAME", Min: 10}}
	if email {
		cols = append(cols, column{Head: "EMAIL", Min: 12})
	}
	cols = append(cols, column{Head: "ROLES"}, column{Head: "STATE", Min: 11}, column{Head: "KIND"}, column{Head: "TAGS", Min: 8})
	return &UsersTable{t: newTable(w, s, cols...), email: email}
}

func (u *UsersTable) cells(a *listing.Account) []string {
	out := []string{a.Nickname}
	if u.email {
		out = append(out, orDash(a.Email))
	}
	return append(out, joinOrDash(a.Roles()), strings.Join(a.States(), ","), string(a.Kind), joinOrDash(a.Tags))
}

// Measure widens the columns for a; Fit, Header and Row are table's.
func (u *UsersTable) Measure(a *listing.Account) { u.t.Measure(u.cells(a)...) }

// Fit fits the table in width cells (0: no limit).
func (u *UsersTable) Fit(width int) { u.t.Fit(width) }

// Header prints the column heads.
func (u *UsersTable) Header() { u.t.Header() }

// Row prints a.
func (u *UsersTable) Row(a *listing.Account) { u.t.Row(u.cells(a)...) }

// InvitesTable is the table of roster invites: ID, TYPE, EXPIRES, USES,
// USED, STATE, and with the registration URLs shown, URL (or TOKEN when
// the server's URL is not known).
type InvitesTable struct {
	t       *table
	show    bool
	baseURL string
}

// NewInvitesTable returns the table of roster invites. With show, it has a
// column of registration URLs made from baseURL, or of tokens when baseURL
// is empty; without, no token is ever printed.
func NewInvitesTable(w io.Writer, s Style, show bool, baseURL string) *InvitesTable {
	cols := []column{{Head: "ID"}, {Head: "TYPE"}, {Head: "EXPIRES"}, {Head: "USES"}, {Head: "USED"}, {Head: "STATE"}}
	switch {
	case show && baseURL != "":
		cols = append(cols, column{Head: "URL"})
	case show:
		cols = append(cols, column{Head: "TOKEN"})
	}
	return &InvitesTable{t: newTable(w, s, cols...), show: show, baseURL: baseURL}
}

func (v *InvitesTable) cells(i *listing.Invite) []string {
	uses := "-"
	if i.Reusable() {
		uses = strconv.Itoa(i.Uses)
		if i.MaxUse != nil {
			uses += "/" + strconv.FormatInt(*i.MaxUse, 10)
		}
	}
	used := "no"
	if i.Used {
		used = "yes"
	}
	out := []string{strconv.FormatInt(i.ID, 10), i.Type, orDash(i.ExpiresAt), uses, used, stateText(i.State)}
	if v.show {
		if v.baseURL != "" {
			return append(out, server.RegistrationURL(v.baseURL, i.Token))
		}
		return append(out, i.Token)
	}
	return out
}

// Measure widens the columns for i.
func (v *InvitesTable) Measure(i *listing.Invite) { v.t.Measure(v.cells(i)...) }

// Fit fits the table in width cells (0: no limit). URLs and tokens are
// never cut.
func (v *InvitesTable) Fit(width int) { v.t.Fit(width) }

// Header prints the column heads.
func (v *InvitesTable) Header() { v.t.Header() }

// Row prints i.
func (v *InvitesTable) Row(i *listing.Invite) { v.t.Row(v.cells(i)...) }

func stateText(s listing.State) string {
	switch s {
	case listing.UsedUp:
		return "used up"
	case listing.Duplicate:
		return "duplicate token"
	}
	return string(s)
}

func orDash(s *string) string {
	if s == nil || *s == "" {
		return "-"
	}
	return *s
}

func joinOrDash(list []string) string {
	if len(list) == 0 {
		return "-"
	}
	return strings.Join(list, ",")
}

// jsonList writes a JSON document whose last member is a list, one element
// at a time: the head at once, each element as it comes, the end on Close.
type jsonList struct {
	w   io.Writer
	n   int
	err error
}

// listHead is what the listings' documents start with.
type listHead struct {
	FormatVersion string       `json:"format_version"`
	RosterVersion string       `json:"roster_version"`
	Server        plans.Server `json:"server"`
}

func newJSONList(w io.Writer, head listHead, key string) *jsonList {
	l := &jsonList{w: w}
	b, err := json.MarshalIndent(head, "", "  ")
	if err != nil {
		l.err = err
		return l
	}
	b = bytes.TrimSuffix(bytes.TrimRight(b, " \n"), []byte("}"))
	b = bytes.TrimRight(b, " \n")
	_, l.err = fmt.Fprintf(w, "%s,\n  %q: [", b, key)
	return l
}

func (l *jsonList) add(v any) error {
	if l.err != nil {
		return l.err
	}
	b, err := json.MarshalIndent(v, "    ", "  ")
	if err != nil {
		l.err = err
		return err
	}
	sep := ",\n    "
	if l.n == 0 {
		sep = "\n    "
	}
	l.n++
	_, l.err = fmt.Fprintf(l.w, "%s%s", sep, b)
	return l.err
}

func (l *jsonList) close() error {
	if l.err != nil {
		return l.err
	}
	end := "\n  ]\n}\n"
	if l.n == 0 {
		end = "]\n}\n"
	}
	_, l.err = io.WriteString(l.w, end)
	return l.err
}

// UsersJSON writes the document of roster users --json (see
// docs/json-format.md), one account at a time.
type UsersJSON struct{ l *jsonList }

// NewUsersJSON starts the document of the server srv, by roster version.
func NewUsersJSON(w io.Writer, srv plans.Server, version string) *UsersJSON {
	return &UsersJSON{newJSONList(w, listHead{listingFormatVersion, version, srv}, "users")}
}

type jsonAccount struct {
	Nickname  string   `json:"nickname"`
	ID        string   `json:"id"`
	Kind      string   `json:"kind"`
	Managed   bool     `json:"managed"`
	ActorType string   `json:"actor_type"`
	APID      string   `json:"ap_id"`
	Email     *string  `json:"email"`
	Name      *string  `json:"name"`
	Admin     bool     `json:"admin"`
	Moderator bool     `json:"moderator"`
	Active    bool     `json:"active"`
	Confirmed bool     `json:"confirmed"`
	Approved  bool     `json:"approved"`
	Locked    bool     `json:"locked"`
	Tags      []string `json:"tags"`
}

// Add writes one account.
func (j *UsersJSON) Add(a *listing.Account) error {
	tags := a.Tags
	if tags == nil {
		tags = []string{}
	}
	return j.l.add(jsonAccount{Nickname: a.Nickname, ID: a.ID, Kind: string(a.Kind), Managed: a.Managed(),
		ActorType: a.ActorType, APID: a.APID, Email: a.Email, Name: a.Name, Admin: a.Admin, Moderator: a.Moderator,
		Active: a.Active, Confirmed: a.Confirmed, Approved: a.Approved, Locked: a.Locked, Tags: tags})
}

// Close ends the document.
func (j *UsersJSON) Close() error { return j.l.close() }

// InvitesJSON writes the document of roster invites --json (see
// docs/json-format.md), one invite at a time.
type InvitesJSON struct {
	l       *jsonList
	show    bool
	baseURL string
}

// NewInvitesJSON starts the document of the server srv, by roster version.
// With show, each invite has its token and registration URL (null when the
// server's URL is not known); without, neither key is written.
func NewInvitesJSON(w io.Writer, srv plans.Server, version string, show bool) *InvitesJSON {
	return &InvitesJSON{l: newJSONList(w, listHead{listingFormatVersion, version, srv}, "invites"), show: show, baseURL: srv.URL}
}

type jsonInvite struct {
	ID         int64   `json:"id"`
	InviteType string  `json:"invite_type"`
	ExpiresAt  *string `json:"expires_at"`
	Uses       int     `json:"uses"`
	MaxUse     *int64  `json:"max_use"`
	Used       bool    `json:"used"`
	State      string  `json:"state"`
	CreatedAt  string  `json:"created_at"`
	*jsonSecret
}

// jsonSecret holds an invite's secrets; a nil one writes neither key.
type jsonSecret struct {
	Token string  `json:"token"`
	URL   *string `json:"url"`
}

// Add writes one invite.
func (j *InvitesJSON) Add(i *listing.Invite) error {
	v := jsonInvite{ID: i.ID, InviteType: i.Type, ExpiresAt: i.ExpiresAt, Uses: i.Uses, MaxUse: i.MaxUse, Used: i.Used,
		State: string(i.State), CreatedAt: i.Created.UTC().Format(time.RFC3339)}
	if j.show {
		v.jsonSecret = &jsonSecret{Token: i.Token}
		if j.baseURL != "" {
			u := server.RegistrationURL(j.baseURL, i.Token)
			v.URL = &u
		}
	}
	return j.l.add(v)
}

// Close ends the document.
func (j *InvitesJSON) Close() error { return j.l.close() }
