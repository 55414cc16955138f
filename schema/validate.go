package schema

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/server/password"
)

// validate checks everything that needs no database and reports every
// problem at once.
func validate(cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	diags = append(diags, validateServer(&cfg.Server)...)
	byNick := map[string]*User{}
	byEmail := map[string]*User{}
	for _, u := range cfg.Users {
		diags = append(diags, u.locate(validateUser(cfg, u))...)
		key := strings.ToLower(u.Nickname)
		if prev, ok := byNick[key]; ok {
			diags = append(diags, u.locate(hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Duplicate user",
				Detail: fmt.Sprintf("A user %q was already declared %s. Nicknames are compared case-insensitively, as the server does; remove or rename one of the two.",
					shown(prev.Nickname, false), prev.declaredAt()),
				Subject: u.LabelRange.Ptr(), Context: u.DeclRange.Ptr()}})...)
		} else {
			byNick[key] = u
		}
		if u.Email == nil {
			continue
		}
		key = strings.ToLower(*u.Email)
		if prev, ok := byEmail[key]; ok {
			where := rangeString(prev.Range(account.Email))
			if w := prev.Where(account.Email); w != "" {
				where = w + ", " + where
			}
			d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate e-mail address",
				Detail: fmt.Sprintf("User %q has the same e-mail address as user %q (%s). E-mail addresses are unique on the server, compared case-insensitively; give each user its own.",
					shown(u.Nickname, false), shown(prev.Nickname, false), where),
				Subject: u.Range(account.Email).Ptr()}
			if u.Sensitive[account.Email] || prev.Sensitive[account.Email] {
				d.Extra = sensitiveExtra{} // it tells whether a secret equals the other address
			}
			diags = append(diags, u.locate(hcl.Diagnostics{d})...)
		} else {
			byEmail[key] = u
		}
	}
	return diags
}

func validateServer(s *Server) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if s.URL != "" {
		u, err := url.Parse(s.URL)
		switch {
		case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid server URL",
				Detail:  fmt.Sprintf("%q is not an absolute http(s) URL. Give the server's base URL, as in its ap_ids, e.g. \"https://social.example.org\".", shown(s.URL, false)),
				Subject: s.URLRange.Ptr()})
		case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || u.User != nil:
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid server URL",
				Detail:  fmt.Sprintf("%q has a path, query or credentials. Give only scheme://host[:port], e.g. \"https://social.example.org\".", shown(s.URL, false)),
				Subject: s.URLRange.Ptr()})
		default:
			s.URL = strings.TrimSuffix(s.URL, "/")
		}
	}
	switch s.Flavor {
	case server.Auto, server.Pleroma, server.Akkoma:
	default:
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid server flavor",
			Detail:  fmt.Sprintf("flavor must be \"auto\", \"pleroma\" or \"akkoma\", not %q.", shown(string(s.Flavor), false)),
			Subject: s.FlavorRange.Ptr()})
	}
	if s.AuditActorRange != (hcl.Range{}) && (s.AuditActor == "" || strings.Contains(s.AuditActor, "@")) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid audit actor",
			Detail:  fmt.Sprintf("audit_actor must be the nickname of a local admin account, without @ or a domain, e.g. \"root\", not %q.", shown(s.AuditActor, false)),
			Subject: s.AuditActorRange.Ptr()})
	}
	return diags
}

func validateUser(cfg *Config, u *User) hcl.Diagnostics {
	var diags hcl.Diagnostics
	errAt := func(r hcl.Range, summary, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr(), Context: u.DeclRange.Ptr()})
	}
	validateNickname(cfg, u, errAt)
	validateProfile(cfg.Server.Limits, u, errAt)
	validatePassword(u, errAt)
	if u.Absent {
		if u.PreventDestroy {
			errAt(u.Range(account.State), "Absent user with prevent_destroy", fmt.Sprintf("User %q is declared absent, which deletes the account, but its lifecycle sets prevent_destroy = true (%s). Remove one of the two.", shown(u.Nickname, false), rangeString(u.PreventDestroyRange)))
		}
		for _, name := range account.Configured() {
			if _, set := u.Ranges[name]; set && name != account.State {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Attributes of an absent user are ignored",
					Detail: fmt.Sprintf("User %q is declared absent: the account is deleted and its %s is not compared or written.", shown(u.Nickname, false), name), Subject: u.Range(name).Ptr()})
				break
			}
		}
	}
	if u.PreventDestroy && u.Active != nil && !*u.Active {
		errAt(u.Range(account.Active), "Deactivation of a protected user", fmt.Sprintf("User %q sets active = false, but its lifecycle sets prevent_destroy = true (%s), which forbids deactivating or deleting it.", shown(u.Nickname, false), rangeString(u.PreventDestroyRange)))
	}
	return diags
}

