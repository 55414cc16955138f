package plans

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/roster-project/roster/internal/addrs"
)

// Differences lists how got, a plan made again from the same configuration,
// differs from want, the plan that was reviewed (saved with plan --out, or
// shown at apply's prompt), in anything applying it would write: the server
// it is for (flavor, schema version, URL), whether it was made with
// --target, the moderation log's actor, and for each change its address,
// type, nickname, action, row, invite row, reactivation, the accounts of a
// change over many accounts (their buckets: applier.Differences names the
// accounts that moved) and every attribute's name, before and after value,
// sensitivity and whether it is computed at apply. It is empty when
// applying got writes exactly what want says.
//
// What only describes a change is not compared: the accounts read, notes,
// reasons, sources, unchanged counts, and the number of sessions apply ends
// (those older than sessions_valid_after, or all of them for an account
// deactivated or demoted, however many there are when apply runs), and
// the checks' outcomes (apply evaluates them again on what it writes). A
// sensitive attribute carries no value in either plan; its secret is
// compared by the saved plan's digests.
//
// want may come from a file someone else could write: its strings are
// quoted and shortened, never printed raw.
//
// name says what want is in the lines, e.g. "the saved plan".
func Differences(want, got *Plan, name string) []string {
	var out []string
	if want.FormatVersion != got.FormatVersion {
		out = append(out, fmt.Sprintf("plan format %s in %s, %s now", quote(want.FormatVersion), name, quote(got.FormatVersion)))
	}
	out = append(out, serverDifferences(want.Server, got.Server, name)...)
	if want.Targeted != got.Targeted {
		out = append(out, fmt.Sprintf("targeting: %s %s, a new plan %s", name, targeting(want.Targeted), targeting(got.Targeted)))
	}
	if want.AuditActor != got.AuditActor {
		out = append(out, fmt.Sprintf("the moderation log's actor: %s in %s, %s now", actor(want.AuditActor), name, actor(got.AuditActor)))
	}
	wantChanges, gotChanges := written(want.Changes), written(got.Changes)
	wantBy, dups := byAddress(wantChanges)
	for _, a := range dups {
		out = append(out, a+": listed more than once in "+name)
	}
	gotBy, _ := byAddress(gotChanges)
	for _, c := range gotChanges {
		if wantBy[c.Address] == nil {
			out = append(out, fmt.Sprintf("%s: a new plan also %s it%s", quoteAddress(c.Address), verb(c.Action), attrSummary(c)))
		}
	}
	for _, w := range wantChanges {
		g := gotBy[w.Address]
		if g == nil {
			out = append(out, fmt.Sprintf("%s: %s %s it, a new plan does not", quoteAddress(w.Address), name, verb(w.Action)))
			continue
		}
		out = append(out, changeDifferences(w, g, name)...)
	}
	return out
}

// targeting says whether a plan was made with --target.
func targeting(targeted bool) string {
	if targeted {
		return "was made with --target"
	}
	return "was made without --target"
}

// actor names a plan's moderation log actor.
func actor(nick string) string {
	if nick == "" {
		return "none"
	}
	return quote(nick)
}

func serverDifferences(want, got Server, name string) []string {
	var out []string
	if want.Flavor != got.Flavor || want.Version != got.Version {
		out = append(out, fmt.Sprintf("the server: %s schema %d in %s, %s schema %d now",
			quote(string(want.Flavor)), want.Version, name, quote(string(got.Flavor)), got.Version))
	}
	if want.URL != got.URL {
		out = append(out, fmt.Sprintf("the server's URL: %s in %s, %s now", quote(want.URL), name, quote(got.URL)))
	}
	if want.Known != got.Known {
		out = append(out, fmt.Sprintf("the server's schema: known_version %t in %s, %t now", want.Known, name, got.Known))
	}
	return out
}

// written returns the changes with their descriptive attributes left
// out, dropping an update that then writes nothing.
func written(cs []Change) []*Change {
	out := make([]*Change, 0, len(cs))
	for i := range cs {
		c := cs[i]
		if slices.ContainsFunc(c.Attrs, descriptive) {
			c.Attrs = slices.DeleteFunc(slices.Clone(c.Attrs), descriptive)
			if c.Action == Update && len(c.Attrs) == 0 {
				continue
			}
		}
		out = append(out, &c)
	}
	return out
}

// descriptive reports whether an attribute only describes what apply does:
// sessions counts the OAuth tokens and authorizations that apply deletes by
// a rule (their age, or the account's deactivation or demotion), not by
// their number.
func descriptive(a Attr) bool { return a.Name == "sessions" }

// byAddress indexes changes by address, listing addresses found twice.
func byAddress(cs []*Change) (map[string]*Change, []string) {
	out := make(map[string]*Change, len(cs))
	var dups []string
	for _, c := range cs {
		if out[c.Address] != nil {
			dups = append(dups, quoteAddress(c.Address))
			continue
		}
		out[c.Address] = c
	}
	return out, dups
}

