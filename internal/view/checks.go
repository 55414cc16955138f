package view

import (
	"fmt"
	"io"
	"strings"

	"github.com/roster-project/roster/plans"
)

// Where the checks of a document were evaluated, as their text says it.
const (
	onPlan    = "on the state this plan would leave"
	onServer  = "on the server"
	onApplied = "on what the apply wrote"
)

// checksText lists the checks that do not hold, where (onPlan…), after a
// blank line when lead: each check's address, then its error messages,
// one a line. A check that passes is not shown.
func checksText(w io.Writer, cs []plans.Check, where string, lead bool, s Style) {
	failed := failedChecks(cs)
	if len(failed) == 0 {
		return
	}
	if lead {
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, s.Yellow(s.Bold(fmt.Sprintf("Checks: %d of %d %s %s.", len(failed), len(cs), doNotHold(len(failed)), where))))
	for _, c := range failed {
		for _, line := range checkLines(c) {
			fmt.Fprintf(w, "  %s\n", sanitize(line))
		}
	}
}

func doNotHold(n int) string {
	if n == 1 {
		return "does not hold"
	}
	return "do not hold"
}

// checkLines are what a check that does not hold says: "check.NAME: the
// message" for each failing assertion, and why each one that could not
// be evaluated failed; "(enforced)" after the address of an enforced
// check.
func checkLines(c plans.Check) []string {
	addr := c.Address
	if c.Enforce {
		addr += " (enforced)"
	}
	var out []string
	for _, p := range c.Problems {
		out = append(out, addr+": "+oneLine(p))
	}
	for _, e := range c.Errors {
		out = append(out, addr+": could not be evaluated: "+oneLine(e))
	}
	if len(out) == 0 {
		out = append(out, addr+": "+string(c.Status))
	}
	return out
}

// checkMessage is the first thing a check that does not hold says: its
// first failing assertion's message, else why it could not be evaluated.
func checkMessage(c plans.Check) string {
	switch {
	case len(c.Problems) > 0:
		return c.Problems[0]
	case len(c.Errors) > 0:
		return "could not be evaluated: " + c.Errors[0]
	}
	return string(c.Status)
}

// oneLine joins the lines of s with spaces.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func failedChecks(cs []plans.Check) []plans.Check {
	var out []plans.Check
	for _, c := range cs {
		if c.Failed() {
			out = append(out, c)
		}
	}
	return out
}

// jsonCheck is Terraform's check result (terraform show -json's checks),
// for a check block: its static address, its status and its one instance
// with the messages of the assertions that fail. roster adds enforce, and
// the errors of the assertions that could not be evaluated.
type jsonCheck struct {
	Address   jsonCheckAddress  `json:"address"`
	Status    string            `json:"status"`
	Enforce   bool              `json:"enforce"`
	Instances []jsonCheckResult `json:"instances"`
}

type jsonCheckAddress struct {
	Kind      string `json:"kind,omitempty"`
	Name      string `json:"name,omitempty"`
	ToDisplay string `json:"to_display"`
}

type jsonCheckResult struct {
	Address  jsonCheckAddress   `json:"address"`
	Status   string             `json:"status"`
	Problems []jsonCheckProblem `json:"problems,omitempty"`
	Errors   []string           `json:"errors,omitempty"`
}

type jsonCheckProblem struct {
	Message string `json:"message"`
}

// jsonChecks is the checks of a plan in Terraform's shape, sorted by
// address as Terraform sorts them; nil when there are none.
func jsonChecks(cs []plans.Check) []jsonCheck {
	var out []jsonCheck
	for _, c := range cs {
		jc := jsonCheck{Address: jsonCheckAddress{Kind: "check", Name: c.Name, ToDisplay: c.Address}, Status: string(c.Status), Enforce: c.Enforce}
		inst := jsonCheckResult{Address: jsonCheckAddress{ToDisplay: c.Address}, Status: string(c.Status), Errors: c.Errors}
		for _, p := range c.Problems {
			inst.Problems = append(inst.Problems, jsonCheckProblem{Message: p})
		}
		jc.Instances = []jsonCheckResult{inst}
		out = append(out, jc)
	}
	// Names are identifiers: a byte order is Terraform's string order.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].Address.ToDisplay < out[j-1].Address.ToDisplay; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// checkItems is how many failing checks the markdown callout names.
const checkItems = 20

// maxCalloutMessage is the most runes of a message the callout shows.
const maxCalloutMessage = 300

// checksCallout writes the failing checks into the markdown comment's
// callout: how many do not hold where, then each, with its first message.
func checksCallout(b *strings.Builder, cs []plans.Check, where string, opened bool) {
	failed := failedChecks(cs)
	if len(failed) == 0 {
		return
	}
	if !opened {
		b.WriteString("> [!CAUTION]\n")
	} else {
		b.WriteString(">\n")
	}
	fmt.Fprintf(b, "> **%d of %s %s %s.**\n>\n", len(failed), plural(len(cs), "check", "checks"), doNotHold(len(failed)), where)
	for i, c := range failed {
		if i == checkItems {
			fmt.Fprintf(b, "> - … and %d more: the JSON plan lists every check (`--format json`)\n", len(failed)-checkItems)
			break
		}
		what := checkMessage(c)
		if r := []rune(what); len(r) > maxCalloutMessage {
			what = string(r[:maxCalloutMessage]) + "…"
		}
		enforced := ""
		if c.Enforce {
			enforced = " (enforced)"
		}
		fmt.Fprintf(b, "> - %s%s: %s\n", inline(c.Address), enforced, calloutText(what))
	}
	b.WriteString("\n")
}

// calloutText is text of the configuration or the server that a callout's
// line can hold: one line, without HTML, control characters shown
// escaped.
func calloutText(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;").Replace(sanitize(oneLine(s)))
}
