package view

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/roster-project/roster/plans"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// Plan renders p in Terraform's human plan grammar: a legend of the symbols
// used, one block per object in plan order, and the summary line; then,
// when the configuration names no moderation log actor, a line that says
// apply writes no moderation log entry; then the checks that do not hold
// on the state it would leave.
func Plan(w io.Writer, p *plans.Plan, s Style) {
	planText(w, p, s, true)
	checksText(w, p.Checks, onPlan, true, s)
}

// noAuditLine says, under a plan, that apply writes nothing to the
// server's moderation log.
const noAuditLine = "Moderation log: apply writes no entry (server.audit_actor is not set)."

// planText is Plan without the checks, with the line on the moderation
// log only when audit is set.
func planText(w io.Writer, p *plans.Plan, s Style, audit bool) {
	if p.Empty() {
		noChanges(w, s)
		return
	}
	syms := map[plans.Action]bool{}
	for _, c := range p.Changes {
		syms[c.Action] = true
	}
	fmt.Fprintln(w, "roster compared the configuration with the live database and built the")
	fmt.Fprintln(w, "following plan. Actions are indicated with the following symbols:")
	if syms[plans.Create] {
		fmt.Fprintf(w, "  %s create\n", s.Green("+"))
	}
	if syms[plans.Update] {
		fmt.Fprintf(w, "  %s update in-place\n", s.Yellow("~"))
	}
	if syms[plans.Delete] {
		fmt.Fprintf(w, "  %s destroy\n", s.Red("-"))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "roster will perform the following actions:")
	for i := range p.Changes {
		fmt.Fprintln(w)
		change(w, &p.Changes[i], s)
	}
	fmt.Fprintln(w)
	summary(w, p, s)
	if audit && p.AuditActor == "" {
		fmt.Fprintln(w, noAuditLine)
	}
}

// noChanges prints the message of an empty plan.
func noChanges(w io.Writer, s Style) {
	fmt.Fprintln(w, s.Green(s.Bold("No changes."))+s.Bold(" Your users match the configuration."))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "roster has compared the live database with your configuration and found no")
	fmt.Fprintln(w, "differences, so no changes are needed.")
}

// summary prints the closing line of a plan, and the call-out of the
// privileges it grants and revokes.
func summary(w io.Writer, p *plans.Plan, s Style) {
	add, change, destroy := p.Counts()
	fmt.Fprintf(w, "%s %d to add, %d to change, %d to destroy.\n", s.Bold("Plan:"), add, change, destroy)
	if pr := p.Privileges(); pr.Any() {
		fmt.Fprintln(w, s.Yellow(s.Bold(privilegesLine(pr))))
	}
}

