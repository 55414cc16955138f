package applier_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/plans"
)

// enforcedConfig creates carol and tags bob, under a check that allows
// one admin.
const enforcedConfig = `
server { url = "https://social.example.org" }
user "carol" { email = "carol@example.org" }
user "bob" { tags = ["reviewed"] }
check "one_admin" {
  enforce = true
  assert {
    condition     = length([for u in live.users : u if u.admin]) <= 1
    error_message = "One admin at most: ${join(", ", sort([for u in live.users : u.nickname if u.admin]))}."
  }
}
`

// TestApplyEnforcedCheckRollsBack: the checks pass on the state the plan
// would leave, then bob is made an admin by hand before the apply. The
// plan made again under the lock writes the same (the configuration does
// not manage bob's role), and the check, evaluated in the transaction
// after the writes, fails: the apply returns a *CheckError naming it, and
// nothing is written. Once bob is no admin, the same apply commits, and
// planning again is empty.
func TestApplyEnforcedCheckRollsBack(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			insert(t, conn, seed{nick: "root", admin: true})
			insert(t, conn, seed{nick: "bob"})
			cfg := config(t, enforcedConfig)
			p := makePlan(t, conn, cfg)
			if len(p.Checks) != 1 || p.Checks[0].Status != plans.CheckPass {
				t.Fatalf("checks on the state the plan would leave: %+v", p.Checks)
			}
			if _, err := conn.Exec(t.Context(), `UPDATE users SET is_admin = true WHERE nickname = 'bob'`); err != nil {
				t.Fatal(err)
			}

			_, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			var refused *applier.CheckError
			if !errors.As(err, &refused) {
				t.Fatalf("apply: %v (%T), want a *CheckError", err, err)
			}
			if len(refused.Checks) != 1 || refused.Checks[0].Address != "check.one_admin" ||
				len(refused.Checks[0].Problems) != 1 || refused.Checks[0].Problems[0] != "One admin at most: bob, root." {
				t.Errorf("refused by %+v", refused.Checks)
			}
			if len(refused.Diags) != 1 || !refused.Diags.HasErrors() || refused.Diags[0].Subject == nil || refused.Diags[0].Subject.Start.Line != 8 {
				t.Errorf("diagnostics: %v", refused.Diags)
			}
			var carol, tagged int
			row(t, conn, `SELECT count(*) FROM users WHERE nickname = 'carol'`, nil, &carol)
			row(t, conn, `SELECT count(*) FROM users WHERE 'reviewed' = ANY(tags)`, nil, &tagged)
			if carol != 0 || tagged != 0 {
				t.Errorf("after the refused apply: %d carol, %d tagged; nothing may be written", carol, tagged)
			}

			if _, err := conn.Exec(t.Context(), `UPDATE users SET is_admin = false WHERE nickname = 'bob'`); err != nil {
				t.Fatal(err)
			}
			p = makePlan(t, conn, cfg)
			res, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if len(res.Plan.Checks) != 1 || res.Plan.Checks[0].Status != plans.CheckPass || len(res.Warnings) != 0 {
				t.Errorf("checks on what the apply wrote: %+v, warnings %v", res.Plan.Checks, res.Warnings)
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Fatalf("planning again is not empty: %+v", again.Changes)
			}
		})
	}
}

// predictConfig changes accounts and invites every way a plan can, under
// a check that never holds and whose message is the whole of live but
// what only apply knows (the time it creates an account or an invite, an
// invite's id).
const predictConfig = `
server {
  url           = "https://social.example.org"
  invite_secret = var.secret
}
variable "secret" { sensitive = true }
variable "email" {
  sensitive = true
  default   = "dave@example.org"
}
user "alice" {
  email = "alice@example.org"
  admin = true
  tags  = ["staff", "Staff"]
}
user "bob" {
  name      = "Bob"
  moderator = false
  tags      = ["reviewed"]
  active    = false
}
user "dave" { email = var.email }
user "erin" {
  state = "absent"
}
local_users { confirmed = false }
invite "spring" { max_use = 3 }
invite "gone" { revoked = true }
prune { invites = "revoke" }
check "everything" {
  assert {
    condition     = false
    error_message = jsonencode({
      users   = [for u in live.users : [u.nickname, u.name, u.admin, u.moderator, u.active, u.confirmed, u.approved, u.locked, u.mfa, u.tags, u.last_active_at]]
      emails  = [for u in live.users : [u.nickname, u.email] if u.nickname != "dave"]
      invites = [for i in live.invites : [i.name, i.invite_type, i.expires_at, i.uses, i.max_use, i.used, i.state]]
    })
  }
}
check "shows_secret" {
  assert {
    condition     = false
    error_message = join(", ", [for u in live.users : u.email if u.email != null])
  }
}
check "decided_by_secret" {
  assert {
    condition     = !anytrue([for u in live.users : u.email == "dave@example.org"])
    error_message = "x"
  }
}
`

