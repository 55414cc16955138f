package view

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"

	"github.com/roster-project/roster/plans"
)

// jsonFormatVersion is the version of the JSON plan. Its major number
// changes when a consumer must change to keep reading it (a field removed,
// renamed, or its meaning or type changed); its minor number when fields
// are added. See docs/json-format.md.
const jsonFormatVersion = "1.1"

// jsonPlan follows the shape of Terraform's `show -json`, so tools that
// read resource_changes read it too.
type jsonPlan struct {
	FormatVersion   string       `json:"format_version"`
	RosterVersion   string       `json:"roster_version"`
	Server          plans.Server `json:"server"`
	ResourceChanges []jsonChange `json:"resource_changes"`
	// Applyable, Complete and Errored are Terraform's (terraform-json's
	// Plan): there is something to apply; the plan covers the whole
	// configuration (no --target); planning failed. roster prints no plan
	// when planning fails, so Errored is always false.
	Applyable bool        `json:"applyable"`
	Complete  bool        `json:"complete"`
	Errored   bool        `json:"errored"`
	Summary   jsonSummary `json:"summary"`
	// AuditActor is the local admin as whom apply writes the server's
	// moderation log entries; null when the configuration names none.
	AuditActor *string `json:"audit_actor"`
	// Checks are the check blocks' outcomes, in Terraform's shape
	// (checks.go); left out when the configuration has none.
	Checks []jsonCheck `json:"checks,omitempty"`
}

type jsonSummary struct {
	Add        int            `json:"add"`
	Change     int            `json:"change"`
	Destroy    int            `json:"destroy"`
	Privileges jsonPrivileges `json:"privileges"`
}

type jsonPrivileges struct {
	AdminsGranted     int `json:"admins_granted"`
	AdminsRevoked     int `json:"admins_revoked"`
	ModeratorsGranted int `json:"moderators_granted"`
	ModeratorsRevoked int `json:"moderators_revoked"`
}

type jsonChange struct {
	Address      string     `json:"address"`
	Mode         string     `json:"mode"`
	Type         string     `json:"type"`
	Name         string     `json:"name,omitempty"` // absent for local_users, which has no label
	Change       jsonDetail `json:"change"`
	ActionReason string     `json:"action_reason,omitempty"`
	Reasons      []string   `json:"reasons,omitempty"`
	Notes        []string   `json:"notes,omitempty"`
}

// jsonDetail is Terraform's change object. A side that is null (before of
// a create, after of a delete) has false as its sensitive mask, as in
// Terraform; otherwise the mask is an object with true at each sensitive
// attribute.
type jsonDetail struct {
	Actions         []string        `json:"actions"`
	Before          map[string]any  `json:"before"`
	After           map[string]any  `json:"after"`
	BeforeSensitive any             `json:"before_sensitive"`
	AfterSensitive  any             `json:"after_sensitive"`
	AfterUnknown    map[string]bool `json:"after_unknown"`
	Attributes      []jsonAttribute `json:"attributes"`
	Unchanged       int             `json:"unchanged_attributes"`
}

// jsonAttribute is roster's attribute-level diff, which Terraform's
// format lacks.
type jsonAttribute struct {
	Name      string `json:"name"`
	Before    any    `json:"before"`
	After     any    `json:"after"`
	Sensitive bool   `json:"sensitive,omitempty"`
	Unknown   bool   `json:"unknown,omitempty"`
}

var jsonActions = map[plans.Action]string{plans.Create: "create", plans.Update: "update", plans.Delete: "delete"}

// JSON writes p as a JSON document in the shape of Terraform's `show
// -json`; rosterVersion is the version of roster that prints it. Sensitive
// values are never written: they are null, with true in the *_sensitive
// masks, whatever the plan holds.
func JSON(w io.Writer, p *plans.Plan, rosterVersion string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonOf(p, rosterVersion))
}

// Fingerprint is "sha256:" and the hex SHA-256 of the bytes JSON writes
// for p: `roster show --json FILE | sha256sum` prints the same digest.
func Fingerprint(p *plans.Plan, rosterVersion string) string {
	var b bytes.Buffer
	if err := JSON(&b, p, rosterVersion); err != nil {
		// Every value of a plan is a string, bool, number, list of
		// strings or nil: encoding cannot fail.
		panic(err)
	}
	sum := sha256.Sum256(b.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:])
}

func jsonOf(p *plans.Plan, rosterVersion string) jsonPlan {
	out := jsonPlan{FormatVersion: jsonFormatVersion, RosterVersion: rosterVersion, Server: p.Server, ResourceChanges: []jsonChange{},
		Applyable: !p.Empty(), Complete: !p.Targeted, Checks: jsonChecks(p.Checks)}
	out.Summary.Add, out.Summary.Change, out.Summary.Destroy = p.Counts()
	if p.AuditActor != "" {
		out.AuditActor = &p.AuditActor
	}
	pr := p.Privileges()
	out.Summary.Privileges = jsonPrivileges{pr.AdminsGranted, pr.AdminsRevoked, pr.ModeratorsGranted, pr.ModeratorsRevoked}
	for _, c := range p.Changes {
		jc := jsonChange{Address: c.Address, Mode: "managed", Type: string(c.Type), Name: c.Nickname, Reasons: c.Reasons, Notes: c.Notes}
		if len(c.Reasons) > 0 {
			jc.ActionReason = c.Reasons[0]
		}
		d := jsonDetail{Actions: []string{jsonActions[c.Action]}, BeforeSensitive: false, AfterSensitive: false,
			AfterUnknown: map[string]bool{}, Attributes: []jsonAttribute{}, Unchanged: c.Unchanged}
		beforeMask, afterMask := map[string]bool{}, map[string]bool{}
		if c.Action != plans.Create {
			d.Before, d.BeforeSensitive = map[string]any{}, beforeMask
		}
		if c.Action != plans.Delete {
			d.After, d.AfterSensitive = map[string]any{}, afterMask
		}
		for _, a := range c.Attrs {
			if c.Action == plans.Delete && !a.Sensitive && a.Before == nil {
				// A destroy lists the values that go, as the text plan does.
				continue
			}
			ja := jsonAttribute{Name: a.Name, Sensitive: a.Sensitive, Unknown: a.Computed}
			if !a.Sensitive {
				ja.Before, ja.After = a.Before, a.After
			}
			if a.Computed {
				ja.After = nil
			}
			d.Attributes = append(d.Attributes, ja)
			if d.Before != nil {
				d.Before[a.Name] = ja.Before
				if a.Sensitive {
					beforeMask[a.Name] = true
				}
			}
			if d.After != nil {
				d.After[a.Name] = ja.After
				if a.Sensitive {
					afterMask[a.Name] = true
				}
				if a.Computed {
					d.AfterUnknown[a.Name] = true
				}
			}
		}
		jc.Change = d
		out.ResourceChanges = append(out.ResourceChanges, jc)
	}
	return out
}
