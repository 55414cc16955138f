package planner

import (
	"bufio"
	"bytes"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/confine"
	"github.com/roster-project/roster/plans"
)

// IgnoreRule is one line of an ignore file: an address pattern (a type or
// *, and a glob on the name as path.Match reads it, compared
// case-insensitively) and the attributes it ignores, none meaning the
// whole object.
type IgnoreRule struct {
	typ, name string
	attrs     map[string]bool
	line      int
}

// ignorable returns the attributes an ignore rule may name for an object
// type, and whether the type exists; "*" is every type.
func ignorable(typ string) ([]string, bool) {
	switch plans.Type(typ) {
	case plans.TypeUser:
		return account.Names(account.OnUpdate), true // what drift can find changed
	case plans.TypeInvite:
		return []string{"expires_at", "invite_type", "max_use", "revoked", "token"}, true
	case plans.TypeRemoteInstance:
		return []string{"active_accounts", "inactive_accounts"}, true
	case plans.TypeLocalUsers:
		return []string{"confirmed_accounts", "unconfirmed_accounts"}, true
	case "*":
		var all []string
		for _, t := range []plans.Type{plans.TypeUser, plans.TypeInvite, plans.TypeRemoteInstance, plans.TypeLocalUsers} {
			as, _ := ignorable(string(t))
			all = append(all, as...)
		}
		return all, true
	}
	return nil, false
}

// ignoreFileLimit is the most bytes roster reads from an ignore file: it
// may come with a pull request, as the configuration does.
const ignoreFileLimit = 1 << 20

// ReadIgnoreFile reads known drift: one rule a line, "ADDRESS [ATTRIBUTE
// ...]", blank lines and # comments (a whole line, or after a space)
// allowed. The address is read by addrs.ParsePattern: a quoted name may
// hold spaces and #, and the old spelling is read with a warning. It reads
// only a regular file of at most ignoreFileLimit bytes, so that a named
// pipe or /dev/zero cannot stall or flood roster.
func ReadIgnoreFile(name string) ([]IgnoreRule, hcl.Diagnostics) {
	src, err := confine.ReadFile(name, ignoreFileLimit)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read the ignore file", Detail: err.Error() + "."}}
	}
	var rules []IgnoreRule
	var diags hcl.Diagnostics
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, ignoreFileLimit+1) // any line of the file, however long
	for n := 1; sc.Scan(); n++ {
		r, more := ignoreRule(sc.Text(), n)
		for _, d := range more {
			if d.Severity == hcl.DiagError {
				d.Summary = "Invalid ignore rule"
			}
			d.Detail = fmt.Sprintf("%s line %d: %s", name, n, d.Detail)
		}
		diags = append(diags, more...)
		if r != nil && !more.HasErrors() {
			rules = append(rules, *r)
		}
	}
	return rules, diags
}

// ignoreRule reads line n of an ignore file: nil for a blank line or a
// comment.
func ignoreRule(line string, n int) (*IgnoreRule, hcl.Diagnostics) {
	address, rest := cutAddress(line)
	if address == "" || strings.HasPrefix(address, "#") {
		return nil, nil
	}
	fields := strings.Fields(rest)
	for i, f := range fields {
		if strings.HasPrefix(f, "#") {
			fields = fields[:i]
			break
		}
	}
	o, diags := addrs.ParsePattern(address)
	if diags.HasErrors() {
		return nil, errorf("%s is not an address such as user.bob, user.*, invite[\"#12\"] or remote_instance[\"*.example\"].", strconv.Quote(address))
	}
	known, ok := ignorable(o.Type)
	if !ok || (o.Name == "") != (o.Type == string(plans.TypeLocalUsers)) {
		return nil, errorf("%s is not an address: it is user.NAME, invite.NAME or remote_instance[\"NAME\"], a name that is not an identifier in quotes and brackets and a glob allowed, or local_users.", strconv.Quote(address))
	}
	r := &IgnoreRule{typ: o.Type, name: strings.ToLower(o.Name), attrs: map[string]bool{}, line: n}
	for _, at := range fields {
		if !contains(known, at) {
			diags = append(diags, errorf("%s has no attribute %q; it has %s.", o.Type, at, strings.Join(known, ", "))...)
			continue
		}
		r.attrs[at] = true
	}
	return r, diags
}

// cutAddress returns the first word of line, which runs to the first space
// outside double quotes (a quoted name may hold spaces), and the rest.
func cutAddress(line string) (address, rest string) {
	line = strings.TrimLeftFunc(line, unicode.IsSpace)
	in, escaped := false, false
	for i, r := range line {
		switch {
		case escaped:
			escaped = false
		case in && r == '\\':
			escaped = true
		case r == '"':
			in = !in
		case !in && unicode.IsSpace(r):
			return line[:i], line[i:]
		}
	}
	return line, ""
}

func errorf(format string, args ...any) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Detail: fmt.Sprintf(format, args...)}}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// matches reports whether r names the object of type typ named name.
func (r IgnoreRule) matches(typ plans.Type, name string) bool {
	if r.typ != "*" && r.typ != string(typ) {
		return false
	}
	ok, _ := path.Match(r.name, strings.ToLower(name))
	return ok
}

// ignorePlan removes from p what the rules ignore and returns how many
// differences it removed: a rule without attributes removes the whole
// object (a creation, a deletion); one with attributes removes them from
// updates, and the update when none is left. The undeclared accounts a
// rule leaves out are counted as Drift reads them (ignoresAccount).
func ignorePlan(p *plans.Plan, rules []IgnoreRule) int {
	if len(rules) == 0 {
		return 0
	}
	n := 0
	kept := p.Changes[:0]
	for _, c := range p.Changes {
		whole, attrs := false, map[string]bool{}
		for _, r := range rules {
			if !r.matches(c.Type, c.Nickname) {
				continue
			}
			if len(r.attrs) == 0 {
				whole = true
			}
			for at := range r.attrs {
				attrs[at] = true
			}
		}
		if whole {
			n++
			continue
		}
		if c.Action == plans.Update && len(attrs) > 0 {
			n += ignoreAttrs(&c, attrs)
			if len(c.Attrs) == 0 {
				continue
			}
		}
		kept = append(kept, c)
	}
	p.Changes = kept
	return n
}

// ignoresAccount reports whether a rule leaves the undeclared account of
// nickname out of drift --unmanaged: only one without attributes does.
func ignoresAccount(rules []IgnoreRule, nickname string) bool {
	for _, r := range rules {
		if len(r.attrs) == 0 && r.matches(plans.TypeUser, nickname) {
			return true
		}
	}
	return false
}

// ignoreAttrs removes the attributes named in ignored from the update c,
// and the sessions its deactivation or demotion ends when that is
// removed, and returns how many of the named ones it removed.
func ignoreAttrs(c *plans.Change, ignored map[string]bool) int {
	revoked := len(c.Revokes(nil)) > 0
	n := 0
	left := c.Attrs[:0:0]
	for _, at := range c.Attrs {
		if ignored[at.Name] {
			n++
			continue
		}
		left = append(left, at)
	}
	c.Attrs = left
	if revoked && len(c.Revokes(nil)) == 0 {
		c.Attrs = slices.DeleteFunc(c.Attrs, func(a plans.Attr) bool { return a.Name == account.Sessions })
	}
	return n
}
