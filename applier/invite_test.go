package applier_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

const inviteSecret = "invite-secret-for-tests-0123456789"

type inviteRow struct {
	Token, Type       string
	Used              bool
	MaxUse            *int64
	ExpiresAt         *string
	Uses              int
	Inserted, Updated time.Time
}

func inviteRows(t *testing.T, conn *pgx.Conn) map[string]inviteRow {
	t.Helper()
	rows, err := conn.Query(t.Context(), `SELECT token, invite_type, used, max_use::bigint,
	  to_char(expires_at, 'YYYY-MM-DD'), uses, inserted_at, updated_at FROM user_invite_tokens ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]inviteRow{}
	for rows.Next() {
		var r inviteRow
		if err := rows.Scan(&r.Token, &r.Type, &r.Used, &r.MaxUse, &r.ExpiresAt, &r.Uses, &r.Inserted, &r.Updated); err != nil {
			t.Fatal(err)
		}
		out[r.Token] = r
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func i64(v int64) *int64       { return &v }
func str(v string) *string     { return &v }
func token(name string) string { return schema.DeriveInviteToken(inviteSecret, name) }

// TestInviteCreate checks the rows of the server's invite command for every
// invite_type, and the registration URLs in the result.
func TestInviteCreate(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			cfg := config(t, `
server {
  url           = "https://social.example.org"
  invite_secret = var.secret
}
variable "secret" { sensitive = true }
variable "given" { sensitive = true }
invite "both" {
  max_use    = 25
  expires_at = "2027-03-31"
}
invite "dated" { expires_at = "2027-04-01" }
invite "counted" { max_use = 2 }
invite "once" {}
invite "given" { token = var.given }
`, "secret="+inviteSecret, "given=given-token-xyz")
			p := makePlan(t, conn, cfg)
			start := time.Now().UTC().Truncate(time.Second)
			res, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			end := time.Now().UTC()
			if err != nil {
				t.Fatal(err)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Fatalf("planning again is not empty: %+v", again.Changes)
			}
			if res.Added != 5 {
				t.Errorf("added = %d, want 5", res.Added)
			}
			var wantURLs []string
			for _, c := range p.Changes {
				tok := token(c.Nickname)
				if c.Nickname == "given" {
					tok = "given-token-xyz"
				}
				wantURLs = append(wantURLs, baseURL+"/registration/"+tok)
			}
			if !reflect.DeepEqual(res.InviteURLs, wantURLs) {
				t.Errorf("invite URLs = %q, want %q (in plan order)", res.InviteURLs, wantURLs)
			}
			want := map[string]inviteRow{
				token("both"):     {Type: "reusable_date_limited", MaxUse: i64(25), ExpiresAt: str("2027-03-31")},
				token("dated"):    {Type: "date_limited", ExpiresAt: str("2027-04-01")},
				token("counted"):  {Type: "reusable", MaxUse: i64(2)},
				token("once"):     {Type: "one_time"},
				"given-token-xyz": {Type: "one_time"},
			}
			got := inviteRows(t, conn)
			if len(got) != len(want) {
				t.Fatalf("%d invites, want %d", len(got), len(want))
			}
			for tok, w := range want {
				g, ok := got[tok]
				if !ok {
					t.Errorf("no invite with the token %s", tok)
					continue
				}
				if g.Inserted != g.Updated || g.Inserted.Before(start) || g.Inserted.After(end) {
					t.Errorf("inserted_at, updated_at = %s, %s; want the apply's time", g.Inserted, g.Updated)
				}
				w.Token, w.Inserted, w.Updated = tok, g.Inserted, g.Updated
				if !reflect.DeepEqual(g, w) {
					t.Errorf("invite = %+v,\nwant %+v", g, w)
				}
			}
		})
	}
}

// seedInvite inserts an invite as the server's invite command would have.
func seedInvite(t *testing.T, conn *pgx.Conn, tok string, maxUse *int64, expiresAt *string, typ string, uses int, used bool) {
	t.Helper()
	then := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	_, err := conn.Exec(t.Context(), `INSERT INTO user_invite_tokens (token, used, max_use, expires_at, uses, invite_type, inserted_at, updated_at)
	  VALUES ($1, $2, $3::int, $4::date, $5, $6, $7, $7)`, tok, used, maxUse, expiresAt, uses, typ, then)
	if err != nil {
		t.Fatal(err)
	}
}

// TestInviteUpdate changes limits in place (invite_type recomputed, uses
// kept; null lifts a limit), revokes as revoke_invite does, and prunes an
// undeclared invite.
func TestInviteUpdate(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			seedInvite(t, conn, token("grow"), i64(5), nil, "reusable", 3, false)
			seedInvite(t, conn, token("undate"), i64(5), str("2026-01-01"), "reusable_date_limited", 1, false)
			seedInvite(t, conn, token("date"), nil, nil, "one_time", 0, false)
			seedInvite(t, conn, token("revoke"), i64(10), nil, "reusable", 4, false)
			seedInvite(t, conn, token("same"), nil, str("2030-01-01"), "date_limited", 2, false)
			seedInvite(t, conn, "stray-token", nil, nil, "one_time", 0, false)
			seedInvite(t, conn, "spent-token", i64(1), nil, "reusable", 1, true)
			cfg := config(t, `
server { invite_secret = var.secret }
variable "secret" { sensitive = true }
invite "grow"   { max_use = 50 }
invite "undate" {
  max_use    = 5
  expires_at = null
}
invite "date"   { expires_at = "2027-12-31" }
invite "revoke" {
  max_use = 10
  revoked = true
}
invite "same" { expires_at = "2030-01-01" }
prune { invites = "revoke" }
`, "secret="+inviteSecret)
			p := makePlan(t, conn, cfg)
			if add, change, _ := p.Counts(); add != 0 || change != 5 {
				t.Fatalf("counts = %d/%d, want 0/5: %+v", add, change, p.Changes)
			}
			start := time.Now().UTC().Truncate(time.Second)
			res, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			end := time.Now().UTC()
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed != 5 || res.InviteURLs != nil {
				t.Errorf("result = %+v, want 5 changed and no URLs", res)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Fatalf("planning again is not empty: %+v", again.Changes)
			}
			then := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
			want := map[string]inviteRow{
				token("grow"):   {Type: "reusable", MaxUse: i64(50), Uses: 3},
				token("undate"): {Type: "reusable", MaxUse: i64(5), Uses: 1},
				token("date"):   {Type: "date_limited", ExpiresAt: str("2027-12-31")},
				token("revoke"): {Type: "reusable", MaxUse: i64(10), Uses: 4, Used: true},
				token("same"):   {Type: "date_limited", ExpiresAt: str("2030-01-01"), Uses: 2},
				"stray-token":   {Type: "one_time", Used: true},
				"spent-token":   {Type: "reusable", MaxUse: i64(1), Uses: 1, Used: true},
			}
			unchanged := map[string]bool{token("same"): true, "spent-token": true}
			got := inviteRows(t, conn)
			for tok, w := range want {
				g := got[tok]
				if g.Inserted != then {
					t.Errorf("%s: inserted_at = %s, want it kept", w.Type, g.Inserted)
				}
				if unchanged[tok] {
					if g.Updated != then {
						t.Errorf("%s: updated_at bumped although nothing changed", w.Type)
					}
				} else if g.Updated.Before(start) || g.Updated.After(end) {
					t.Errorf("%s: updated_at = %s, want the apply's time", w.Type, g.Updated)
				}
				w.Token, w.Inserted, w.Updated = tok, g.Inserted, g.Updated
				if !reflect.DeepEqual(g, w) {
					t.Errorf("invite = %+v,\nwant %+v", g, w)
				}
			}
		})
	}
}

// TestInviteStale: a token that appeared after the plan was made stops the
// apply, naming the invite but not its token; a registration that used an
// invite since does not (its uses only describe it).
func TestInviteStale(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			seedInvite(t, conn, token("spring"), i64(5), nil, "reusable", 0, false)
			cfg := config(t, `
server { invite_secret = var.secret }
variable "secret" { sensitive = true }
invite "spring" { max_use = 6 }
invite "summer" {}
`, "secret="+inviteSecret)
			p := makePlan(t, conn, cfg)
			// A registration uses spring; someone creates summer's token by hand.
			if _, err := conn.Exec(t.Context(), `UPDATE user_invite_tokens SET uses = uses + 1 WHERE token = $1`, token("spring")); err != nil {
				t.Fatal(err)
			}
			seedInvite(t, conn, token("summer"), nil, nil, "one_time", 0, false)
			before := snapshot(t, conn)
			_, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			var stale *applier.StaleError
			if !errors.As(err, &stale) {
				t.Fatalf("err = %v, want a StaleError", err)
			}
			want := []string{"invite.summer: the plan shown creates it, a new plan does not"}
			if !reflect.DeepEqual(stale.Moved, want) {
				t.Errorf("moved = %q, want %q", stale.Moved, want)
			}
			for _, name := range []string{"spring", "summer"} {
				if strings.Contains(err.Error(), token(name)) || strings.Contains(fmt.Sprintf("%#v", err), token(name)) {
					t.Errorf("the error shows a token: %v", err)
				}
			}
			sameSnapshot(t, before, snapshot(t, conn))
		})
	}
}

// TestHandMadeInvitePlansAreRefused: a plan is evidence, not instructions.
// A plan made by hand (an invite_type that disagrees with its limits, a
// used invite reopened) is not what the configuration plans, so apply
// refuses it, naming the differences, and writes nothing; the plan the
// configuration does make is applied.
func TestHandMadeInvitePlansAreRefused(t *testing.T) {
	conn := pgtest.Connect(t, pgtest.New(t, pgtest.Pleroma))
	seedInvite(t, conn, "old-token", i64(5), nil, "reusable", 0, true)
	var id int64
	row(t, conn, `SELECT id FROM user_invite_tokens`, nil, &id)
	cfg := config(t, `
server { url = "https://social.example.org" }
variable "tok" { sensitive = true }
invite "new" {
  token      = var.tok
  expires_at = "2027-01-01"
}`, "tok=the-new-token")
	real := makePlan(t, conn, cfg)
	forge := func(edit func(p *plans.Plan)) *plans.Plan {
		p := makePlan(t, conn, cfg)
		edit(p)
		return p
	}
	for name, tc := range map[string]struct {
		plan *plans.Plan
		want []string
	}{
		"invite_type disagrees with the limits": {forge(func(p *plans.Plan) { p.Changes[0].Attr("invite_type").After = "one_time" }),
			[]string{`invite.new: invite_type: null → "one_time" in the plan shown, null → "date_limited" now`}},
		"a used invite reopened": {forge(func(p *plans.Plan) {
			p.Changes = append(p.Changes, plans.Change{Address: `invite["#1"]`, Type: "invite", Nickname: "#1", Action: plans.Update, InviteID: id,
				Attrs: []plans.Attr{{Name: "max_use", Before: int64(5), After: nil}, {Name: "revoked", Before: true, After: false}}})
		}), []string{`invite["#1"]: the plan shown changes it, a new plan does not`}},
	} {
		t.Run(name, func(t *testing.T) {
			before := snapshot(t, conn)
			_, err := applier.Apply(t.Context(), conn, tc.plan, cfg, replan(applier.Options{}))
			var stale *applier.StaleError
			if !errors.As(err, &stale) || !reflect.DeepEqual(stale.Moved, tc.want) {
				t.Fatalf("err = %v, want a StaleError with %q", err, tc.want)
			}
			if strings.Contains(fmt.Sprintf("%v %#v", err, err), "the-new-token") {
				t.Errorf("the error shows the token: %v", err)
			}
			sameSnapshot(t, before, snapshot(t, conn))
		})
	}
	res, err := applier.Apply(t.Context(), conn, real, cfg, replan(applier.Options{}))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{baseURL + "/registration/the-new-token"}; !reflect.DeepEqual(res.InviteURLs, want) {
		t.Errorf("invite URLs = %q, want %q", res.InviteURLs, want)
	}
	got := inviteRows(t, conn)
	if g := got["the-new-token"]; g.Type != "date_limited" || g.Used || g.Uses != 0 || g.ExpiresAt == nil || *g.ExpiresAt != "2027-01-01" {
		t.Errorf("created invite = %+v", g)
	}
	if g := got["old-token"]; g.Type != "reusable" || !g.Used || g.MaxUse == nil {
		t.Errorf("the used invite = %+v, want it untouched", g)
	}
}

// TestInviteLeftOutIsUnmanaged: on an existing invite, an attribute the
// block leaves out is unmanaged, as in a user block: revoking writes only
// used = true (what revoke_invite writes), a changed max_use keeps the
// date, and invite_type follows from the limits after the change, as the
// server computes it. null is a value: expires_at = null lifts the date.
func TestInviteLeftOutIsUnmanaged(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			seedInvite(t, conn, token("dated"), nil, str("2027-06-30"), "date_limited", 3, false)
			seedInvite(t, conn, token("both"), i64(5), str("2027-06-30"), "reusable_date_limited", 1, false)
			seedInvite(t, conn, token("lift"), i64(5), str("2027-06-30"), "reusable_date_limited", 0, false)
			seedInvite(t, conn, token("kept"), i64(4), nil, "reusable", 2, false)
			cfg := config(t, `
server { invite_secret = var.secret }
variable "secret" { sensitive = true }
invite "dated" { revoked = true }
invite "both" { max_use = 8 }
invite "lift" {
  max_use    = 5
  expires_at = null
}
invite "kept" {}
`, "secret="+inviteSecret)
			p := makePlan(t, conn, cfg)
			got := map[string][]plans.Attr{}
			unchanged := map[string]int{}
			for _, c := range p.Changes {
				got[c.Address], unchanged[c.Address] = c.Attrs, c.Unchanged
			}
			want := map[string][]plans.Attr{
				"invite.dated": {{Name: "revoked", Before: false, After: true}},
				"invite.both":  {{Name: "max_use", Before: int64(5), After: int64(8)}},
				"invite.lift": {{Name: "expires_at", Before: "2027-06-30", After: nil},
					{Name: "invite_type", Before: "reusable_date_limited", After: "reusable"}},
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("plan = %+v,\nwant %+v", got, want)
			}
			// Managed and unchanged: both's invite_type; lift's max_use.
			if w := map[string]int{"invite.dated": 0, "invite.both": 1, "invite.lift": 1}; !reflect.DeepEqual(unchanged, w) {
				t.Errorf("unchanged attributes = %v, want %v", unchanged, w)
			}
			if _, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{})); err != nil {
				t.Fatal(err)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Fatalf("planning again is not empty: %+v", again.Changes)
			}
			rows := inviteRows(t, conn)
			for tok, w := range map[string]inviteRow{
				token("dated"): {Type: "date_limited", ExpiresAt: str("2027-06-30"), Uses: 3, Used: true},
				token("both"):  {Type: "reusable_date_limited", MaxUse: i64(8), ExpiresAt: str("2027-06-30"), Uses: 1},
				token("lift"):  {Type: "reusable", MaxUse: i64(5)},
				token("kept"):  {Type: "reusable", MaxUse: i64(4), Uses: 2},
			} {
				g := rows[tok]
				w.Token, w.Inserted, w.Updated = tok, g.Inserted, g.Updated
				if !reflect.DeepEqual(g, w) {
					t.Errorf("invite = %+v,\nwant %+v", g, w)
				}
			}
		})
	}
}

// TestInviteRevokedUnknownToken: a revoked invite whose token no row holds
// is created revoked, as the server's invite then revoke_invite leave it,
// with no registration URL; the token can then never be used, even when
// the block later loses revoked = true.
func TestInviteRevokedUnknownToken(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			src := `
server { invite_secret = var.secret }
variable "secret" { sensitive = true }
invite "burned" {
  max_use = 10
  %s
}
`
			cfg := config(t, fmt.Sprintf(src, "revoked = true"), "secret="+inviteSecret)
			p := makePlan(t, conn, cfg)
			if len(p.Changes) != 1 || p.Changes[0].Action != plans.Create {
				t.Fatalf("plan = %+v, want the invite's creation", p.Changes)
			}
			c := p.Changes[0]
			if a := c.Attr("revoked"); a == nil || a.After != true {
				t.Errorf("attributes = %+v, want revoked = true", c.Attrs)
			}
			if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "created revoked") {
				t.Errorf("notes = %q, want one that says the invite is created revoked", c.Notes)
			}
			res, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			if err != nil {
				t.Fatal(err)
			}
			if res.Added != 1 || len(res.InviteURLs) != 0 {
				t.Errorf("result = %+v, want 1 added and no registration URL", res)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Fatalf("planning again is not empty: %+v", again.Changes)
			}
			g := inviteRows(t, conn)[token("burned")]
			if w := (inviteRow{Token: token("burned"), Type: "reusable", MaxUse: i64(10), Used: true, Inserted: g.Inserted, Updated: g.Inserted}); !reflect.DeepEqual(g, w) {
				t.Errorf("invite = %+v,\nwant %+v", g, w)
			}
			// Without revoked = true, the token stays unusable: roster never
			// reopens an invite.
			p, diags := planner_Make(t, conn, config(t, fmt.Sprintf(src, ""), "secret="+inviteSecret))
			if !p.Empty() || len(diags) != 1 || diags[0].Summary != "Invite used up or revoked" {
				t.Errorf("plan = %+v, diagnostics %v; want no change and a warning", p.Changes, diags)
			}
		})
	}
}
