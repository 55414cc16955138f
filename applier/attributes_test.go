package applier_test

import (
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/plans"
)

// TestEveryAttributeRoundTrip checks, for each attribute the account table
// compares, that what the applier writes is what the planner reads back:
// an account created with one value and then updated to another carries
// the attribute in both plans, and each apply leaves nothing to plan. A
// new compared attribute needs two values here (NICK stands for the
// nickname).
func TestEveryAttributeRoundTrip(t *testing.T) {
	values := map[string][2]string{
		account.Email:     {`"NICK@example.org"`, `"NICK@example.net"`},
		account.Name:      {`"First"`, `"Second"`},
		account.Bio:       {`"Hello"`, `"Hello <b>\nthere"`},
		account.Admin:     {`false`, `true`},
		account.Moderator: {`false`, `true`},
		account.Confirmed: {`true`, `false`},
		account.Approved:  {`true`, `false`},
		account.Locked:    {`false`, `true`},
		account.Active:    {`true`, `false`},
		account.Tags:      {`["a"]`, `["B", "c"]`},
	}
	for a := range account.Compared() {
		v, ok := values[a.Name]
		if !ok {
			t.Errorf("%s: no values", a.Name)
			continue
		}
		for _, f := range pgtest.Flavors() {
			t.Run(a.Name+"/"+f.Name, func(t *testing.T) {
				t.Parallel()
				conn := pgtest.Connect(t, pgtest.New(t, f))
				insert(t, conn, seed{nick: "bob"})
				src := func(value string) string {
					out := `server { url = "` + baseURL + `" }` + "\n"
					for _, nick := range []string{"bob", "carol"} {
						out += `user "` + nick + `" { ` + a.Name + ` = ` + strings.ReplaceAll(value, "NICK", nick) + " }\n"
					}
					return out
				}
				p := applyConverged(t, conn, config(t, src(v[0])))
				carries(t, p, "user.carol", plans.Create, a.Name)
				p = applyConverged(t, conn, config(t, src(v[1])))
				carries(t, p, "user.bob", plans.Update, a.Name)
				carries(t, p, "user.carol", plans.Update, a.Name)
			})
		}
	}
}

// carries checks that the plan has a change of action to address that
// carries attribute name.
func carries(t *testing.T, p *plans.Plan, address string, action plans.Action, name string) {
	t.Helper()
	for _, c := range p.Changes {
		if c.Address == address && c.Action == action && c.Attr(name) != nil {
			return
		}
	}
	t.Errorf("no %s of %s with %s in the plan: %+v", action, address, name, p.Changes)
}
