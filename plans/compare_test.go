package plans_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
)

// reviewed is a plan of every kind of change, as a reviewer saw it.
func reviewed() *plans.Plan {
	return &plans.Plan{FormatVersion: plans.FormatVersion, Read: 6,
		Server: plans.Server{Flavor: server.Pleroma, Version: 20240904142434, URL: "https://social.example.org", Known: true},
		Changes: []plans.Change{
			{Address: "user.dave", Type: "user", Nickname: "dave", Action: plans.Update, ID: "00000199-0000-0000-0000-00000000000d",
				Attrs: []plans.Attr{{Name: "name", Before: "Dave", After: "David"}, {Name: "password", Sensitive: true},
					{Name: "sessions", Before: int64(3), After: int64(0)}},
				Notes: []string{"3 sessions revoked"}, Unchanged: 2, Source: plans.Source{Filename: "users.hcl", Line: 4}},
			{Address: "user.hatter", Type: "user", Nickname: "hatter", Action: plans.Create,
				Attrs: []plans.Attr{{Name: "ap_id", After: "https://social.example.org/users/hatter"}, {Name: "id", Computed: true},
					{Name: "tags", After: []string{"verified"}}}},
			{Address: "user.mallory", Type: "user", Nickname: "mallory", Action: plans.Delete, ID: "00000199-0000-0000-0000-00000000000e",
				Attrs: []plans.Attr{{Name: "active", Before: true}, {Name: "email", Before: "m@example.org"}}},
			{Address: "user.erin", Type: "user", Nickname: "erin", Action: plans.Update, ID: "00000199-0000-0000-0000-00000000000f",
				Attrs: []plans.Attr{{Name: "sessions", Before: int64(1), After: int64(0)}}},
			{Address: "invite.spring", Type: "invite", Nickname: "spring", Action: plans.Update, InviteID: 7,
				Attrs: []plans.Attr{{Name: "max_use", Before: int64(5), After: int64(6)}}},
			{Address: `remote_instance["spam.example"]`, Type: "remote_instance", Nickname: "spam.example", Action: plans.Update,
				Accounts: []accountset.Bucket{{Bucket: 3, Count: 2, Digest: "0123456789abcdef0123456789abcdef"}}, Attrs: []plans.Attr{{Name: "active_accounts", Before: int64(2), After: int64(0)}}},
		}}
}