// TestPredictedChecksMatchApply: what the checks see of the state a plan
// would leave is what they see of the state its apply wrote: accounts
// created with the server's defaults, updated (tags as the applier keeps
// them), deleted, unconfirmed by local_users; invites created, revoked by
// prune. A value from a sensitive variable (dave's e-mail address) is not
// shown: the message is refused.
func TestPredictedChecksMatchApply(t *testing.T) {
	for _, fx := range pgtest.Flavors() {
		t.Run(fx.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, fx))
			insert(t, conn, seed{nick: "bob", mod: true, tags: []string{"Old", "gone"}})
			insert(t, conn, seed{nick: "erin", email: "erin@example.org"})
			insert(t, conn, seed{nick: "frank", email: "frank@example.org"})
			if _, err := conn.Exec(t.Context(), `INSERT INTO user_invite_tokens (token, used, max_use, uses, invite_type, inserted_at, updated_at)
			  VALUES ('undeclared-token', false, NULL, 0, 'one_time', now(), now())`); err != nil {
				t.Fatal(err)
			}
			cfg := config(t, predictConfig, "secret="+inviteSecret)
			p := makePlan(t, conn, cfg)
			if len(p.Checks) != 3 || len(p.Checks[0].Problems) != 1 {
				t.Fatalf("checks of the plan: %+v", p.Checks)
			}
			predicted := p.Checks[0].Problems[0]
			const want = `{"emails":[["alice","alice@example.org"],["bob",null],["frank","frank@example.org"]],` +
				`"invites":[[null,"one_time",null,0,null,true,"used"],["gone","one_time",null,0,null,true,"used"],["spring","reusable",null,0,3,false,"usable"]],` +
				`"users":[["alice","alice",true,false,true,true,true,false,false,["staff"],null],` +
				`["bob","Bob",false,false,false,false,true,false,false,["Old","reviewed"],null],` +
				`["dave","dave",false,false,true,false,true,false,false,[],null],` +
				`["frank","frank",false,false,true,false,true,false,false,[],null]]}`
			if predicted != want {
				t.Errorf("the state the plan would leave:\n%s\nwant\n%s", predicted, want)
			}
			secret := []plans.Check{p.Checks[1], p.Checks[2]}

			res, err := applier.Apply(t.Context(), conn, p, cfg, replan(applier.Options{}))
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			if len(res.Plan.Checks) != 3 || len(res.Plan.Checks[0].Problems) != 1 || len(res.Warnings) != 3 {
				t.Fatalf("checks of the apply: %+v; warnings %v", res.Plan.Checks, res.Warnings)
			}
			if wrote := res.Plan.Checks[0].Problems[0]; wrote != predicted {
				t.Errorf("the state the apply wrote:\n%s\nthe state the plan predicted:\n%s", wrote, predicted)
			}
			for i, c := range append(secret, res.Plan.Checks[1], res.Plan.Checks[2]) {
				want := plans.Check{Address: "check.shows_secret", Name: "shows_secret", Status: plans.CheckFail,
					Problems: []string{"(the error message is not shown: it derives from a value of a sensitive variable)"}}
				if i%2 == 1 {
					want = plans.Check{Address: "check.decided_by_secret", Name: "decided_by_secret", Status: plans.CheckError,
						Errors: []string{"Condition decided by a sensitive value: " + c.Errors[0][len("Condition decided by a sensitive value: "):]}}
				}
				want.Source = c.Source
				if !reflect.DeepEqual(c, want) || strings.Contains(strings.Join(append(c.Problems, c.Errors...), " "), "dave@") {
					t.Errorf("%+v\nwant %+v", c, want)
				}
			}
			if again := makePlan(t, conn, cfg); !again.Empty() {
				t.Fatalf("planning again is not empty: %+v", again.Changes)
			}
		})
	}
}