// errorAt reports an error at a range of a user block.
type errorAt func(r hcl.Range, summary, detail string)

// validateNickname checks the block's label: a local nickname the server
// would register.
func validateNickname(cfg *Config, u *User, errAt errorAt) {
	lim := cfg.Server.Limits
	nick := u.Nickname
	switch {
	case strings.Contains(nick, "@"):
		errAt(u.LabelRange, "Remote user", fmt.Sprintf("%q contains \"@\": it names an account of another server, which roster cannot manage. Declare only local users, by their nickname without a domain.", shown(nick, false)))
	case !lim.ValidNickname(nick):
		errAt(u.LabelRange, "Invalid nickname", fmt.Sprintf("%q does not match the server's nickname rule %s. Use only letters, digits%s.", shown(nick, false), lim.NicknamePattern(),
			map[bool]string{true: ", \"_\" and \"-\"", false: ""}[lim.ExtendedNicknameFormat]))
	case lim.Restricted(nick, cfg.Server.Flavor):
		errAt(u.LabelRange, "Restricted nickname", fmt.Sprintf("%q is on the server's list of restricted nicknames, so the server would refuse to register it. Choose another nickname, or set server { restricted_nicknames = [...] } if the server is configured with a different list.", shown(nick, false)))
	case cfg.Server.URL != "" && len(server.AddressesFor(cfg.Server.URL, nick).Featured) > server.MaxAddressLength:
		errAt(u.LabelRange, "Nickname too long", fmt.Sprintf("The account's featured collection address would be longer than the %d characters the server stores. Choose a shorter nickname.", server.MaxAddressLength))
	}
}

// validateProfile checks e-mail, name, bio and tags against the server's
// rules.
func validateProfile(lim server.Limits, u *User, errAt errorAt) {
	if u.Email != nil && !server.ValidEmail(*u.Email) {
		errAt(u.Range(account.Email), "Invalid e-mail address", fmt.Sprintf("%q does not match the server's e-mail format. Give an address such as \"alice@example.org\".", shown(*u.Email, u.Sensitive[account.Email])))
	}
	if u.Name != nil {
		switch n := server.Graphemes(*u.Name); {
		case strings.TrimSpace(*u.Name) == "":
			errAt(u.Range(account.Name), "Empty name", "The server requires a display name of at least one visible character. Set a name, or remove the attribute to leave it unmanaged.")
		case utf8.RuneCountInString(*u.Name) > 255:
			errAt(u.Range(account.Name), "Name too long", "The name has more than the 255 code points the server's name column holds. Shorten it.")
		case n > lim.NameLength:
			errAt(u.Range(account.Name), "Name too long", fmt.Sprintf("The name has %d characters; the server allows at most %d. Shorten it, or set server { name_length = N } if the server is configured with a larger limit.", n, lim.NameLength))
		}
	}
	if u.Bio != nil {
		if n := server.Graphemes(*u.Bio); n > lim.BioLength {
			errAt(u.Range(account.Bio), "Bio too long", fmt.Sprintf("The bio has %d characters; the server allows at most %d. Shorten it, or set server { bio_length = N } if the server is configured with a larger limit.", n, lim.BioLength))
		}
	}
	for _, t := range u.Tags {
		if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > 255 {
			errAt(u.Range(account.Tags), "Invalid tag", "Tags must be non-empty strings of at most 255 characters.")
			break
		}
	}
}

// validatePassword checks the password or hash the user's mode uses.
func validatePassword(u *User, errAt errorAt) {
	switch u.PasswordMode {
	case PasswordEnforced, PasswordInitial:
		if strings.TrimSpace(u.Password.Reveal()) == "" {
			errAt(u.Range(u.PasswordMode.Attribute()), "Empty password", "The server refuses a blank password. Give a password, or remove the attribute to leave it unmanaged.")
		}
	case PasswordHash:
		switch err := password.Check(u.Password.Reveal()); {
		case errors.Is(err, password.ErrUnrecognized):
			errAt(u.Range(account.PasswordHash), "Unrecognized password hash", "The server accepts only $pbkdf2-…, $2b$ (bcrypt) and $argon2… hashes at login; any other value would lock the user out. Give a hash in one of those formats.")
		case err != nil:
			errAt(u.Range(account.PasswordHash), "Malformed password hash", "The hash has a known prefix but does not parse, so no password could ever verify against it and the user would be locked out. Copy the whole hash, as the server stores it.")
		}
	}
}
