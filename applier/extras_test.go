package applier_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
)

// addSession inserts an OAuth token or authorization issued at the given
// time (session, beside, issues them now).
func addSession(t *testing.T, conn *pgx.Conn, table, user string, at time.Time) {
	t.Helper()
	if _, err := conn.Exec(t.Context(), `INSERT INTO `+table+` (app_id, user_id, token, inserted_at, updated_at)
	  VALUES ($1, $2, md5(random()::text), $3, $3)`, oauthApp(t, conn), user, at); err != nil {
		t.Fatal(err)
	}
}

// sessionsLeft lists "nick:table:hour" of every remaining token and
// authorization, sorted.
func sessionsLeft(t *testing.T, conn *pgx.Conn) string {
	t.Helper()
	rows, err := conn.Query(t.Context(), `
	  SELECT u.nickname || ':tok:' || to_char(t.inserted_at, 'HH24') FROM oauth_tokens t JOIN users u ON u.id = t.user_id
	  UNION ALL
	  SELECT u.nickname || ':auth:' || to_char(a.inserted_at, 'HH24') FROM oauth_authorizations a JOIN users u ON u.id = a.user_id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

// TestSessionsValidAfter: the tokens and authorizations of that account
// issued before the instant are deleted, and only those (§2.9); the plan
// counts them; a second plan is empty.
func TestSessionsValidAfter(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			alice := insert(t, conn, seed{nick: "alice"})
			bob := insert(t, conn, seed{nick: "bob"})
			day := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
			addSession(t, conn, "oauth_tokens", alice, day.Add(-2*time.Hour))       // 22: revoked
			addSession(t, conn, "oauth_tokens", alice, day.Add(-time.Second))       // 23: revoked
			addSession(t, conn, "oauth_authorizations", alice, day.Add(-time.Hour)) // 23: revoked
			addSession(t, conn, "oauth_tokens", alice, day)                         // 00: kept, not before
			addSession(t, conn, "oauth_tokens", alice, day.Add(time.Hour))          // 01: kept
			addSession(t, conn, "oauth_tokens", bob, day.Add(-time.Hour))           // 23: another user's
			cfg := config(t, `user "alice" {
  sessions_valid_after = "2026-11-20T01:00:00+01:00"
}`)
			p := applyConverged(t, conn, cfg)
			if len(p.Changes) != 1 {
				t.Fatalf("plan = %+v, want one change", p.Changes)
			}
			a := p.Changes[0].Attr("sessions")
			if a == nil || a.Before != int64(3) || a.After != int64(0) {
				t.Errorf("sessions attribute = %+v, want 3 -> 0", a)
			}
			if n := strings.Join(p.Changes[0].Notes, "\n"); !strings.Contains(n, "3 sessions revoked: 2 OAuth tokens and 1 authorization issued before 2026-11-20T00:00:00Z") {
				t.Errorf("notes = %q", n)
			}
			if got, want := sessionsLeft(t, conn), "alice:tok:00 alice:tok:01 bob:tok:23"; got != want {
				t.Errorf("sessions left = %s, want %s", got, want)
			}
		})
	}
}

// TestMFAOff: mfa = false writes what the server's reset_mfa writes (the
// TOTP method reset, enabled false, backup codes kept) on an account with
// MFA on, and leaves an account with MFA off alone.
func TestMFAOff(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			ctx := t.Context()
			insert(t, conn, seed{nick: "alice"})
			insert(t, conn, seed{nick: "bob"})
			if _, err := conn.Exec(ctx, `UPDATE users SET multi_factor_authentication_settings =
			  '{"enabled": true, "backup_codes": ["$pbkdf2-sha512$1$a$b"], "totp": {"secret": "JBSWY3DPEHPK3PXP", "delivery_type": "app", "confirmed": true}}'
			  WHERE nickname = 'alice'`); err != nil {
				t.Fatal(err)
			}
			var bobBefore string
			row(t, conn, `SELECT multi_factor_authentication_settings::text || updated_at::text FROM users WHERE nickname = 'bob'`, nil, &bobBefore)
			cfg := config(t, `user "alice" {
  mfa = false
}

user "bob" {
  mfa = false
}`)
			p := applyConverged(t, conn, cfg)
			if len(p.Changes) != 1 || p.Changes[0].Address != "user.alice" || p.Changes[0].Attr("mfa") == nil {
				t.Fatalf("plan = %+v, want alice's mfa only", p.Changes)
			}
			var got string
			row(t, conn, `SELECT multi_factor_authentication_settings::text FROM users WHERE nickname = 'alice'`, nil, &got)
			var gotJSON, wantJSON any
			json.Unmarshal([]byte(got), &gotJSON)
			json.Unmarshal([]byte(`{"enabled": false, "backup_codes": ["$pbkdf2-sha512$1$a$b"], "totp": {"secret": null, "delivery_type": "app", "confirmed": false}}`), &wantJSON)
			if fmt.Sprint(gotJSON) != fmt.Sprint(wantJSON) {
				t.Errorf("settings = %s, want the server's reset_mfa JSON with the backup codes kept", got)
			}
			var bobAfter string
			row(t, conn, `SELECT multi_factor_authentication_settings::text || updated_at::text FROM users WHERE nickname = 'bob'`, nil, &bobAfter)
			if bobAfter != bobBefore {
				t.Errorf("bob, MFA off, was rewritten: %s -> %s", bobBefore, bobAfter)
			}
		})
	}
}

// TestRemoteInstanceDeactivated: every account whose nickname's domain is
// exactly the block's is deactivated with the follow bookkeeping of §2.12
// (their follows of active local accounts removed, counts recomputed), not
// the accounts of a domain that merely contains it; an account arriving
// later is deactivated by the next apply.
func TestRemoteInstanceDeactivated(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			ctx := t.Context()
			gina := insert(t, conn, seed{nick: "gina"})
			fred := insert(t, conn, seed{nick: "fred"})
			s1 := insert(t, conn, seed{nick: "spam1@spam.example", remote: true})
			s2 := insert(t, conn, seed{nick: "spam2@Spam.Example", remote: true})
			insert(t, conn, seed{nick: "old@spam.example", remote: true, inactive: true})
			au := insert(t, conn, seed{nick: "ok@spam.example.au", remote: true})
			follow(t, conn, s1, gina) // removed
			follow(t, conn, s2, gina) // removed
			follow(t, conn, au, gina) // kept: another domain
			follow(t, conn, fred, s1) // kept: a local follower's row stays, its count drops
			recount(t, conn)
			cfg := config(t, `remote_instance "spam.example" {
  active = false
}`)
			p := applyConverged(t, conn, cfg)
			if len(p.Changes) != 1 {
				t.Fatalf("plan = %+v", p.Changes)
			}
			c := p.Changes[0]
			if a := c.Attr("active_accounts"); c.Address != `remote_instance["spam.example"]` || a == nil || a.Before != int64(2) {
				t.Errorf("change = %+v, want remote_instance[\"spam.example\"] with active_accounts 2 -> 0", c)
			}
			if n := strings.Join(c.Notes, " "); !strings.Contains(n, "2 accounts of spam.example deactivated") || !strings.Contains(n, "2 of their follows of local accounts removed") {
				t.Errorf("notes = %q", n)
			}
			if got, want := follows(t, conn), "fred->spam1@spam.example ok@spam.example.au->gina"; got != want {
				t.Errorf("follows = %s, want %s", got, want)
			}
			var active string
			row(t, conn, `SELECT string_agg(nickname || '=' || is_active, ' ' ORDER BY nickname) FROM users WHERE NOT local`, nil, &active)
			if want := "ok@spam.example.au=true old@spam.example=false spam1@spam.example=false spam2@Spam.Example=false"; active != want {
				t.Errorf("remote accounts = %s, want %s", active, want)
			}
			var ginaFollowers, fredFollowing int
			row(t, conn, `SELECT follower_count FROM users WHERE id = $1`, []any{gina}, &ginaFollowers)
			row(t, conn, `SELECT following_count FROM users WHERE id = $1`, []any{fred}, &fredFollowing)
			if ginaFollowers != 1 || fredFollowing != 0 {
				t.Errorf("gina's followers = %d (want 1), fred's following = %d (want 0: spam1 is inactive)", ginaFollowers, fredFollowing)
			}

			// An account of the domain that arrives later is deactivated by
			// the next apply; a plan whose count moved is refused.
			insert(t, conn, seed{nick: "spam3@spam.example", remote: true})
			p = makePlan(t, conn, cfg)
			insert(t, conn, seed{nick: "spam4@spam.example", remote: true})
			_, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{}))
			var stale *applier.StaleError
			if !errors.As(err, &stale) || !strings.Contains(strings.Join(stale.Moved, "\n"), `remote_instance["spam.example"]: active_accounts: 1 → 0 in the plan shown, 2 → 0 now`) {
				t.Fatalf("apply after a new account = %v, want stale", err)
			}
			applyConverged(t, conn, cfg)

			// As many accounts in the wrong state, but other ones: stale too.
			insert(t, conn, seed{nick: "spam5@spam.example", remote: true})
			p = makePlan(t, conn, cfg)
			if _, err := conn.Exec(ctx, `UPDATE users SET is_active = NOT is_active WHERE nickname IN ('spam5@spam.example', 'old@spam.example')`); err != nil {
				t.Fatal(err)
			}
			_, err = applier.Apply(ctx, conn, p, cfg, replan(applier.Options{}))
			if !errors.As(err, &stale) || !strings.Contains(strings.Join(stale.Moved, "\n"), `remote_instance["spam.example"]: the accounts to change are not the ones the plan shown counted`) {
				t.Fatalf("apply after a swap = %v, want stale", err)
			}
		})
	}
}

// TestLocalUsersConfirmed: confirm_all's filter (§2.16): every local account
// but admins, moderators, internal actors, deleted accounts and users whose
// block sets confirmed, deactivated accounts included; unconfirm gives each
// a new token; a user demoted in the same plan is covered in the same apply.
func TestLocalUsersConfirmed(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			ctx := t.Context()
			for _, s := range []seed{{nick: "amy"}, {nick: "ben", inactive: true, email: "ben@x.example"}, {nick: "root", admin: true},
				{nick: "mod", mod: true}, {nick: "kept"}, {nick: "demoted", admin: true}, {nick: "gone", inactive: true}} {
				insert(t, conn, s)
			}
			insert(t, conn, seed{nick: "internal.fetch"})
			insert(t, conn, seed{nick: "rita@remote.example", remote: true})
			if _, err := conn.Exec(ctx, `UPDATE users SET is_confirmed = false, confirmation_token = 'old';
			  UPDATE users SET name = NULL WHERE nickname = 'gone'`); err != nil {
				t.Fatal(err)
			}
			cfg := config(t, `local_users {
  confirmed = true
}

user "kept" {
  confirmed = false
}

user "demoted" {
  admin = false
}

user "newbie" {
  email = "newbie@x.example"
}`)
			p := applyConverged(t, conn, cfg)
			var lu *plans.Change
			for i := range p.Changes {
				if p.Changes[i].Type == plans.TypeLocalUsers {
					lu = &p.Changes[i]
				}
			}
			if lu == nil || lu.Attr("unconfirmed_accounts").Before != int64(3) {
				t.Fatalf("local_users change = %+v, want 3 accounts (amy, ben, demoted)", lu)
			}
			if p.Changes[len(p.Changes)-1].Type != plans.TypeLocalUsers {
				t.Errorf("local_users is not the plan's last change")
			}
			var state string
			row(t, conn, `SELECT string_agg(nickname || '=' || is_confirmed || '/' || coalesce(confirmation_token, '-'), ' ' ORDER BY nickname) FROM users`, nil, &state)
			want := "amy=true/- ben=true/- demoted=true/- gone=false/old internal.fetch=false/old kept=false/old mod=false/old newbie=true/- rita@remote.example=false/old root=false/old"
			if state != want {
				t.Errorf("accounts = %s\nwant       %s", state, want)
			}

			// unconfirm_all: each account a new token of its own.
			cfg = config(t, `local_users {
  confirmed = false
}

user "kept" {
  confirmed = false
}`)
			applyConverged(t, conn, cfg)
			rows, err := conn.Query(ctx, `SELECT nickname, confirmation_token FROM users WHERE nickname IN ('amy', 'ben', 'demoted', 'newbie')`)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[string]bool{}
			token := regexp.MustCompile(`\A[A-Za-z0-9_-]{43}=\z`)
			for rows.Next() {
				var n, tok string
				if err := rows.Scan(&n, &tok); err != nil {
					t.Fatal(err)
				}
				if !token.MatchString(tok) || seen[tok] {
					t.Errorf("%s's confirmation token %q is not a fresh url-safe base64 of 32 bytes", n, tok)
				}
				seen[tok] = true
			}
			if len(seen) != 4 {
				t.Errorf("%d accounts unconfirmed, want 4", len(seen))
			}
		})
	}
}

// TestLocalUsersTargeted: with --target local_users, the count is made on
// the accounts as the targeted changes leave them, so a demotion left out
// of the target does not make the apply stale; the demotion and its
// confirmation follow in the next full plan.
func TestLocalUsersTargeted(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	ctx := t.Context()
	insert(t, conn, seed{nick: "amy"})
	insert(t, conn, seed{nick: "demoted", admin: true})
	if _, err := conn.Exec(ctx, `UPDATE users SET is_confirmed = false`); err != nil {
		t.Fatal(err)
	}
	cfg := config(t, `local_users {
  confirmed = true
}

user "demoted" {
  admin = false
}`)
	p, diags := planner.Make(ctx, conn, cfg, planner.Options{Targets: []string{"Local_Users"}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(p.Changes) != 1 || p.Changes[0].Attr("unconfirmed_accounts").Before != int64(1) {
		t.Fatalf("targeted plan = %+v, want local_users with 1 account (amy)", p.Changes)
	}
	if _, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{}, planner.Options{Targets: []string{"Local_Users"}})); err != nil {
		t.Fatalf("targeted apply: %v", err)
	}
	p = applyConverged(t, conn, cfg)
	if len(p.Changes) != 2 {
		t.Errorf("the full plan = %+v, want the demotion and local_users", p.Changes)
	}
}

// TestMFAMovedIsStale: a plan that changes an account and manages its mfa
// is refused when MFA was turned on since the plan.
func TestMFAMovedIsStale(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Akkoma))
	ctx := t.Context()
	insert(t, conn, seed{nick: "alice"})
	cfg := config(t, `user "alice" {
  name = "Alice L."
  mfa  = false
}`)
	p := makePlan(t, conn, cfg)
	if _, err := conn.Exec(ctx, `UPDATE users SET multi_factor_authentication_settings = '{"enabled": true, "backup_codes": [], "totp": {"secret": "S", "delivery_type": "app", "confirmed": true}}'`); err != nil {
		t.Fatal(err)
	}
	_, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{}))
	var stale *applier.StaleError
	if !errors.As(err, &stale) || strings.Join(stale.Moved, "\n") != "user.alice: mfa: not changed in the plan shown, true → false now" {
		t.Fatalf("apply = %v, want stale on mfa", err)
	}
}

// TestLocalUsersOtherAccountsAreStale: a plan's local_users change records
// which accounts it changes, not only how many: another account in the
// wrong state in place of one the plan counted makes it stale, as many as
// they are, naming both, and nothing is written.
func TestLocalUsersOtherAccountsAreStale(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	ctx := t.Context()
	insert(t, conn, seed{nick: "dave"})
	insert(t, conn, seed{nick: "erin"})
	// Ids in buckets 0xb0 (dave) and 0x44 (erin): each is named on its own.
	if _, err := conn.Exec(ctx, `UPDATE users SET is_confirmed = (nickname = 'erin'),
	  id = CASE nickname WHEN 'dave' THEN '00000199-0000-0000-0000-00000000000d'::uuid ELSE '00000199-0000-0000-0000-00000000000e'::uuid END`); err != nil {
		t.Fatal(err)
	}
	cfg := config(t, "local_users {\n  confirmed = true\n}\n")
	p := makePlan(t, conn, cfg)
	if _, err := conn.Exec(ctx, `UPDATE users SET is_confirmed = NOT is_confirmed`); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, conn)
	_, err := applier.Apply(ctx, conn, p, cfg, replan(applier.Options{}))
	var stale *applier.StaleError
	if !errors.As(err, &stale) || strings.Join(stale.Moved, "\n") != "local_users: the accounts to change are not the ones the plan shown counted\n"+
		"user.erin: counted in local_users now, not in the plan shown\nuser.dave: counted in local_users in the plan shown, not now" {
		t.Fatalf("apply after a swap = %v, want stale, naming erin and dave", err)
	}
	sameSnapshot(t, before, snapshot(t, conn))
	applyConverged(t, conn, cfg)
}
