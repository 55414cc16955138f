package schema

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/account"
)

func decodeLifecycle(ev *evaluator, blocks hcl.Blocks, u *User) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i, b := range blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate lifecycle block",
				Detail: "A user has at most one lifecycle block; merge them.", Subject: b.DefRange.Ptr()})
			continue
		}
		as, moreDiags := attrs(b.Body, "prevent_destroy")
		diags = append(diags, moreDiags...)
		if a, ok := as["prevent_destroy"]; ok {
			if v, ok := ev.boolean(a, &diags); ok {
				u.PreventDestroy, u.PreventDestroyRange = v, a.Expr.Range()
			}
		}
	}
	return diags
}

// decodeGroups reads the role and tag blocks and checks them against the
// users' own attributes.
func decodeGroups(ev *evaluator, roles, tags hcl.Blocks, cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	decode := func(kind string, b *hcl.Block, into map[string]*Group) {
		name := b.Labels[0]
		if kind == "tag" {
			name = strings.ToLower(name)
		}
		if roles := account.Roles(); kind == "role" && !slices.Contains(roles, name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unknown role",
				Detail:  fmt.Sprintf("The server has no role %q. The roles are %s.", shown(name, false), strings.Join(quoteAll(roles), " and ")),
				Subject: b.LabelRanges[0].Ptr()})
			return
		}
		if kind == "tag" && (strings.TrimSpace(name) == "" || len([]rune(name)) > 255) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid tag",
				Detail: "Tags must be non-empty strings of at most 255 characters.", Subject: b.LabelRanges[0].Ptr()})
			return
		}
		g := &Group{Kind: kind, Name: name, MemberRanges: map[string]hcl.Range{}, DeclRange: b.DefRange}
		if prev, ok := into[name]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: fmt.Sprintf("Duplicate %s block", kind),
				Detail:  fmt.Sprintf("%s was already declared at %s. A %s block owns the whole membership: merge the members into one block.", g.Address(), rangeString(prev.DeclRange), kind),
				Subject: b.DefRange.Ptr()})
			return
		}
		into[name] = g
		content, moreDiags := b.Body.Content(&hcl.BodySchema{Attributes: []hcl.AttributeSchema{{Name: "members", Required: true}}})
		diags = append(diags, moreDiags...)
		if content == nil {
			return
		}
		a, ok := content.Attributes["members"]
		if !ok {
			return
		}
		members, ok := ev.strings(a, &diags)
		if !ok {
			return
		}
		for _, m := range members {
			switch {
			case strings.Contains(m, "@"):
				diags = append(diags, attrError(a, "Remote account as member", fmt.Sprintf("%q names an account of another server; only local accounts can hold roles and tags that roster manages.", shown(m, false))))
				continue
			case !cfg.Server.Limits.ValidNickname(m):
				diags = append(diags, attrError(a, "Invalid member", fmt.Sprintf("%q is not a local nickname (%s).", shown(m, false), cfg.Server.Limits.NicknamePattern())))
				continue
			}
			key := strings.ToLower(m)
			if _, dup := g.MemberRanges[key]; !dup {
				g.Members = append(g.Members, m)
				g.MemberRanges[key] = a.Expr.Range()
			}
		}
	}
	for _, b := range roles {
		decode("role", b, cfg.Roles)
	}
	for _, b := range tags {
		decode("tag", b, cfg.Tags)
	}
	for _, u := range cfg.Users {
		diags = append(diags, u.locate(groupAgreement(u, cfg))...)
	}
	return diags
}

// groupAgreement checks that a user's own attributes agree with the group
// blocks, pointing at both places when they do not.
func groupAgreement(u *User, cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	conflict := func(attr string, g *Group, member bool, detail string) {
		where := fmt.Sprintf("%s is declared at %s", g.Address(), rangeString(g.DeclRange))
		if member {
			where = fmt.Sprintf("%s lists %q at %s", g.Address(), shown(u.Nickname, false), rangeString(g.MemberRanges[strings.ToLower(u.Nickname)]))
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Conflicting " + g.Kind + " membership",
			Detail: detail + " " + where + ". Make the two agree, or remove the user's attribute and let the block decide.", Subject: u.Range(attr).Ptr(), Context: u.DeclRange.Ptr()})
	}
	for _, role := range account.Roles() {
		attr, _ := account.Lookup(role)
		v, set := attr.Desired(&u.Declared).(bool)
		g := cfg.Roles[role]
		if g == nil || !set {
			continue
		}
		switch member := g.Has(u.Nickname); {
		case member && !v:
			conflict(role, g, true, fmt.Sprintf("User %q sets %s = false, but", shown(u.Nickname, false), role))
		case !member && v:
			conflict(role, g, false, fmt.Sprintf("User %q sets %s = true, but is not a member of role.%s, which owns the role;", shown(u.Nickname, false), role, role))
		}
	}
	if u.Tags != nil {
		has := map[string]bool{}
		for _, t := range u.Tags {
			has[t] = true
		}
		for _, name := range sortedKeys(cfg.Tags) {
			g := cfg.Tags[name]
			switch member := g.Has(u.Nickname); {
			case member && !has[name]:
				conflict(account.Tags, g, true, fmt.Sprintf("User %q's tags omit %q, but", shown(u.Nickname, false), name))
			case !member && has[name]:
				conflict(account.Tags, g, false, fmt.Sprintf("User %q's tags include %q, but the user is not a member of tag.%s, which owns the tag;", shown(u.Nickname, false), name, name))
			}
		}
	}
	if u.Absent {
		for _, gs := range []map[string]*Group{cfg.Roles, cfg.Tags} {
			for _, name := range sortedKeys(gs) {
				if gs[name].Has(u.Nickname) {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Absent user is a member",
						Detail:  fmt.Sprintf("User %q is declared absent, but %s lists it. Remove it from the members, or keep the account.", shown(u.Nickname, false), gs[name].Address()),
						Subject: u.Range(account.State).Ptr(), Context: u.DeclRange.Ptr()})
				}
			}
		}
	}
	return diags
}

