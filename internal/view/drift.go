package view

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/roster-project/roster/plans"
)

// ReadLine says what a plan was made from, before a text plan.
func ReadLine(w io.Writer, p *plans.Plan) { readFrom(w, p.Server, p.Read) }

// readFrom says how many local accounts were read from which server.
func readFrom(w io.Writer, srv plans.Server, read int) {
	where := srv.URL
	if where == "" {
		where = "a server with no local accounts yet"
	}
	fmt.Fprintf(w, "Read %d local accounts from the %s database of %s (schema %d).\n\n",
		read, srv.Flavor.Title(), where, srv.Version)
}

// DriftText writes a drift report as text: a status line that says
// whether the server drifted, what was read, the plan that would undo the
// drift, and the undeclared accounts. With hints, it says what to do,
// for a person at a terminal; ignoreFile names the file of d.Ignored.
func DriftText(w io.Writer, d *plans.Drift, ignoreFile string, hints bool, s Style) {
	p, unmanaged := d.Plan, d.Unmanaged
	n := len(p.Changes)
	switch {
	case n == 0 && len(unmanaged) == 0:
		fmt.Fprintln(w, s.Green(s.Bold("No drift."))+s.Bold(" The server matches the configuration."))
	case n == 0:
		fmt.Fprintf(w, "%s %s.\n", s.Yellow(s.Bold("Drift detected:")), plural(len(unmanaged), "local account", "local accounts")+" not declared in the configuration")
	default:
		what := plural(n, "object", "objects") + " differ from the configuration"
		if n == 1 {
			what = "1 object differs from the configuration"
		}
		if len(unmanaged) > 0 {
			what += ", and " + plural(len(unmanaged), "local account", "local accounts") + " not declared in it"
		}
		fmt.Fprintf(w, "%s %s.\n", s.Yellow(s.Bold("Drift detected:")), what)
	}
	if d.Ignored > 0 {
		fmt.Fprintf(w, "Ignored %s listed in %s.\n", plural(d.Ignored, "difference", "differences"), ignoreFile)
	}
	fmt.Fprintln(w)
	ReadLine(w, p)
	if n > 0 {
		fmt.Fprintln(w, "The server drifted from the configuration; this plan would bring it back:")
		fmt.Fprintln(w)
		Plan(w, p, s)
		if hints {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "To undo the drift, run roster apply. To keep it, change the configuration, or")
			fmt.Fprintln(w, "list it in an ignore file (--ignore-file).")
		}
	}
	if len(unmanaged) > 0 {
		if n > 0 {
			fmt.Fprintln(w)
		}
		unmanagedText(w, unmanaged)
	}
}

func unmanagedText(w io.Writer, unmanaged []plans.Unmanaged) {
	fmt.Fprintln(w, "Local accounts that the configuration does not declare:")
	width := 0
	for _, u := range unmanaged {
		width = max(width, len(u.Address))
	}
	for _, u := range unmanaged {
		line := "  " + sanitize(u.Address)
		if d := describeUnmanaged(u); d != "" {
			line += strings.Repeat(" ", width-len(u.Address)) + "  " + d
		}
		fmt.Fprintln(w, line)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Declare them with a user block (roster import writes one for each account), or")
	fmt.Fprintln(w, "list them in the ignore file.")
}

// describeUnmanaged says what stands out of an undeclared account: its
// roles, state and tags.
func describeUnmanaged(u plans.Unmanaged) string {
	var parts []string
	if u.Admin {
		parts = append(parts, "admin")
	}
	if u.Moderator {
		parts = append(parts, "moderator")
	}
	if !u.Active {
		parts = append(parts, "deactivated")
	}
	if !u.Confirmed {
		parts = append(parts, "unconfirmed")
	}
	if !u.Approved {
		parts = append(parts, "not approved")
	}
	if len(u.Tags) > 0 {
		parts = append(parts, "tags "+strings.Join(u.Tags, ", "))
	}
	return sanitize(strings.Join(parts, "; "))
}

// jsonDrift is the JSON plan with the undeclared accounts after it.
type jsonDrift struct {
	jsonPlan
	Unmanaged []plans.Unmanaged `json:"unmanaged_accounts"`
}

// DriftJSON writes a drift report as the JSON plan, with
// "unmanaged_accounts" at its end when they were read.
func DriftJSON(w io.Writer, d *plans.Drift, rosterVersion string) error {
	if !d.Listed {
		return JSON(w, d.Plan, rosterVersion)
	}
	list := d.Unmanaged
	if list == nil {
		list = []plans.Unmanaged{}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(jsonDrift{jsonOf(d.Plan, rosterVersion), list})
}

// unmanagedRows is how many undeclared accounts the markdown report names.
const unmanagedRows = 50

// DriftMarkdown writes a drift report as the markdown plan and the
// undeclared accounts after it, within the size of a comment.
func DriftMarkdown(w io.Writer, d *plans.Drift, rosterVersion string) error {
	if len(d.Unmanaged) == 0 {
		return Markdown(w, d.Plan, rosterVersion)
	}
	var sec strings.Builder
	fmt.Fprintf(&sec, "\n#### Local accounts not in the configuration: %d\n\n| Account | Roles and state |\n| --- | --- |\n", len(d.Unmanaged))
	for i, u := range d.Unmanaged {
		if i == unmanagedRows {
			fmt.Fprintf(&sec, "\n… and %d more: `roster drift --unmanaged` lists them all.\n", len(d.Unmanaged)-unmanagedRows)
			break
		}
		fmt.Fprintf(&sec, "| `%s` | %s |\n", u.Nickname, strings.ReplaceAll(describeUnmanaged(u), "|", "\\|"))
	}
	if err := markdownWithin(w, d.Plan, rosterVersion, commentLimit-sec.Len()); err != nil {
		return err
	}
	_, err := fmt.Fprint(w, sec.String())
	return err
}
