package view

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
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

// UnmanagedAccounts hands the undeclared accounts of a drift report to
// visit, one at a time, in the report's order, and returns visit's first
// error, which stops it: a report writes each as it comes and keeps none.
type UnmanagedAccounts func(visit func(*plans.Unmanaged) error) error

// DriftText writes a drift report as text: a status line that says
// whether the server drifted, what was read, the plan that would undo the
// drift, and the undeclared accounts. With hints, it says what to do,
// for a person at a terminal; ignoreFile names the file of d.Ignored.
func DriftText(w io.Writer, d *plans.Drift, accounts UnmanagedAccounts, ignoreFile string, hints bool, s Style) error {
	p, unmanaged := d.Plan, d.Unmanaged
	n := len(p.Changes)
	var parts []string
	switch {
	case n == 1:
		parts = append(parts, "1 object differs from the configuration")
	case n > 1:
		parts = append(parts, plural(n, "object", "objects")+" differ from the configuration")
	}
	switch {
	case unmanaged > 0 && n > 0:
		parts = append(parts, plural(unmanaged, "local account", "local accounts")+" not declared in it")
	case unmanaged > 0:
		parts = append(parts, plural(unmanaged, "local account", "local accounts")+" not declared in the configuration")
	}
	failed := len(p.FailedChecks())
	if failed > 0 {
		parts = append(parts, plural(failed, "check", "checks")+" "+doNotHold(failed)+" on the server")
	}
	if len(parts) == 0 {
		fmt.Fprintln(w, s.Green(s.Bold("No drift."))+s.Bold(" The server matches the configuration."))
	} else {
		fmt.Fprintf(w, "%s %s.\n", s.Yellow(s.Bold("Drift detected:")), strings.Join(parts, ", and "))
	}
	if d.Ignored > 0 {
		fmt.Fprintf(w, "Ignored %s listed in %s.\n", plural(d.Ignored, "difference", "differences"), ignoreFile)
	}
	fmt.Fprintln(w)
	ReadLine(w, p)
	if n > 0 {
		fmt.Fprintln(w, "The server drifted from the configuration; this plan would bring it back:")
		fmt.Fprintln(w)
		planText(w, p, s, true)
		if hints {
			fmt.Fprintln(w)
			fmt.Fprintln(w, "To undo the drift, run roster apply. To keep it, change the configuration, or")
			fmt.Fprintln(w, "list it in an ignore file (--ignore-file).")
		}
	}
	checksText(w, p.Checks, onServer, n > 0, s)
	if unmanaged == 0 {
		return nil
	}
	if n > 0 || failed > 0 {
		fmt.Fprintln(w)
	}
	return unmanagedText(w, d.Widest, accounts)
}

// unmanagedText lists the undeclared accounts, what stands out of each
// aligned after the widest address.
func unmanagedText(w io.Writer, width int, accounts UnmanagedAccounts) error {
	fmt.Fprintln(w, "Local accounts that the configuration does not declare:")
	err := accounts(func(u *plans.Unmanaged) error {
		line := "  " + sanitize(u.Address)
		if d := describeUnmanaged(u); d != "" {
			line += strings.Repeat(" ", max(width-len(u.Address), 0)) + "  " + d
		}
		_, err := fmt.Fprintln(w, line)
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Declare them with a user block (roster import writes one for each account), or")
	_, err = fmt.Fprintln(w, "list them in the ignore file.")
	return err
}

// describeUnmanaged says what stands out of an undeclared account: its
// roles, state and tags.
func describeUnmanaged(u *plans.Unmanaged) string {
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

// DriftJSON writes a drift report as the JSON plan, with
// "unmanaged_accounts" at its end when they were read: one document,
// written as it goes, each account encoded on its own, so that memory stays
// flat however many there are. Its bytes are those of encoding the plan
// with the whole list at once (json.Encoder, two-space indent).
func DriftJSON(w io.Writer, d *plans.Drift, accounts UnmanagedAccounts, rosterVersion string) error {
	if !d.Listed {
		return JSON(w, d.Plan, rosterVersion)
	}
	head, err := json.MarshalIndent(jsonOf(d.Plan, rosterVersion), "", "  ")
	if err != nil {
		return err
	}
	// The plan's object, left open for one more member.
	head, ok := bytes.CutSuffix(head, []byte("\n}"))
	if !ok {
		return fmt.Errorf("the JSON plan does not end its object")
	}
	bw := bufio.NewWriter(w)
	bw.Write(head)
	bw.WriteString(",\n  \"unmanaged_accounts\": [")
	n := 0
	err = accounts(func(u *plans.Unmanaged) error {
		b, err := json.MarshalIndent(u, "    ", "  ")
		if err != nil {
			return err
		}
		if n > 0 {
			bw.WriteByte(',')
		}
		n++
		bw.WriteString("\n    ")
		_, err = bw.Write(b)
		return err
	})
	if err != nil {
		return err
	}
	if n > 0 {
		bw.WriteString("\n  ")
	}
	bw.WriteString("]\n}\n")
	return bw.Flush()
}

// unmanagedRows is how many undeclared accounts the markdown report names.
const unmanagedRows = 50

// errEnoughRows stops the reading of undeclared accounts once the
// markdown report has named as many as it shows.
var errEnoughRows = errors.New("enough rows")

// DriftMarkdown writes a drift report as the markdown plan and the
// undeclared accounts after it, within the size of a comment: it reads
// only the first unmanagedRows of them.
func DriftMarkdown(w io.Writer, d *plans.Drift, accounts UnmanagedAccounts, rosterVersion string) error {
	if d.Unmanaged == 0 {
		return markdownWithin(w, d.Plan, rosterVersion, commentLimit, onServer)
	}
	var sec strings.Builder
	fmt.Fprintf(&sec, "\n#### Local accounts not in the configuration: %d\n\n| Account | Roles and state |\n| --- | --- |\n", d.Unmanaged)
	i := 0
	err := accounts(func(u *plans.Unmanaged) error {
		if i == unmanagedRows {
			return errEnoughRows
		}
		i++
		fmt.Fprintf(&sec, "| `%s` | %s |\n", u.Nickname, strings.ReplaceAll(describeUnmanaged(u), "|", "\\|"))
		return nil
	})
	if err != nil && !errors.Is(err, errEnoughRows) {
		return err
	}
	if d.Unmanaged > unmanagedRows {
		fmt.Fprintf(&sec, "\n… and %d more: `roster drift --unmanaged` lists them all.\n", d.Unmanaged-unmanagedRows)
	}
	if err := markdownWithin(w, d.Plan, rosterVersion, commentLimit-sec.Len(), onServer); err != nil {
		return err
	}
	_, err = fmt.Fprint(w, sec.String())
	return err
}
