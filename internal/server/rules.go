package server

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apparentlymart/go-textseg/v15/textseg"
)

// Flavor names a server implementation.
type Flavor string

// The flavors roster knows. Auto is only a configuration value: the planner
// replaces it with the detected flavor.
const (
	Auto    Flavor = "auto"
	Pleroma Flavor = "pleroma"
	Akkoma  Flavor = "akkoma"
)

// Title is the flavor's display name.
func (f Flavor) Title() string {
	switch f {
	case Pleroma:
		return "Pleroma"
	case Akkoma:
		return "Akkoma"
	}
	return string(f)
}

// Limits are the registration rules of a server. The zero value is not
// useful; start from DefaultLimits, which are the servers' defaults
// (config.exs of both flavors), and override what a server configures
// differently.
type Limits struct {
	// NameLength is the largest display name in graphemes
	// ([:instance, :user_name_length]).
	NameLength int
	// BioLength is the largest bio in graphemes ([:instance, :user_bio_length]).
	BioLength int
	// ExtendedNicknameFormat allows '_' and '-' in nicknames
	// ([:instance, :extended_nickname_format]).
	ExtendedNicknameFormat bool
	// RestrictedNicknames may not be registered (Pleroma.User :restricted_nicknames).
	RestrictedNicknames []string
}

// defaultRestrictedNicknames is the servers' default restricted list, the same
// in both flavors.
var defaultRestrictedNicknames = []string{
	".well-known", "~", "about", "activities", "api", "auth", "check_password",
	"dev", "friend-requests", "inbox", "internal", "main", "media", "nodeinfo",
	"notice", "oauth", "objects", "ostatus_subscribe", "pleroma", "proxy", "push",
	"registration", "relay", "settings", "status", "tag", "user-search",
	"user_exists", "users", "web", "verify_credentials", "update_credentials",
	"relationships", "search", "confirmation_resend", "mfa",
}

// DefaultLimits returns the servers' default registration limits.
func DefaultLimits() Limits {
	return Limits{
		NameLength:             100,
		BioLength:              5000,
		ExtendedNicknameFormat: true,
		RestrictedNicknames:    append([]string(nil), defaultRestrictedNicknames...),
	}
}

var (
	// emailFormat is the servers' e-mail rule (PL user.ex:57, AK :61),
	// anchored as \A...\z rather than PCRE's ^...$.
	emailFormat = regexp.MustCompile("\\A[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*\\z")
)

// NicknamePattern is the regular expression a local nickname must match.
func (l Limits) NicknamePattern() string {
	if l.ExtendedNicknameFormat {
		return `^[a-zA-Z0-9_-]+$`
	}
	return `^[a-zA-Z0-9]+$`
}

// ValidNickname reports whether nick passes the server's nickname rule,
// NicknamePattern, checked byte by byte: the planner asks it of every local
// account, and a regular expression costs ten times as much.
func (l Limits) ValidNickname(nick string) bool {
	if nick == "" {
		return false
	}
	for i := 0; i < len(nick); i++ {
		switch c := nick[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case (c == '_' || c == '-') && l.ExtendedNicknameFormat:
		default:
			return false
		}
	}
	return true
}

// Restricted reports whether nick is on the restricted list. Pleroma compares
// case-insensitively, Akkoma exactly; with the flavor not yet known (Auto) the
// stricter, case-insensitive rule applies.
func (l Limits) Restricted(nick string, f Flavor) bool {
	for _, r := range l.RestrictedNicknames {
		if r == nick || (f != Akkoma && strings.EqualFold(r, nick)) {
			return true
		}
	}
	return false
}

// ValidEmail reports whether addr passes the server's e-mail format rule.
func ValidEmail(addr string) bool { return emailFormat.MatchString(addr) }

// Graphemes counts user-perceived characters, as Elixir's String.length
// does. It runs the segmenter over the whole text at once: textseg's
// TokenCount reads through a 4 KiB scanner buffer and counts a cluster that
// straddles a buffer boundary twice.
func Graphemes(s string) int {
	b, n := []byte(s), 0
	for len(b) > 0 {
		adv, _, err := textseg.ScanGraphemeClusters(b, true)
		if err != nil || adv <= 0 {
			return n + utf8.RuneCount(b)
		}
		b, n = b[adv:], n+1
	}
	return n
}

// Addresses are the ActivityPub addresses the server derives from a local
// nickname (PL user.ex:429-442).
type Addresses struct {
	APID, Followers, Following, Featured string
}

// AddressesFor derives the addresses of a local account from the server's
// base URL (scheme://host[:port], no trailing slash) and the nickname, in its
// original case.
func AddressesFor(baseURL, nick string) Addresses {
	ap := baseURL + "/users/" + nick
	return Addresses{APID: ap, Followers: ap + "/followers", Following: ap + "/following", Featured: ap + "/collections/featured"}
}

// MaxAddressLength is the width of the varchar(255) address columns.
const MaxAddressLength = 255

// BaseURLFromAPID returns the server's base URL from a local account's ap_id,
// or "" when ap_id is not of the form <base>/users/<nick>.
func BaseURLFromAPID(apID, nick string) string {
	suffix := "/users/" + nick
	if len(apID) > len(suffix) && strings.EqualFold(apID[len(apID)-len(suffix):], suffix) {
		return apID[:len(apID)-len(suffix)]
	}
	return ""
}

// RegistrationURL is the URL at which an invite's token registers an
// account. The token goes in as it is: its "=" padding is valid in a path,
// though Phoenix's route helpers would write it %3D (as PasswordResetPath
// does, for the page the server's reset command prints).
func RegistrationURL(baseURL, token string) string {
	return strings.TrimSuffix(baseURL, "/") + "/registration/" + token
}

// PasswordResetPath is the path of the server's password reset page for a
// token (route GET /api/v1/pleroma/password_reset/:token, PL router.ex:231,
// AK router.ex:168), with the token encoded as Phoenix encodes a path
// segment: every byte but letters, digits and "-._~" percent-encoded, so
// the padding "=" of a base64url token becomes "%3D".
func PasswordResetPath(token string) string {
	var b strings.Builder
	b.WriteString("/api/v1/pleroma/password_reset/")
	for i := 0; i < len(token); i++ {
		c := token[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', strings.IndexByte("-._~", c) >= 0:
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// PasswordResetTokenValidity is the servers' default
// [:instance, :password_reset_token_validity]: a reset link works for a day
// after it was made (PL config.exs:238, AK config.exs:270).
const PasswordResetTokenValidity = 24 * time.Hour
