package view_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

// reviewPlan has every kind of change a reviewer sees: a create that
// grants admin, an update that revokes moderator, a deletion of an admin, a
// deactivation, invites created and changed, and a canary secret in every
// sensitive attribute (the model never carries one there; the views must
// not print it even if it did).
func reviewPlan() *plans.Plan {
	p := groupsPlan()
	p.Server = plans.Server{Flavor: server.Pleroma, Version: 20240904142434, URL: "https://social.example.org", Known: true}
	p.Read = 12
	p.Changes[0].Attrs = append(p.Changes[0].Attrs, plans.Attr{Name: "id", Computed: true})
	p.Changes[1].Attrs = append(p.Changes[1].Attrs, plans.Attr{Name: "password", Sensitive: true, Before: secret, After: secret + "-new"})
	p.Changes = append(p.Changes, plans.Change{Address: "user.carol", Type: "user", Nickname: "carol", Action: plans.Update, Unchanged: 7,
		Reasons: []string{"because carol is not a member of group.staff"},
		Notes:   []string{"deactivated as the server's deactivate does"},
		Attrs:   []plans.Attr{{Name: "active", Before: true, After: false}}})
	return p
}

func jsonOf(t *testing.T, p *plans.Plan) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := view.JSON(&b, p, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPlanJSONGolden(t *testing.T) {
	golden(t, "plan.json", jsonOf(t, reviewPlan()))
}

// decodedPlan is what a consumer of Terraform's show -json reads.
type decodedPlan struct {
	FormatVersion   string `json:"format_version"`
	RosterVersion   string `json:"roster_version"`
	ResourceChanges []struct {
		Address, Mode, Type, Name string
		ActionReason              string `json:"action_reason"`
		Reasons                   []string
		Notes                     []string
		Change                    struct {
			Actions         []string
			Before, After   map[string]any
			BeforeSensitive any             `json:"before_sensitive"`
			AfterSensitive  any             `json:"after_sensitive"`
			AfterUnknown    map[string]bool `json:"after_unknown"`
			Attributes      []struct {
				Name          string
				Before, After any
				Sensitive     bool
				Unknown       bool
			}
		}
	} `json:"resource_changes"`
	Summary struct {
		Add, Change, Destroy int
		Privileges           map[string]int
	}
}

func TestPlanJSONShape(t *testing.T) {
	var d decodedPlan
	if err := json.Unmarshal(jsonOf(t, reviewPlan()), &d); err != nil {
		t.Fatal(err)
	}
	if d.FormatVersion != view.JSONFormatVersion || d.RosterVersion != "1.2.3" {
		t.Errorf("format_version %q, roster_version %q", d.FormatVersion, d.RosterVersion)
	}
	if len(d.ResourceChanges) != 7 {
		t.Fatalf("%d resource changes, want 7", len(d.ResourceChanges))
	}
	wantActions := []string{"create", "update", "delete", "create", "update", "update", "update"}
	for i, c := range d.ResourceChanges {
		if len(c.Change.Actions) != 1 || c.Change.Actions[0] != wantActions[i] || c.Mode != "managed" {
			t.Errorf("%s: actions %v, mode %q; want [%s], managed", c.Address, c.Change.Actions, c.Mode, wantActions[i])
		}
	}

	alice := d.ResourceChanges[0]
	if alice.Address != "user.alice" || alice.Type != "user" || alice.Name != "alice" {
		t.Errorf("create: address %q type %q name %q", alice.Address, alice.Type, alice.Name)
	}
	// A create: before is null and its mask false, as in Terraform.
	if alice.Change.Before != nil || alice.Change.BeforeSensitive != false {
		t.Errorf("create: before %v, before_sensitive %v; want null, false", alice.Change.Before, alice.Change.BeforeSensitive)
	}
	if v, ok := alice.Change.After["password"]; !ok || v != nil {
		t.Errorf("create: after.password = %v (present %v), want null", v, ok)
	}
	if m, _ := alice.Change.AfterSensitive.(map[string]any); m["password"] != true || len(m) != 1 {
		t.Errorf("create: after_sensitive = %v, want {password: true}", alice.Change.AfterSensitive)
	}
	if alice.Change.After["admin"] != true || !alice.Change.AfterUnknown["id"] || alice.Change.After["id"] != nil {
		t.Errorf("create: after %v, after_unknown %v", alice.Change.After, alice.Change.AfterUnknown)
	}

	bob := d.ResourceChanges[1]
	if bob.ActionReason != "because bob is not a member of role.moderator" || len(bob.Reasons) != 1 {
		t.Errorf("update: action_reason %q, reasons %v", bob.ActionReason, bob.Reasons)
	}
	if bob.Change.Before["moderator"] != true || bob.Change.After["moderator"] != false {
		t.Errorf("update: before %v after %v", bob.Change.Before, bob.Change.After)
	}
	for _, side := range []any{bob.Change.BeforeSensitive, bob.Change.AfterSensitive} {
		if m, _ := side.(map[string]any); m["password"] != true {
			t.Errorf("update: a sensitive mask is %v, want password: true", side)
		}
	}
	var attrs []string
	for _, a := range bob.Change.Attributes {
		attrs = append(attrs, a.Name)
		if a.Name == "password" && (!a.Sensitive || a.Before != nil || a.After != nil) {
			t.Errorf("update: attribute %+v, want sensitive with null values", a)
		}
		if a.Name == "moderator" && (a.Before != true || a.After != false || a.Sensitive) {
			t.Errorf("update: attribute %+v", a)
		}
	}
	if !reflect.DeepEqual(attrs, []string{"moderator", "tags", "password"}) {
		t.Errorf("update: attributes %v", attrs)
	}

	mallory := d.ResourceChanges[2]
	// A delete: after is null and its mask false.
	if mallory.Change.After != nil || mallory.Change.AfterSensitive != false || mallory.Change.Before["admin"] != true {
		t.Errorf("delete: before %v, after %v, after_sensitive %v", mallory.Change.Before, mallory.Change.After, mallory.Change.AfterSensitive)
	}
	if len(mallory.Notes) != 2 {
		t.Errorf("delete: notes %v", mallory.Notes)
	}
	if inv := d.ResourceChanges[3]; inv.Type != "invite" || inv.Name != "spring-2027" || inv.Change.After["max_use"] != float64(25) {
		t.Errorf("invite: %+v", inv)
	}

	s := d.Summary
	if s.Add != 2 || s.Change != 4 || s.Destroy != 1 {
		t.Errorf("summary %d/%d/%d, want 2/4/1", s.Add, s.Change, s.Destroy)
	}
	wantPr := map[string]int{"admins_granted": 1, "admins_revoked": 1, "moderators_granted": 0, "moderators_revoked": 1}
	if !reflect.DeepEqual(s.Privileges, wantPr) {
		t.Errorf("privileges %v, want %v", s.Privileges, wantPr)
	}
}

func TestPlanJSONEmpty(t *testing.T) {
	out := string(jsonOf(t, &plans.Plan{}))
	for _, want := range []string{`"resource_changes": []`, `"add": 0`} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in an empty plan's JSON:\n%s", want, out)
		}
	}
}

