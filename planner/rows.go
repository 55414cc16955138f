package planner

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/roster-project/roster/schema"
)

// RowPrints records every row a plan read and compared: for each, a digest
// of each column the configuration compares on it, so that applying the
// plan later can refuse it when one of them moved, even on a row the plan
// does not change (a hand-made admin under a role block, a reactivated
// account under a prune policy). Keys are "user:<uuid>" and
// "invite:<id>"; values are "column:digest" pairs, space-separated, in
// column order. A digest is 4 bytes of SHA-256 over the row id, the column
// and its value: 16 bytes a column keep a plan of 100,000 accounts small,
// and a change goes unnoticed with a chance of one in 2^32.
//
// Only the columns the configuration compares count: a user editing their
// own bio does not make a plan stale unless the configuration manages that
// bio.
type RowPrints map[string]string

// Comparer says which columns of a local account the configuration
// compares: nil for an account it does not look at.
type Comparer func(u *LiveUser) []string

// Compared returns the Comparer of cfg. It must give the same answer when a
// plan is made and when it is applied, from the same configuration.
func Compared(cfg *schema.Config) Comparer {
	var group []string
	if cfg.Roles["admin"] != nil {
		group = append(group, "admin")
	}
	if cfg.Roles["moderator"] != nil {
		group = append(group, "moderator")
	}
	if len(cfg.Tags) > 0 {
		group = append(group, "tags")
	}
	undeclared := append([]string(nil), group...)
	switch cfg.Prune.Users {
	case "deactivate":
		undeclared = append(undeclared, "active")
	case "delete":
		undeclared = append(undeclared, "active", "tombstone")
	}
	sort.Strings(group)
	sort.Strings(undeclared)
	// local_users compares the confirmation of every account it may cover,
	// and what decides whether it covers one.
	var local []string
	if l := cfg.LocalUsers; l != nil && l.Confirmed != nil {
		local = []string{"admin", "confirmed", "moderator", "tombstone"}
	}
	covered := func(u *LiveUser, d *schema.User) bool { return local != nil && localUsersMayCover(u, d) }
	return func(u *LiveUser) []string {
		d := cfg.User(u.Nickname)
		var cols []string
		switch {
		case d != nil:
			cols = declaredColumns(d, group)
		case !Managed(u, cfg.Server.Limits):
		case cfg.Declared(u.Nickname): // a member or protected: no pruning
			cols = group
		default:
			cols = undeclared
		}
		if covered(u, d) {
			cols = union(cols, local)
		}
		if len(cols) == 0 {
			return nil
		}
		return cols
	}
}

// ComparesUndeclared reports whether the configuration compares accounts
// it does not declare with a user block (role and tag blocks, prune,
// local_users); when it does not, only the declared accounts need reading
// to check a plan's RowPrints.
func ComparesUndeclared(cfg *schema.Config) bool {
	return len(cfg.Roles) > 0 || len(cfg.Tags) > 0 || cfg.Prune.Users != "none" ||
		(cfg.LocalUsers != nil && cfg.LocalUsers.Confirmed != nil)
}

// union returns the sorted union of two sorted lists.
func union(a, b []string) []string {
	out := append(append([]string(nil), a...), b...)
	sort.Strings(out)
	return slices.Compact(out)
}

// declaredColumns are the columns compared on an account with a user
// block: what the block sets, what the group blocks own, and whether the
// row is a tombstone (a deleted account is created anew or left deleted).
func declaredColumns(u *schema.User, group []string) []string {
	cols := []string{"nickname", "tombstone"}
	if u.Absent {
		cols = append(cols, "active", "email", "name", "password")
	}
	for _, d := range desired(u) {
		if d.value != nil {
			cols = append(cols, d.name)
		}
	}
	if u.PasswordMode == schema.PasswordEnforced || u.PasswordMode == schema.PasswordHash {
		cols = append(cols, "password")
	}
	if u.MFA != nil {
		cols = append(cols, "mfa")
	}
	sort.Strings(cols)
	return union(cols, group)
}

// Print is the row's entry in RowPrints for the given columns.
func (u *LiveUser) Print(cols []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c)
		b.WriteByte(':')
		b.WriteString(digest(u.ID, c, u.column(c), 4))
	}
	return b.String()
}

// column is a compared column's value as digested; the password hash
// enters only through the digest.
func (u *LiveUser) column(name string) string {
	str := func(p *string) string {
		if p == nil {
			return "\x00null"
		}
		return *p
	}
	switch name {
	case "nickname":
		return u.Nickname
	case "email":
		return str(u.Email)
	case "name":
		return str(u.Name)
	case "bio":
		return u.Bio + "\x00" + str(u.RawBio)
	case "admin":
		return strconv.FormatBool(u.Admin)
	case "moderator":
		return strconv.FormatBool(u.Moderator)
	case "confirmed":
		return strconv.FormatBool(u.Confirmed)
	case "approved":
		return strconv.FormatBool(u.Approved)
	case "locked":
		return strconv.FormatBool(u.Locked)
	case "active":
		return strconv.FormatBool(u.Active)
	case "tombstone":
		return strconv.FormatBool(u.Tombstone())
	case "tags":
		tags := u.LowerTags()
		sort.Strings(tags)
		return strings.Join(tags, "\x00")
	case "password":
		return str(u.PasswordHash)
	case "mfa":
		return strconv.FormatBool(u.MFA)
	}
	panic("planner: no column " + name)
}

// Print is the invite's entry in RowPrints: every column but the token.
func (i *LiveInvite) Print() string {
	fp := i.Fingerprint()
	cols := make([]string, 0, len(fp))
	for c := range fp {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	var b strings.Builder
	for n, c := range cols {
		if n > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%s:%s", c, fp[c][:8])
	}
	return b.String()
}

// digest is the first n bytes, in hex, of SHA-256 over a row id, a column
// name and the column's value.
func digest(id, col, value string, n int) string {
	h := sha256.New()
	h.Write([]byte(id))
	h.Write([]byte{0})
	h.Write([]byte(col))
	h.Write([]byte{0})
	h.Write([]byte(value))
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:n])
}

// MovedColumns compares two RowPrints entries and returns the columns whose
// digest differs, sorted (every column when the compared set changed).
func MovedColumns(before, after string) []string {
	parse := func(s string) map[string]string {
		m := map[string]string{}
		for _, f := range strings.Fields(s) {
			if c, d, ok := strings.Cut(f, ":"); ok {
				m[c] = d
			}
		}
		return m
	}
	b, a := parse(before), parse(after)
	var out []string
	for c, d := range b {
		if a[c] != d {
			out = append(out, c)
		}
	}
	for c := range a {
		if _, ok := b[c]; !ok {
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// MarshalJSON writes the prints as one JSON object, keys sorted, as
// encoding/json would, without its reflection over a map of 100,000 keys.
func (r RowPrints) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(r))
	size := 2
	for k, v := range r {
		keys = append(keys, k)
		size += len(k) + len(v) + 6
	}
	sort.Strings(keys)
	b := make([]byte, 0, size)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendJSONString(b, k); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if b, err = appendJSONString(b, r[k]); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string: as it is when it holds only
// printable ASCII that needs no escape (every key and value roster makes),
// else through encoding/json.
func appendJSONString(b []byte, s string) ([]byte, error) {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, err := json.Marshal(s)
			return append(b, q...), err
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}
