package view

import (
	"encoding/json"
	"io"

	"github.com/roster-project/roster/planner"
)

// JSONFormatVersion is the version of the JSON plan. Its major number
// changes when a consumer must change to keep reading it (a field removed
// or its meaning changed); its minor number when fields are added. See
// docs/json-format.md.
const JSONFormatVersion = "1.0"

// jsonPlan follows the shape of Terraform's `show -json`, so tools that
// read resource_changes read it too.
type jsonPlan struct {
	FormatVersion   string         `json:"format_version"`
	Server          planner.Server `json:"server"`
	ResourceChanges []jsonChange   `json:"resource_changes"`
	Summary         jsonSummary    `json:"summary"`
}

type jsonSummary struct {
	Add        int                `json:"add"`
	Change     int                `json:"change"`
	Destroy    int                `json:"destroy"`
	Privileges planner.Privileges `json:"privileges"`
}

type jsonChange struct {
	Address      string     `json:"address"`
	Type         string     `json:"type"`
	Name         string     `json:"name"`
	Change       jsonDetail `json:"change"`
	ActionReason string     `json:"action_reason,omitempty"`
	Reasons      []string   `json:"reasons,omitempty"`
	Notes        []string   `json:"notes,omitempty"`
}

type jsonDetail struct {
	Actions         []string        `json:"actions"`
	Before          map[string]any  `json:"before"`
	After           map[string]any  `json:"after"`
	BeforeSensitive map[string]bool `json:"before_sensitive"`
	AfterSensitive  map[string]bool `json:"after_sensitive"`
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

var jsonActions = map[planner.Action]string{planner.Create: "create", planner.Update: "update", planner.Delete: "delete"}

// PlanJSON writes p as JSON. Sensitive values are never written: they are
// null, with true in the *_sensitive masks.
func PlanJSON(w io.Writer, p *planner.Plan) error {
	out := jsonPlan{FormatVersion: JSONFormatVersion, Server: p.Server, ResourceChanges: []jsonChange{}}
	out.Summary.Add, out.Summary.Change, out.Summary.Destroy = p.Counts()
	out.Summary.Privileges = p.Privileges()
	for _, c := range p.Changes {
		jc := jsonChange{Address: c.Address, Type: c.Type, Name: c.Nickname, Reasons: c.Reasons, Notes: c.Notes}
		if len(c.Reasons) > 0 {
			jc.ActionReason = c.Reasons[0]
		}
		d := jsonDetail{Actions: []string{jsonActions[c.Action]}, BeforeSensitive: map[string]bool{},
			AfterSensitive: map[string]bool{}, AfterUnknown: map[string]bool{}, Attributes: []jsonAttribute{}, Unchanged: c.Unchanged}
		if c.Action != planner.Create {
			d.Before = map[string]any{}
		}
		if c.Action != planner.Delete {
			d.After = map[string]any{}
		}
		for _, a := range c.Attrs {
			ja := jsonAttribute{Name: a.Name, Sensitive: a.Sensitive, Unknown: a.Computed}
			if !a.Sensitive {
				ja.Before, ja.After = a.Before, a.After
			}
			d.Attributes = append(d.Attributes, ja)
			if d.Before != nil {
				d.Before[a.Name] = ja.Before
				if a.Sensitive {
					d.BeforeSensitive[a.Name] = true
				}
			}
			if d.After != nil {
				d.After[a.Name] = ja.After
				if a.Sensitive {
					d.AfterSensitive[a.Name] = true
				}
				if a.Computed {
					d.AfterUnknown[a.Name] = true
				}
			}
		}
		jc.Change = d
		out.ResourceChanges = append(out.ResourceChanges, jc)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