func TestFingerprintIsTheJSONsDigest(t *testing.T) {
	p := reviewPlan()
	sum := sha256.Sum256(jsonOf(t, p))
	if got, want := view.Fingerprint(p, "1.2.3"), "sha256:"+hex.EncodeToString(sum[:]); got != want {
		t.Errorf("Fingerprint = %s, want %s", got, want)
	}
	q := reviewPlan()
	q.Changes[1].Attrs[0].After = true
	if view.Fingerprint(q, "1.2.3") == view.Fingerprint(p, "1.2.3") {
		t.Error("two different plans have the same fingerprint")
	}
}

// TestNoFormatPrintsASecret runs the canary through every format: a
// password and an invite token in every position (created, updated,
// destroyed) appear in none.
func TestNoFormatPrintsASecret(t *testing.T) {
	p := reviewPlan()
	p.Changes[4].Attrs = append(p.Changes[4].Attrs, plans.Attr{Name: "token", Sensitive: true, Before: secret, After: secret})
	outputs := map[string]*bytes.Buffer{"text": {}, "json": {}, "markdown": {}, "markdown-truncated": {}}
	view.Plan(outputs["text"], p, view.Style{})
	if err := view.JSON(outputs["json"], p, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	if err := view.Markdown(outputs["markdown"], p, "1.2.3"); err != nil {
		t.Fatal(err)
	}
	if err := view.MarkdownWithin(outputs["markdown-truncated"], p, "1.2.3", 2500); err != nil {
		t.Fatal(err)
	}
	for name, b := range outputs {
		if b.Len() == 0 {
			t.Errorf("%s: no output", name)
		}
		if strings.Contains(b.String(), "tok-") || strings.Contains(b.String(), "hunter2") {
			t.Errorf("%s: a token or password was printed:\n%s", name, b.String())
		}
	}
}

// TestPlanJSONPlanState: applyable, complete and errored are Terraform's:
// something to apply, no --target, planning did not fail (roster prints no
// plan when it fails).
func TestPlanJSONPlanState(t *testing.T) {
	targeted := reviewPlan()
	targeted.Targeted = true
	for name, tc := range map[string]struct {
		p                            *plans.Plan
		applyable, complete, errored bool
	}{
		"changes":   {reviewPlan(), true, true, false},
		"no change": {&plans.Plan{}, false, true, false},
		"targeted":  {targeted, true, false, false},
	} {
		var got struct {
			Applyable, Complete, Errored *bool
		}
		if err := json.Unmarshal(jsonOf(t, tc.p), &got); err != nil {
			t.Fatal(err)
		}
		if got.Applyable == nil || got.Complete == nil || got.Errored == nil {
			t.Fatalf("%s: applyable %v, complete %v, errored %v: each must be present", name, got.Applyable, got.Complete, got.Errored)
		}
		if *got.Applyable != tc.applyable || *got.Complete != tc.complete || *got.Errored != tc.errored {
			t.Errorf("%s: applyable %t, complete %t, errored %t; want %t, %t, %t", name, *got.Applyable, *got.Complete, *got.Errored,
				tc.applyable, tc.complete, tc.errored)
		}
	}
}

// addressPlan has objects whose names are not identifiers: a domain, an
// undeclared invite, a nickname that starts with a digit.
func addressPlan() *plans.Plan {
	return &plans.Plan{FormatVersion: plans.FormatVersion, Changes: []plans.Change{
		{Address: `user["1abc"]`, Type: "user", Nickname: "1abc", Action: plans.Update, Unchanged: 1,
			Attrs: []plans.Attr{{Name: "locked", Before: false, After: true}}},
		{Address: `invite["#9"]`, Type: "invite", Nickname: "#9", Action: plans.Update, InviteID: 9,
			Reasons: []string{`because invite #9 is not in the configuration and prune.invites = "revoke"`},
			Attrs:   []plans.Attr{{Name: "revoked", Before: false, After: true}}},
		{Address: `remote_instance["spam.example"]`, Type: "remote_instance", Nickname: "spam.example", Action: plans.Update,
			Attrs: []plans.Attr{{Name: "active_accounts", Before: int64(3), After: int64(0)}}},
		{Address: "local_users", Type: "local_users", Action: plans.Update,
			Attrs: []plans.Attr{{Name: "unconfirmed_accounts", Before: int64(2), After: int64(0)}}},
	}}
}

// TestPlanJSONAddresses: an address is Terraform's traversal of the type
// and the name (in quotes and brackets when it is not an identifier); type
// and name are the object's, the name as declared, with no index: roster's
// objects are not instances of a count or for_each.
func TestPlanJSONAddresses(t *testing.T) {
	var d struct {
		ResourceChanges []map[string]any `json:"resource_changes"`
	}
	if err := json.Unmarshal(jsonOf(t, addressPlan()), &d); err != nil {
		t.Fatal(err)
	}
	want := []map[string]any{
		{"address": `user["1abc"]`, "type": "user", "name": "1abc"},
		{"address": `invite["#9"]`, "type": "invite", "name": "#9"},
		{"address": `remote_instance["spam.example"]`, "type": "remote_instance", "name": "spam.example"},
		{"address": "local_users", "type": "local_users"},
	}
	for i, c := range d.ResourceChanges {
		got := map[string]any{}
		for _, k := range []string{"address", "type", "name", "index"} {
			if v, ok := c[k]; ok {
				got[k] = v
			}
		}
		if !reflect.DeepEqual(got, want[i]) {
			t.Errorf("change %d: %v, want %v", i, got, want[i])
		}
	}
}

func TestPlanAddressesGolden(t *testing.T) {
	var b bytes.Buffer
	view.Plan(&b, addressPlan(), view.Style{})
	golden(t, "plan_addresses.txt", b.Bytes())
}
