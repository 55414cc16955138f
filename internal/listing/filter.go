package listing

import (
	"fmt"
	"regexp"
	"strings"
)

// Filter is one --filter of roster users: a word (admin, locked, …) or a
// KEY=GLOB test, either negated. A Filter is ready to use only as
// ParseFilter returns it.
type Filter struct {
	// Text is the filter as given.
	Text  string
	key   string         // a word, or tag, nickname, email or kind
	value string         // the kind, lower-cased; "" for a word
	glob  *regexp.Regexp // the glob of tag, nickname and email
	not   bool
}

// word returns the test of a filter without a value, or nil.
func word(name string) func(*Account) bool {
	switch name {
	case "admin":
		return func(a *Account) bool { return a.Admin }
	case "moderator":
		return func(a *Account) bool { return a.Moderator }
	case "active":
		return func(a *Account) bool { return a.Active }
	case "deactivated":
		return func(a *Account) bool { return !a.Active }
	case "confirmed":
		return func(a *Account) bool { return a.Confirmed }
	case "unconfirmed":
		return func(a *Account) bool { return !a.Confirmed }
	case "approved":
		return func(a *Account) bool { return a.Approved }
	case "unapproved":
		return func(a *Account) bool { return !a.Approved }
	case "locked":
		return func(a *Account) bool { return a.Locked }
	case "unlocked":
		return func(a *Account) bool { return !a.Locked }
	}
	return nil
}

// wordNames are the filters without a value, in the order FilterSyntax
// lists them.
func wordNames() []string {
	return []string{"admin", "moderator", "active", "deactivated", "confirmed", "unconfirmed",
		"approved", "unapproved", "locked", "unlocked"}
}

// FilterSyntax describes the valid filters, for diagnostics and help.
func FilterSyntax() string {
	return strings.Join(wordNames(), ", ") + "; tag=GLOB, nickname=GLOB, email=GLOB (* matches any characters, ? one); kind=" +
		kindList("|") + `. A "!" before a word, or "!=" for "=", negates the filter, e.g. '!admin' or 'tag!=bot'`
}

// ParseFilter reads one filter. Words and keys are compared in lower case;
// a glob matches the whole value case-insensitively, as the server's citext
// columns and lower-cased tags compare.
func ParseFilter(s string) (Filter, error) {
	f := Filter{Text: s}
	text := strings.TrimSpace(s)
	if key, value, ok := strings.Cut(text, "="); ok {
		f.key, f.value = strings.ToLower(strings.TrimSpace(key)), strings.ToLower(strings.TrimSpace(value))
		if k, neg := strings.CutSuffix(f.key, "!"); neg {
			f.key, f.not = strings.TrimSpace(k), true
		}
		switch f.key {
		case "tag", "nickname", "email":
			if f.value == "" {
				return f, fmt.Errorf("%q has no value: give a glob after %s=, e.g. %s=%s", s, f.key, f.key, example(f.key))
			}
			f.glob = globRegexp(f.value)
			return f, nil
		case "kind":
			for _, k := range allKinds() {
				if f.value == string(k) {
					return f, nil
				}
			}
			return f, fmt.Errorf("%q names no kind of account: the kinds are %s", s, kindList(", "))
		}
		return f, fmt.Errorf("%q is not a filter", s)
	}
	f.key = strings.ToLower(text)
	if w, neg := strings.CutPrefix(f.key, "!"); neg {
		f.key, f.not = strings.TrimSpace(w), true
	}
	if word(f.key) == nil {
		return f, fmt.Errorf("%q is not a filter", s)
	}
	return f, nil
}

// example is a glob to show in the diagnostic of an empty tag, nickname or
// email filter.
func example(key string) string {
	switch key {
	case "tag":
		return "staff"
	case "nickname":
		return "'bot_*'"
	}
	return "'*@example.org'"
}

func kindList(sep string) string {
	kinds := allKinds()
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = string(k)
	}
	return strings.Join(out, sep)
}

// globRegexp compiles a glob, in which * matches any characters (a slash
// too) and ? one, every other character itself, into an anchored,
// case-insensitive regular expression.
func globRegexp(glob string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?is)\A`)
	for _, r := range glob {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`\z`)
	return regexp.MustCompile(b.String())
}

// Match reports whether a passes the filter.
func (f Filter) Match(a *Account) bool {
	return f.test(a) != f.not
}

func (f Filter) test(a *Account) bool {
	switch f.key {
	case "tag":
		for _, t := range a.Tags {
			if f.glob.MatchString(t) {
				return true
			}
		}
		return false
	case "nickname":
		return f.glob.MatchString(a.Nickname)
	case "email":
		return a.Email != nil && f.glob.MatchString(*a.Email)
	case "kind":
		return string(a.Kind) == f.value
	}
	return word(f.key)(a)
}

// OnKind reports whether the filter tests the kind of account; such a
// filter decides alone which kinds are listed.
func (f Filter) OnKind() bool { return f.key == "kind" }

// MatchAll reports whether a passes every filter.
func MatchAll(fs []Filter, a *Account) bool {
	for _, f := range fs {
		if !f.Match(a) {
			return false
		}
	}
	return true
}
