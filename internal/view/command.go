package view

import (
	"fmt"
	"io"
	"strings"

	"github.com/mitchellh/go-wordwrap"
)

// Command is a roster command line printed for the user to run: Line as a
// POSIX shell reads it, and Note, when not empty, the values that the line
// leaves out (secrets) and that the user gives again.
type Command struct {
	Line, Note string
}

// command prints c indented under the line that introduces it, which says
// "the following command", then its note.
func command(w io.Writer, c Command) {
	fmt.Fprintf(w, "    %s\n", c.Line)
	if c.Note != "" {
		fmt.Fprintln(w, wordwrap.WrapString(c.Note, 78))
	}
}

// SavedPlan ends a text plan saved with plan --out as Terraform's -out
// does: the file's name and the command that applies it. A zero apply
// (ROSTER_IN_AUTOMATION) leaves out the hint meant for a person.
func SavedPlan(w io.Writer, path string, apply Command) {
	if apply.Line == "" {
		fmt.Fprintf(w, "\nSaved the plan to: %s\n", path)
		return
	}
	fmt.Fprintf(w, "\n%s\n\nSaved the plan to: %s\n\n", strings.Repeat("─", 77), path)
	fmt.Fprintln(w, "To perform exactly these actions, run the following command to apply:")
	command(w, apply)
}