func sortedKeys[T any](m map[string]T) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// DeriveInviteToken derives an invite's token from its name and the
// configured secret: HMAC-SHA256, encoded as the server encodes its tokens
// (url-safe base64 with padding, 44 characters).
func DeriveInviteToken(secret, name string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte("roster invite\x00" + name))
	return base64.URLEncoding.EncodeToString(m.Sum(nil))
}

func decodeInvites(ev *evaluator, blocks hcl.Blocks, cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*Invite{}
	tokens := map[string]*Invite{}
	for _, b := range blocks {
		inv := &Invite{Name: b.Labels[0], DeclRange: b.DefRange, Ranges: map[string]hcl.Range{}}
		if prev, ok := seen[inv.Name]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate invite",
				Detail: fmt.Sprintf("%s was already declared at %s.", shown(inv.Address(), false), rangeString(prev.DeclRange)), Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		seen[inv.Name] = inv
		if strings.HasPrefix(inv.Name, "#") || strings.TrimSpace(inv.Name) == "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid invite name",
				Detail: "An invite name must not be empty or start with \"#\": plans name invites that the files do not declare invite[\"#<id>\"].", Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		as, moreDiags := attrs(b.Body, "max_use", "expires_at", "token", "revoked")
		diags = append(diags, moreDiags...)
		for _, a := range sortedAttrs(as) {
			inv.Ranges[a.Name] = a.Expr.Range()
			switch a.Name {
			case "max_use":
				if v, ok := ev.whole(a, 1, &diags); ok {
					inv.MaxUse = &v
				}
			case "expires_at":
				if v, ok := ev.str(a, &diags); ok {
					if _, err := time.Parse(time.DateOnly, v); err != nil {
						diags = append(diags, attrError(a, "Invalid date", fmt.Sprintf("expires_at must be a date as YYYY-MM-DD (the last UTC day the invite works), not %q.", shown(v, false))))
					} else {
						inv.ExpiresAt = &v
					}
				}
			case "token":
				inv.tokenSensitive = ev.refersToSensitive(a.Expr)
				if v, ok := ev.secret(a, &diags); ok {
					if strings.TrimSpace(v) == "" || len(v) > 255 {
						diags = append(diags, attrError(a, "Invalid token", "An invite token must be a non-empty string of at most 255 characters."))
					} else {
						inv.Token = NewSecret(v)
					}
				}
			case "revoked":
				if v, ok := ev.boolean(a, &diags); ok {
					inv.Revoked = v
				}
			}
		}
		if _, given := as["token"]; !given {
			if !cfg.Server.inviteSecretSet {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invite without a token",
					Detail:  fmt.Sprintf("%s has no token, and server { invite_secret } is not set to derive one. Set server { invite_secret = var.invite_secret } (a long random secret, kept like a password), or give the invite a token = var.… of its own.", shown(inv.Address(), false)),
					Subject: b.DefRange.Ptr()})
				continue
			}
			if secret := cfg.Server.InviteSecret.Reveal(); secret != "" {
				inv.Token = NewSecret(DeriveInviteToken(secret, inv.Name))
				inv.tokenSensitive = cfg.Server.inviteSecretSensitive
			}
		}
		if t := inv.Token.Reveal(); t != "" {
			if prev, ok := tokens[t]; ok {
				d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate invite token",
					Detail: fmt.Sprintf("%s has the same token as %s; each invite needs its own.", shown(inv.Address(), false), shown(prev.Address(), false)), Subject: b.DefRange.Ptr()}
				if inv.tokenSensitive || prev.tokenSensitive {
					d.Extra = sensitiveExtra{} // it tells whether a secret equals the other token
				}
				diags = append(diags, d)
				continue
			}
			tokens[t] = inv
		}
		cfg.Invites = append(cfg.Invites, inv)
	}
	return diags
}