// privilegesLine says which roles a plan grants and revokes, e.g.
// "Privileges: 1 admin granted, 2 moderators revoked.", naming only the
// counts that are not zero.
func privilegesLine(pr plans.Privileges) string {
	var parts []string
	for _, p := range []struct {
		n          int
		role, verb string
	}{
		{pr.AdminsGranted, "admin", "granted"},
		{pr.AdminsRevoked, "admin", "revoked"},
		{pr.ModeratorsGranted, "moderator", "granted"},
		{pr.ModeratorsRevoked, "moderator", "revoked"},
	} {
		if p.n == 0 {
			continue
		}
		role := p.role
		if p.n != 1 {
			role += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s %s", p.n, role, p.verb))
	}
	return "Privileges: " + strings.Join(parts, ", ") + "."
}

func symbol(a plans.Action, s Style) string {
	switch a {
	case plans.Create:
		return s.Green("+")
	case plans.Delete:
		return s.Red("-")
	}
	return s.Yellow("~")
}

func verb(a plans.Action) string {
	switch a {
	case plans.Create:
		return "will be created"
	case plans.Delete:
		return "will be destroyed"
	}
	return "will be updated in-place"
}

func change(w io.Writer, c *plans.Change, s Style) {
	fmt.Fprintf(w, "  %s\n", s.Bold(fmt.Sprintf("# %s %s", sanitize(c.Address), verb(c.Action))))
	if from := c.Source.From(); from != "" {
		fmt.Fprintf(w, "  # (%s)\n", sanitize(from))
	}
	for _, r := range c.Reasons {
		fmt.Fprintf(w, "  # (%s)\n", sanitize(r))
	}
	for _, n := range c.Notes {
		fmt.Fprintf(w, "  # (%s)\n", sanitize(n))
	}
	if c.Type == plans.TypeLocalUsers { // a block without a label
		fmt.Fprintf(w, "  %s %s {\n", symbol(c.Action, s), c.Type)
	} else {
		fmt.Fprintf(w, "  %s %s %s {\n", symbol(c.Action, s), c.Type, strconv.Quote(c.Nickname))
	}
	attrs := c.Attrs
	if c.Action == plans.Delete {
		// A destroy lists the values the object had, as Terraform does;
		// attributes that had none are left out.
		attrs = nil
		for _, a := range c.Attrs {
			if a.Sensitive || a.Before != nil {
				attrs = append(attrs, a)
			}
		}
	}
	width := 0
	for _, a := range attrs {
		width = max(width, len(a.Name))
	}
	for _, a := range attrs {
		attr(w, c.Action, a, width, s)
	}
	if c.Unchanged > 0 {
		noun := "attributes"
		if c.Unchanged == 1 {
			noun = "attribute"
		}
		fmt.Fprintf(w, "        # (%d unchanged %s hidden)\n", c.Unchanged, noun)
	}
	fmt.Fprintln(w, "    }")
}

const attrIndent = "      "

func attr(w io.Writer, action plans.Action, a plans.Attr, width int, s Style) {
	name := a.Name + strings.Repeat(" ", width-len(a.Name))
	sym := symbol(action, s)
	// Within an update, a value that appears is added and one that becomes
	// null is removed (Terraform's "+ a = new" and "- a = old -> null").
	removed := action == plans.Delete
	if action == plans.Update && !a.Sensitive && !a.Computed {
		switch {
		case a.Before == nil:
			sym = s.Green("+")
		case a.After == nil:
			sym, removed = s.Red("-"), true
		}
	}
	null := ""
	if removed {
		a.After, null = nil, " -> null"
	}
	prefix := fmt.Sprintf("%s%s %s = ", attrIndent, sym, name)
	switch {
	case a.Sensitive:
		fmt.Fprintln(w, prefix+"(sensitive value)"+null)
	case a.Computed:
		fmt.Fprintln(w, prefix+"(known after apply)")
	case emptyList(a.Before) && emptyList(a.After):
		fmt.Fprintln(w, prefix+"[]"+null)
	case isList(a.After) || (removed && isList(a.Before)):
		fmt.Fprintln(w, prefix+"[")
		listDiff(w, a.Before, a.After, s)
		fmt.Fprintln(w, attrIndent+"  ]"+null)
	case multiline(a.Before) || multiline(a.After):
		fmt.Fprintln(w, prefix+"<<-EOT")
		textDiff(w, a.Before, a.After, s)
		fmt.Fprintln(w, attrIndent+"  EOT"+null)
	case removed:
		fmt.Fprintf(w, "%s%s -> null\n", prefix, literal(a.Before))
	case action == plans.Update && a.Before != nil:
		fmt.Fprintf(w, "%s%s -> %s\n", prefix, literal(a.Before), literal(a.After))
	default:
		fmt.Fprintln(w, prefix+literal(a.After))
	}
}

func isList(v any) bool { _, ok := v.([]string); return ok }

// emptyList is true for an empty list or no value.
func emptyList(v any) bool { l, ok := v.([]string); return v == nil || (ok && len(l) == 0) }

func multiline(v any) bool {
	str, ok := v.(string)
	return ok && strings.Contains(strings.TrimSuffix(str, "\n"), "\n")
}

// literal prints a value as HCL would write it.
func literal(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case int:
		return strconv.Itoa(v)
	case float64:
		// A plan read back from JSON carries numbers as float64.
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// listDiff prints list elements: kept ones plain, removed with -, added with +.
func listDiff(w io.Writer, before, after any, s Style) {
	old, _ := before.([]string)
	now, _ := after.([]string)
	inNow, inOld := map[string]bool{}, map[string]bool{}
	for _, t := range now {
		inNow[t] = true
	}
	for _, t := range old {
		inOld[t] = true
		if inNow[t] {
			fmt.Fprintf(w, "%s      %s,\n", attrIndent, strconv.Quote(t))
		} else {
			fmt.Fprintf(w, "%s    %s %s,\n", attrIndent, s.Red("-"), strconv.Quote(t))
		}
	}
	for _, t := range now {
		if !inOld[t] {
			fmt.Fprintf(w, "%s    %s %s,\n", attrIndent, s.Green("+"), strconv.Quote(t))
		}
	}
}

// textDiff prints a line-level diff of two texts inside a heredoc.
func textDiff(w io.Writer, before, after any, s Style) {
	old, _ := before.(string)
	now, _ := after.(string)
	// Compare whole lines: a last line without a newline is the same line.
	if old != "" && !strings.HasSuffix(old, "\n") {
		old += "\n"
	}
	if now != "" && !strings.HasSuffix(now, "\n") {
		now += "\n"
	}
	dmp := diffmatchpatch.New()
	a, b, lines := dmp.DiffLinesToChars(old, now)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(a, b, false), lines)
	for _, d := range diffs {
		for _, line := range strings.SplitAfter(d.Text, "\n") {
			if line == "" {
				continue
			}
			line = sanitize(strings.TrimSuffix(line, "\n"))
			switch {
			case d.Type == diffmatchpatch.DiffEqual:
				fmt.Fprintf(w, "%s      %s\n", attrIndent, line)
			case d.Type == diffmatchpatch.DiffDelete:
				fmt.Fprintf(w, "%s    %s %s\n", attrIndent, s.Red("-"), line)
			default:
				fmt.Fprintf(w, "%s    %s %s\n", attrIndent, s.Green("+"), line)
			}
		}
	}
}