func changeDifferences(w, g *Change, name string) []string {
	at := quoteAddress(w.Address)
	var out []string
	field := func(field, want, got string) {
		if want != got {
			out = append(out, fmt.Sprintf("%s: %s %s in %s, %s now", at, field, want, name, got))
		}
	}
	field("type", quote(string(w.Type)), quote(string(g.Type)))
	field("nickname", quote(w.Nickname), quote(g.Nickname))
	if w.Action != g.Action {
		out = append(out, fmt.Sprintf("%s: %s %s it, a new plan %s it", at, name, verb(w.Action), verb(g.Action)))
	}
	field("row id", quote(w.ID), quote(g.ID))
	field("invite row", strconv.FormatInt(w.InviteID, 10), strconv.FormatInt(g.InviteID, 10))
	field("reactivate", strconv.FormatBool(w.Reactivate), strconv.FormatBool(g.Reactivate))
	if !slices.Equal(w.Accounts, g.Accounts) {
		out = append(out, fmt.Sprintf("%s: the accounts to change are not the ones %s counted", at, name))
	}
	wa, dups := attrsByName(w.Attrs)
	for _, n := range dups {
		out = append(out, fmt.Sprintf("%s: %s listed more than once in %s", at, n, name))
	}
	// A deletion lists the values that go; other changes, what changes.
	none := "not changed"
	if w.Action == Delete && g.Action == Delete {
		none = "not listed"
	}
	ga, _ := attrsByName(g.Attrs)
	for i := range g.Attrs {
		if b := &g.Attrs[i]; wa[b.Name] == nil {
			out = append(out, fmt.Sprintf("%s: %s: %s in %s, %s now", at, quote(b.Name), none, name, transition(g.Action, b)))
		}
	}
	for i := range w.Attrs {
		a := &w.Attrs[i]
		switch b := ga[a.Name]; {
		case b == nil:
			out = append(out, fmt.Sprintf("%s: %s: %s in %s, %s now", at, quote(a.Name), transition(w.Action, a), name, none))
		case !sameAttr(a, b):
			out = append(out, fmt.Sprintf("%s: %s: %s in %s, %s now", at, quote(a.Name), transition(w.Action, a), name, transition(g.Action, b)))
		}
	}
	return out
}

func attrsByName(as []Attr) (map[string]*Attr, []string) {
	out := make(map[string]*Attr, len(as))
	var dups []string
	for i := range as {
		if out[as[i].Name] != nil {
			dups = append(dups, quote(as[i].Name))
			continue
		}
		out[as[i].Name] = &as[i]
	}
	return out, dups
}

func sameAttr(a, b *Attr) bool {
	return a.Sensitive == b.Sensitive && a.Computed == b.Computed && sameValue(a.Before, b.Before) && sameValue(a.After, b.After)
}

// sameValue compares two attribute values of the types a plan holds.
func sameValue(a, b any) bool {
	switch a := a.(type) {
	case nil:
		return b == nil
	case string, bool, int64:
		return a == b
	case []string:
		b, ok := b.([]string)
		return ok && slices.Equal(a, b)
	}
	return false
}

// transition shows an attribute's change, "false → true", or for a
// deletion the value that goes, without a sensitive value.
func transition(action Action, a *Attr) string {
	switch {
	case a.Sensitive:
		return "(sensitive value)"
	case a.Computed:
		return "(known after apply)"
	case action == Delete:
		return showValue(a.Before)
	}
	return showValue(a.Before) + " → " + showValue(a.After)
}

func showValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return quoteValue(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case []string:
		parts := make([]string, 0, min(len(v), 5))
		for i, s := range v {
			if i == 5 {
				parts = append(parts, fmt.Sprintf("… %d more", len(v)-5))
				break
			}
			parts = append(parts, quoteValue(s))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return fmt.Sprintf("(a value of type %T)", v)
}

// attrSummary names a change's attributes, for a change only one plan has.
func attrSummary(c *Change) string {
	if len(c.Attrs) == 0 {
		return ""
	}
	parts := make([]string, 0, len(c.Attrs))
	for i := range c.Attrs {
		parts = append(parts, quote(c.Attrs[i].Name)+" "+transition(c.Action, &c.Attrs[i]))
	}
	return ": " + strings.Join(parts, ", ")
}

func verb(a Action) string {
	switch a {
	case Create:
		return "creates"
	case Update:
		return "changes"
	case Delete:
		return "deletes"
	}
	return "does " + quote(string(a)) + " to"
}

// quote shows a string that may come from a file someone else wrote: as it
// is when it is short and plain (addresses, names of attributes), else
// Go-quoted (no control character reaches the terminal) and cut at 60
// characters.
func quote(s string) string {
	plain := s != "" && utf8.RuneCountInString(s) <= quoteLimit
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._-#:/@", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return quoteValue(s)
}

// quoteAddress shows an address: as it is when roster writes it so
// (addrs.Of escapes every character that is not printable) and it is not
// long, else quoted as any other string.
func quoteAddress(s string) string {
	if o, diags := addrs.Parse(s); len(diags) == 0 && o.String() == s && utf8.RuneCountInString(s) <= quoteLimit {
		return s
	}
	return quoteValue(s)
}

// quoteLimit is how many characters of a string a difference shows.
const quoteLimit = 60

// quoteValue Go-quotes a string value, cut at quoteLimit characters.
func quoteValue(s string) string {
	if utf8.RuneCountInString(s) > quoteLimit {
		return strconv.Quote(string([]rune(s)[:quoteLimit])) + "…"
	}
	return strconv.Quote(s)
}