var pruneUsers = []string{"none", "deactivate", "delete"}
var pruneInvites = []string{"none", "revoke"}

func decodePrune(ev *evaluator, blocks hcl.Blocks, cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	p := &cfg.Prune
	for i, b := range blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate prune block",
				Detail: fmt.Sprintf("A prune block was already declared at %s. Merge the two into one.", rangeString(blocks[0].DefRange)), Subject: b.DefRange.Ptr()})
			continue
		}
		p.DeclRange = b.DefRange
		as, moreDiags := attrs(b.Body, "users", "invites", "protect", "max")
		diags = append(diags, moreDiags...)
		for _, a := range sortedAttrs(as) {
			p.Ranges[a.Name] = a.Expr.Range()
			switch a.Name {
			case "users", "invites":
				v, ok := ev.str(a, &diags)
				if !ok {
					continue
				}
				valid := map[string][]string{"users": pruneUsers, "invites": pruneInvites}[a.Name]
				if !slices.Contains(valid, v) {
					diags = append(diags, attrError(a, "Invalid prune mode", fmt.Sprintf("prune.%s must be one of %s, not %q.", a.Name, strings.Join(quoteAll(valid), ", "), shown(v, false))))
					continue
				}
				if a.Name == "users" {
					p.Users = v
				} else {
					p.Invites = v
				}
			case "protect":
				if v, ok := ev.strings(a, &diags); ok {
					p.Protect = v
				}
			case "max":
				if v, ok := ev.whole(a, 0, &diags); ok {
					p.Max = int(v)
				}
			}
		}
	}
	return diags
}

// decodeRemoteInstances reads the remote_instance blocks.
func decodeRemoteInstances(ev *evaluator, blocks hcl.Blocks, cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*RemoteInstance{}
	for _, b := range blocks {
		r := &RemoteInstance{Domain: strings.ToLower(b.Labels[0]), DeclRange: b.DefRange, LabelRange: b.LabelRanges[0], Ranges: map[string]hcl.Range{}}
		as, moreDiags := attrs(b.Body, "active")
		diags = append(diags, moreDiags...)
		if why := badDomain(r.Domain); why != "" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid domain",
				Detail: fmt.Sprintf("%q is not a domain: %s. Write the domain of the accounts' addresses, as in user@spam.example: remote_instance \"spam.example\".", shown(b.Labels[0], false), why), Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		if prev, ok := seen[r.Domain]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate remote_instance block",
				Detail:  fmt.Sprintf("%s was already declared at %s (domains are compared case-insensitively). Merge the two blocks.", r.Address(), rangeString(prev.DeclRange)),
				Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		seen[r.Domain] = r
		if a, ok := as["active"]; ok {
			if v, ok := ev.boolean(a, &diags); ok {
				r.Active, r.Ranges["active"] = &v, a.Expr.Range()
			}
		}
		cfg.RemoteInstances = append(cfg.RemoteInstances, r)
	}
	return diags
}

// badDomain says why d, lower-cased, is not a host name (with an optional
// port, as a nickname's domain may have), or "".
func badDomain(d string) string {
	host, port, hasPort := strings.Cut(d, ":")
	switch {
	case d == "":
		return "it is empty"
	case strings.ContainsAny(d, "@/"):
		return "it holds an @ or a /"
	case hasPort && (port == "" || strings.Trim(port, "0123456789") != "" || len(port) > 5):
		return "its port is not a number"
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || strings.HasPrefix(label, "-") || strings.HasSuffix(label, "-") {
			return "it has an empty label, or one that starts or ends with a hyphen or is longer than 63 characters"
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Sprintf("it holds %q; an internationalized domain is written in its xn-- (punycode) form, as the server stores it", c)
			}
		}
	}
	return ""
}

// decodeLocalUsers reads the local_users block.
func decodeLocalUsers(ev *evaluator, blocks hcl.Blocks, cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i, b := range blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate local_users block",
				Detail: fmt.Sprintf("A local_users block was already declared at %s. Merge the two into one.", rangeString(blocks[0].DefRange)), Subject: b.DefRange.Ptr()})
			continue
		}
		l := &LocalUsers{DeclRange: b.DefRange, Ranges: map[string]hcl.Range{}}
		as, moreDiags := attrs(b.Body, "confirmed")
		diags = append(diags, moreDiags...)
		if a, ok := as["confirmed"]; ok {
			if v, ok := ev.boolean(a, &diags); ok {
				l.Confirmed, l.Ranges["confirmed"] = &v, a.Expr.Range()
			}
		}
		cfg.LocalUsers = l
	}
	return diags
}
