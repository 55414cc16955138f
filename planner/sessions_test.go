package planner_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
)

// sessionAccounts seeds, on a server of fixture f, local accounts given as
// "nick:flags:tokens:authorizations" (flags: a admin, m moderator, i
// deactivated, r remote, d the server's purged tombstone) and returns the
// database's URL.
func sessionAccounts(t *testing.T, f pgtest.Fixture, accounts ...string) string {
	t.Helper()
	url := pgtest.New(t, f)
	pgtest.Exec(t, url, `INSERT INTO apps (id, client_name, redirect_uris, inserted_at, updated_at) VALUES (900, 'app', 'urn:ietf:wg:oauth:2.0:oob', now(), now())`)
	for i, a := range accounts {
		var nick, flags string
		var tokens, auths int
		parts := strings.Split(a, ":")
		nick, flags = parts[0], parts[1]
		fmt.Sscan(parts[2], &tokens)
		fmt.Sscan(parts[3], &auths)
		id := fmt.Sprintf("00000190-0000-0000-0000-%012d", i+1)
		ap := "https://social.example.org/users/" + nick
		local := !strings.Contains(flags, "r")
		if !local {
			ap = "https://spam.example/users/" + strings.Split(nick, "@")[0]
		}
		email, name, hash := any(nick+"@example.org"), any(nick), any("$pbkdf2-sha512$1$x$y")
		if strings.Contains(flags, "d") || !local {
			email, name, hash = nil, nil, nil
		}
		pgtest.Exec(t, url, `INSERT INTO users (id, nickname, email, name, password_hash, bio, ap_id, local, is_admin, is_moderator, is_active, inserted_at, updated_at)
		  VALUES ($1, $2, $3, $4, $5, '', $6, $7, $8, $9, $10, now(), now())`,
			id, nick, email, name, hash, ap, local, strings.Contains(flags, "a"), strings.Contains(flags, "m"),
			!strings.Contains(flags, "i") && !strings.Contains(flags, "d"))
		pgtest.Exec(t, url, `INSERT INTO oauth_tokens (app_id, user_id, token, inserted_at, updated_at)
		  SELECT 900, $1, md5(random()::text), '2026-01-01', '2026-01-01' FROM generate_series(1, $2)`, id, tokens)
		pgtest.Exec(t, url, `INSERT INTO oauth_authorizations (app_id, user_id, token, inserted_at, updated_at)
		  SELECT 900, $1, md5(random()::text), '2026-01-01', '2026-01-01' FROM generate_series(1, $2)`, id, auths)
	}
	return url
}

// sessionLines renders, for each change, its address, attributes and the
// reason its sessions end ("-" when they do not).
func sessionLines(p *plans.Plan) string {
	var out []string
	for _, c := range p.Changes {
		var attrs []string
		for _, a := range c.Attrs {
			if a.Name == "sessions" {
				attrs = append(attrs, fmt.Sprintf("sessions=%v", a.Before))
			} else {
				attrs = append(attrs, a.Name)
			}
		}
		why := "-"
		for _, n := range c.Notes {
			if i := strings.Index(n, " ended because "); i >= 0 {
				why = strings.SplitN(n[i+len(" ended because "):], ",", 2)[0]
			}
		}
		out = append(out, fmt.Sprintf("%s [%s] %s", c.Address, strings.Join(attrs, ","), why))
	}
	return strings.Join(out, "\n")
}

// TestPlanEndsSessions: the plan counts every session of an account it
// deactivates or takes a role from, with the reason, on both flavors; it
// counts none for a grant, an activation, a deletion (the server's delete
// job refreshes its cache), or a remote account (it cannot sign in here).
func TestPlanEndsSessions(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			url := sessionAccounts(t, f,
				"both:am:1:0", // loses both roles
				"fired:a:1:1", // loses admin and is deactivated
				"mod:m:2:0",   // loses moderator
				"newmod::1:0", // gains moderator
				"back:i:1:0",  // activated
				"gone::3:0",   // deleted
				"idle:a:0:0",  // loses admin, has no session
				"keep:a:1:0",  // keeps admin
				"x@spam.example:r:1:0",
			)
			p, diags := plan(t, url, `
user "both" {
  admin     = false
  moderator = false
}

user "fired" {
  admin  = false
  active = false
}

user "mod" { moderator = false }
user "newmod" { moderator = true }
user "back" { active = true }
user "gone" { state = "absent" }
user "idle" { admin = false }
user "keep" { admin = true }

remote_instance "spam.example" { active = false }
`)
			if diags.HasErrors() {
				t.Fatal(diags.Error())
			}
			want := `user.back [active] -
user.both [admin,moderator,sessions=1] the account loses admin and moderator
user.fired [active,admin,sessions=2] the account loses admin and is deactivated
user.gone [active,email,name] -
user.idle [admin] -
user.mod [moderator,sessions=2] the account loses moderator
user.newmod [moderator] -
remote_instance["spam.example"] [active_accounts] -`
			if got := sessionLines(p); got != want {
				t.Errorf("plan:\n%s\nwant:\n%s", got, want)
			}
		})
	}
}

// TestPlanEndsSessionsOfTargetsOnly: with --target, only the targeted
// changes count their sessions.
func TestPlanEndsSessionsOfTargetsOnly(t *testing.T) {
	url := sessionAccounts(t, pgtest.Akkoma, "a::1:0", "b::2:0")
	src := `
user "a" { active = false }
user "b" { active = false }
`
	p, diags := planWith(t, url, src, planner.Options{Targets: []string{"user.b"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if got, want := sessionLines(p), "user.b [active,sessions=2] the account is deactivated"; got != want {
		t.Errorf("plan:\n%s\nwant:\n%s", got, want)
	}
}