func TestDifferences(t *testing.T) {
	for name, tc := range map[string]struct {
		edit func(p *plans.Plan)
		want []string
	}{
		"the same plan": {func(*plans.Plan) {}, nil},
		"only what describes differs": {func(p *plans.Plan) {
			p.Read = 7
			p.Changes[0].Notes, p.Changes[0].Unchanged, p.Changes[0].Source = nil, 0, plans.Source{}
			p.Changes[0].Attrs[2].Before = int64(9) // sessions are deleted by age, however many
			p.Changes[3].Attrs[0].Before = int64(4)
			p.Changes[4].Reasons = []string{"because"}
		}, nil},
		"an update of sessions alone is gone": {func(p *plans.Plan) { p.Changes = append(p.Changes[:3], p.Changes[4:]...) }, nil},
		"an attribute added": {func(p *plans.Plan) {
			p.Changes[0].Attrs = append(p.Changes[0].Attrs, plans.Attr{Name: "admin", Before: false, After: true})
		}, []string{"user.dave: admin: false → true in the saved plan, not changed now"}},
		"an attribute's value": {func(p *plans.Plan) { p.Changes[0].Attrs[0].After = "Mallory" },
			[]string{`user.dave: name: "Dave" → "Mallory" in the saved plan, "Dave" → "David" now`}},
		"a secret made plain": {func(p *plans.Plan) { p.Changes[0].Attrs[1] = plans.Attr{Name: "password", After: "hunter2"} },
			[]string{`user.dave: password: null → "hunter2" in the saved plan, (sensitive value) now`}},
		"an attribute dropped": {func(p *plans.Plan) { p.Changes[0].Attrs = p.Changes[0].Attrs[1:] },
			[]string{`user.dave: name: not changed in the saved plan, "Dave" → "David" now`}},
		"a change added": {func(p *plans.Plan) {
			p.Changes = append(p.Changes, plans.Change{Address: "user.root", Type: "user", Nickname: "root", Action: plans.Delete, ID: "00000199-0000-0000-0000-000000000001"})
		}, []string{"user.root: the saved plan deletes it, a new plan does not"}},
		"a change dropped": {func(p *plans.Plan) { p.Changes = p.Changes[1:] },
			[]string{`user.dave: a new plan also changes it: name "Dave" → "David", password (sensitive value)`}},
		"an action changed": {func(p *plans.Plan) { p.Changes[0].Action = plans.Delete },
			[]string{"user.dave: the saved plan deletes it, a new plan changes it"}},
		"a row retargeted": {func(p *plans.Plan) { p.Changes[0].ID = "00000199-0000-0000-0000-000000000001" },
			[]string{"user.dave: row id 00000199-0000-0000-0000-000000000001 in the saved plan, 00000199-0000-0000-0000-00000000000d now"}},
		"an invite row retargeted": {func(p *plans.Plan) { p.Changes[4].InviteID = 1 },
			[]string{"invite.spring: invite row 1 in the saved plan, 7 now"}},
		"other remote accounts": {func(p *plans.Plan) {
			p.Changes[5].Accounts = []accountset.Bucket{{Bucket: 3, Count: 2, Digest: "ffffffffffffffffffffffffffffffff"}}
		},
			[]string{`remote_instance["spam.example"]: the accounts to change are not the ones the saved plan counted`}},
		"a deletion's values": {func(p *plans.Plan) { p.Changes[2].Attrs[1].Before = "x@example.org" },
			[]string{`user.mallory: email: "x@example.org" in the saved plan, "m@example.org" now`}},
		"a computed value given": {func(p *plans.Plan) { p.Changes[1].Attrs[1] = plans.Attr{Name: "id", After: "00000199"} },
			[]string{`user.hatter: id: null → "00000199" in the saved plan, (known after apply) now`}},
		"a list": {func(p *plans.Plan) { p.Changes[1].Attrs[2].After = []string{"verified", "admin"} },
			[]string{`user.hatter: tags: null → ["verified", "admin"] in the saved plan, null → ["verified"] now`}},
		"the server's URL": {func(p *plans.Plan) { p.Server.URL = "https://evil.example" },
			[]string{"the server's URL: https://evil.example in the saved plan, https://social.example.org now"}},
		"the server": {func(p *plans.Plan) { p.Server.Flavor, p.Server.Known = server.Akkoma, false }, []string{
			"the server: akkoma schema 20240904142434 in the saved plan, pleroma schema 20240904142434 now",
			"the server's schema: known_version false in the saved plan, true now"}},
		"the moderation log's actor": {func(p *plans.Plan) { p.AuditActor = "root" },
			[]string{"the moderation log's actor: root in the saved plan, none now"}},
		"a change listed twice": {func(p *plans.Plan) { p.Changes = append(p.Changes, p.Changes[4]) },
			[]string{"invite.spring: listed more than once in the saved plan"}},
		"a terminal escape in a value": {func(p *plans.Plan) { p.Changes[0].Attrs[0].After = "\x1b[2J" + strings.Repeat("x", 100) },
			// Quoted, and cut at 60 characters: 4 of the escape, 56 x.
			[]string{`user.dave: name: "Dave" → "\x1b[2J` + strings.Repeat("x", 56) + `"… in the saved plan, "Dave" → "David" now`}},
	} {
		t.Run(name, func(t *testing.T) {
			saved := reviewed()
			tc.edit(saved)
			if got := plans.Differences(saved, reviewed(), "the saved plan"); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("differences:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// TestDifferencesCoverEveryField: every field of a change, an attribute
// and the server is compared, but those that only describe. A field added
// to the plan later is compared unless it is added to the list below, so
// that nothing a plan file says reaches the database unchecked.
func TestDifferencesCoverEveryField(t *testing.T) {
	descriptive := map[string]bool{"Change.Unchanged": true, "Change.Reasons": true, "Change.Notes": true, "Change.Source": true,
		"Plan.Read": true, "Plan.Server": true, /* field by field */
		"Plan.Checks": true /* evaluated again by apply, on what it writes */}
	// Compared element by element: in TestDifferences, change by change.
	byElement := map[string]bool{"Change.Attrs": true, "Plan.Changes": true}
	// changed returns v with a value other than the one it has.
	changed := func(v reflect.Value) (reflect.Value, bool) {
		n := reflect.New(v.Type()).Elem()
		switch v.Kind() {
		case reflect.String:
			n.SetString(v.String() + "x")
		case reflect.Bool:
			n.SetBool(!v.Bool())
		case reflect.Int, reflect.Int64:
			n.SetInt(v.Int() + 1)
		case reflect.Interface:
			n.Set(reflect.ValueOf("changed"))
		case reflect.Slice:
			n.Set(reflect.Append(v, reflect.New(v.Type().Elem()).Elem()))
		default:
			return n, false
		}
		return n, true
	}
	check := func(name string, edit func(p *plans.Plan) reflect.Value) {
		t.Helper()
		base := reviewed()
		s := edit(base)
		for i := range s.NumField() {
			field := s.Type().Name() + "." + s.Type().Field(i).Name
			if byElement[field] {
				continue
			}
			saved := reviewed()
			target := edit(saved).Field(i)
			v, ok := changed(target)
			if !ok {
				if !descriptive[field] {
					t.Errorf("%s: %s is of a kind this test cannot change; compare it, or list it as descriptive", name, field)
				}
				continue
			}
			target.Set(v)
			got := plans.Differences(saved, reviewed(), "the saved plan")
			if descriptive[field] && len(got) > 0 {
				t.Errorf("%s: %s only describes, but differs: %q", name, field, got)
			}
			if !descriptive[field] && len(got) == 0 {
				t.Errorf("%s: a change of %s is not a difference", name, field)
			}
		}
	}
	check("a plan", func(p *plans.Plan) reflect.Value { return reflect.ValueOf(p).Elem() })
	check("the server", func(p *plans.Plan) reflect.Value { return reflect.ValueOf(&p.Server).Elem() })
	for i, c := range reviewed().Changes {
		if c.Address == "user.erin" {
			// It ends sessions by their age and writes nothing else: it is
			// not compared at all, and apply writes the new plan's.
			continue
		}
		check("change "+c.Address, func(p *plans.Plan) reflect.Value { return reflect.ValueOf(&p.Changes[i]).Elem() })
	}
	check("an attribute", func(p *plans.Plan) reflect.Value { return reflect.ValueOf(&p.Changes[0].Attrs[0]).Elem() })
}
