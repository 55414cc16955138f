package view

import (
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/plans"
)

// commentLimit is GitHub's limit on the size of a pull-request comment:
// 65,536 characters.
const commentLimit = 65536

// markdownMarker opens every markdown plan, so that a CI job can find the
// comment it posted before and update it instead of adding another.
const markdownMarker = "<!-- roster plan -->"

// cautionItems is how many changes the caution callout names; it always
// counts them all.
const cautionItems = 20

// Markdown writes p as a pull-request comment that fits GitHub's limit
// (commentLimit): a status line, the summary, a caution callout for
// deletions, deactivations, reactivations, privilege changes and invites
// for more than one registration, a table of the changes,
// the whole text plan folded in a diff block, and the plan's fingerprint.
func Markdown(w io.Writer, p *plans.Plan, rosterVersion string) error {
	return markdownWithin(w, p, rosterVersion, commentLimit, onPlan)
}

// markdownWithin is Markdown for a limit of limit bytes, the checks
// evaluated where (onPlan, onServer) (a byte is never
// less than a character, in UTF-8 or UTF-16). What does not fit is left
// out, detail first: the folded text plan, then the last rows of the table,
// which are replaced by a line that counts them. The status line, the
// summary, the callout and the fingerprint are always written.
func markdownWithin(w io.Writer, p *plans.Plan, rosterVersion string, limit int, where string) error {
	_, err := io.WriteString(w, markdown(p, rosterVersion, limit, where))
	return err
}

// flag is what one change does that a reviewer must not miss.
type flag struct {
	deleted, deactivated bool
	// reactivated is an activation of deactivated accounts. Who
	// deactivated them (a moderator, the server's deactivate, an earlier
	// apply) the database does not say, so every one needs care.
	reactivated bool
	// accounts is how many accounts a deactivation or reactivation
	// covers: one for a user, every account of the domain for a
	// remote_instance.
	accounts int
	// roles are e.g. "admin granted", "moderator revoked".
	roles []string
	// invite says how many registrations an invite allows when the change
	// creates one for more than one registration, or raises what an
	// existing one allows (widened): e.g. "up to 25 registrations".
	invite  string
	widened bool
}

func (f flag) any() bool {
	return f.deleted || f.deactivated || f.reactivated || len(f.roles) > 0 || f.invite != ""
}

func (f flag) String() string {
	var parts []string
	if f.deleted {
		parts = append(parts, "deleted")
	}
	if f.deactivated {
		parts = append(parts, "deactivated")
	}
	if f.reactivated {
		parts = append(parts, "reactivated")
	}
	parts = append(parts, f.roles...)
	if f.invite != "" {
		parts = append(parts, "multi-use: "+f.invite)
	}
	return strings.Join(parts, ", ")
}

func flagOf(c *plans.Change) flag {
	var f flag
	f.deleted = c.Action == plans.Delete
	switch c.Type {
	case plans.TypeRemoteInstance:
		if a := c.Attr("active_accounts"); a != nil {
			n, _ := a.Before.(int64) // a plan holds whole numbers as int64
			f.deactivated, f.accounts = true, int(n)
		}
		if a := c.Attr("inactive_accounts"); a != nil {
			n, _ := a.Before.(int64)
			f.reactivated, f.accounts = true, int(n)
		}
	case plans.TypeInvite:
		f.invite, f.widened = multiUse(c)
	case plans.TypeUser:
		userFlag(c, &f)
	}
	return f
}

// userFlag sets what a user's change does that needs care.
func userFlag(c *plans.Change, f *flag) {
	f.accounts = 1
	for _, a := range c.Attrs {
		if a.Sensitive || a.Computed {
			continue
		}
		before, _ := a.Before.(bool)
		after, _ := a.After.(bool)
		attr, _ := account.Lookup(a.Name)
		switch {
		case a.Name == account.Active:
			f.deactivated = c.Action == plans.Update && before && a.After == false
			f.reactivated = c.Action == plans.Update && a.Before == false && after
		case attr.Role:
			if c.Action == plans.Delete {
				after = false
			}
			if !before && after {
				f.roles = append(f.roles, a.Name+" granted")
			}
			if before && !after {
				f.roles = append(f.roles, a.Name+" revoked")
			}
		}
	}
}

// unlimited is registrations' count for a date-limited invite, which takes
// any number until its date.
const unlimited = -1

// registrations is how many registrations an invite of type typ and
// max_use maxUse allows in all: unlimited, or 0 when not known.
func registrations(typ string, maxUse int64) int64 {
	switch typ {
	case "one_time":
		return 1
	case "date_limited":
		return unlimited
	}
	return maxUse // reusable, reusable_date_limited; 0 when max_use did not change
}

// multiUse says how many registrations the invite of c allows when c
// creates one for more than one registration, or raises what an existing
// one allows (widened); "" otherwise. A revoked invite allows none.
func multiUse(c *plans.Change) (what string, widened bool) {
	if c.RevokesInvite() || (c.Action != plans.Create && c.Action != plans.Update) {
		return "", false
	}
	var typBefore, typAfter string
	var maxBefore, maxAfter int64 // a plan holds whole numbers as int64
	if a := c.Attr("invite_type"); a != nil {
		typBefore, _ = a.Before.(string)
		typAfter, _ = a.After.(string)
	}
	if a := c.Attr("max_use"); a != nil {
		maxBefore, _ = a.Before.(int64)
		maxAfter, _ = a.After.(int64)
		if c.Action == plans.Update && typAfter == "" { // unchanged: reusable, both limits numbers
			typBefore, typAfter = "reusable", "reusable"
		}
	}
	until := "its expiry"
	if a := c.Attr("expires_at"); a != nil {
		if d, ok := a.After.(string); ok {
			until = d
		}
	}
	after := registrations(typAfter, maxAfter)
	before := int64(0) // a new invite allowed none
	if c.Action == plans.Update {
		before = registrations(typBefore, maxBefore)
		if before == unlimited || before == 0 || (after != unlimited && after <= before) {
			return "", false // no more than it allowed, or not known to be more
		}
	}
	switch {
	case after == unlimited:
		return "any number of registrations until " + until, c.Action == plans.Update
	case after <= 1:
		return "", false
	case c.Action == plans.Update:
		return fmt.Sprintf("up to %d registrations (was %d)", after, before), true
	case c.Attr("expires_at") != nil:
		return fmt.Sprintf("up to %d registrations until %s", after, until), false
	}
	return fmt.Sprintf("up to %d registrations", after), false
}

func markdown(p *plans.Plan, rosterVersion string, limit int, where string) string {
	var head strings.Builder
	head.WriteString(markdownMarker + "\n")
	flags := make([]flag, len(p.Changes))
	flagged := 0
	for i := range p.Changes {
		flags[i] = flagOf(&p.Changes[i])
		if flags[i].any() {
			flagged++
		}
	}
	failed := len(p.FailedChecks())
	switch {
	case p.Empty() && failed > 0:
		fmt.Fprintf(&head, "### :warning: roster plan: no changes, %s\n\n", failingChecks(failed))
	case p.Empty():
		head.WriteString("### :white_check_mark: roster plan: no changes\n\n")
	case flagged > 0 || failed > 0:
		fmt.Fprintf(&head, "### :warning: roster plan: %s%s\n\n", plural(len(p.Changes), "change", "changes"), withCare(flagged, failed))
	default:
		fmt.Fprintf(&head, "### :memo: roster plan: %s\n\n", plural(len(p.Changes), "change", "changes"))
	}
	if p.Server.Flavor != "" {
		where := p.Server.URL
		if where == "" {
			where = "a server with no local accounts yet"
		}
		fmt.Fprintf(&head, "Read %d local accounts from the %s database of %s (schema %d).\n\n",
			p.Read, p.Server.Flavor.Title(), inline(where), p.Server.Version)
	}
	if p.Empty() {
		head.WriteString("**No changes.** Your users match the configuration.\n\n")
	} else {
		add, change, destroy := p.Counts()
		fmt.Fprintf(&head, "**Plan:** %d to add, %d to change, %d to destroy.\n\n", add, change, destroy)
	}
	if pr := p.Privileges(); pr.Any() {
		fmt.Fprintf(&head, "**Privileges:** %s\n\n", strings.TrimPrefix(privilegesLine(pr), "Privileges: "))
	}
	if !p.Empty() && p.AuditActor == "" {
		head.WriteString("**Moderation log:** apply writes no entry (`server.audit_actor` is not set).\n\n")
	}
	if flagged > 0 {
		caution(&head, p, flags)
	}
	checksCallout(&head, p.Checks, where, flagged > 0)

	foot := fmt.Sprintf("Plan fingerprint: `%s` (roster v%s; the SHA-256 of this plan's `--format json` output).\n",
		Fingerprint(p, rosterVersion), rosterVersion)
	if rosterVersion == "" {
		foot = fmt.Sprintf("Plan fingerprint: `%s` (the SHA-256 of the JSON plan).\n", Fingerprint(p, rosterVersion))
	}
	if p.Empty() {
		return head.String() + foot
	}

	rows := tableRows(p, flags)
	details := detailsOf(p)
	table := strings.Join(rows, "")
	tableHead := "| Action | Address | Changed |\n| --- | --- | --- |\n"
	if s := head.String() + tableHead + table + "\n" + details + foot; len(s) <= limit {
		return s
	}
	dropped := fmt.Sprintf("The full plan is left out: it does not fit in a comment of %d characters. `roster show FILE` prints it from a plan saved with `roster plan --out FILE`.\n\n", limit)
	if s := head.String() + tableHead + table + "\n" + dropped + foot; len(s) <= limit {
		return s
	}
	// Keep as many rows as fit with the line that counts the others; the
	// line's length is bounded by that of the largest count.
	more := func(n int) string {
		return fmt.Sprintf("… and %s: the JSON plan lists every change (`--format json`).\n\n", plural(n, "more change", "more changes"))
	}
	room := limit - len(head.String()) - len(tableHead) - len(dropped) - len(foot) - len(more(len(rows)))
	var kept strings.Builder
	n := 0
	for _, r := range rows {
		if kept.Len()+len(r) > room {
			break
		}
		kept.WriteString(r)
		n++
	}
	body := ""
	if n > 0 {
		body = tableHead + kept.String() + "\n"
	}
	return head.String() + body + more(len(rows)-n) + dropped + foot
}

// failingChecks is "1 failing check" or "N failing checks".
func failingChecks(n int) string { return plural(n, "failing check", "failing checks") }

// withCare ends the status line of a plan with changes that need care or
// checks that do not hold: ", 2 to review with care, 1 failing check".
func withCare(flagged, failed int) string {
	s := ""
	if flagged > 0 {
		s += fmt.Sprintf(", %d to review with care", flagged)
	}
	if failed > 0 {
		s += ", " + failingChecks(failed)
	}
	return s
}

// cautionCounts says what the plan does that needs care, counted: e.g.
// "deactivates 2 accounts".
func cautionCounts(p *plans.Plan, flags []flag) []string {
	var deletedUsers, deletedInvites, deactivated, reactivated, created, widened int
	for i, f := range flags {
		switch {
		case f.deleted && p.Changes[i].Type == plans.TypeUser:
			deletedUsers++
		case f.deleted:
			deletedInvites++
		}
		switch {
		case f.deactivated:
			deactivated += f.accounts
		case f.reactivated:
			reactivated += f.accounts
		}
		switch {
		case f.invite != "" && f.widened:
			widened++
		case f.invite != "":
			created++
		}
	}
	var what []string
	if deletedUsers > 0 {
		what = append(what, "deletes "+plural(deletedUsers, "account", "accounts")+" (a deletion cannot be undone)")
	}
	if deletedInvites > 0 {
		what = append(what, "deletes "+plural(deletedInvites, "invite", "invites"))
	}
	if deactivated > 0 {
		what = append(what, "deactivates "+plural(deactivated, "account", "accounts"))
	}
	if reactivated == 1 {
		what = append(what, "reactivates 1 account (roster cannot tell who deactivated it)")
	} else if reactivated > 1 {
		what = append(what, fmt.Sprintf("reactivates %d accounts (roster cannot tell who deactivated them)", reactivated))
	}
	if created > 0 {
		what = append(what, "creates "+plural(created, "multi-use invite", "multi-use invites"))
	}
	if widened == 1 {
		what = append(what, "raises the registrations 1 invite allows")
	} else if widened > 1 {
		what = append(what, fmt.Sprintf("raises the registrations %d invites allow", widened))
	}
	if pr := p.Privileges(); pr.Any() {
		what = append(what, "changes privileges: "+strings.TrimSuffix(strings.TrimPrefix(privilegesLine(pr), "Privileges: "), "."))
	}
	return what
}

// caution writes the callout: counts of everything that needs care, then
// the first changes that do.
func caution(b *strings.Builder, p *plans.Plan, flags []flag) {
	what := cautionCounts(p, flags)
	b.WriteString("> [!CAUTION]\n")
	fmt.Fprintf(b, "> **This plan %s.**\n>\n", joinAnd(what))
	shown, total := 0, 0
	for i, f := range flags {
		if !f.any() {
			continue
		}
		total++
		if shown < cautionItems {
			fmt.Fprintf(b, "> - %s: %s\n", inline(p.Changes[i].Address), f)
			shown++
		}
	}
	if total > shown {
		fmt.Fprintf(b, "> - … and %d more, in the table below\n", total-shown)
	}
	if len(p.FailedChecks()) == 0 { // else the checks follow in the callout
		b.WriteString("\n")
	}
}

// tableRows are the table's rows: the changes that need care first, then
// the others, each group in plan order.
func tableRows(p *plans.Plan, flags []flag) []string {
	var first, rest []string
	for i := range p.Changes {
		c := &p.Changes[i]
		action := string(c.Action)
		if flags[i].any() {
			action = ":warning: " + action
		}
		var changed []string
		for _, a := range c.Attrs {
			if a.Computed || c.Action == plans.Delete && !a.Sensitive && a.Before == nil {
				continue
			}
			name := a.Name
			if a.Sensitive {
				name += " (sensitive)"
			}
			changed = append(changed, name)
		}
		if flags[i].any() {
			changed = append(changed, "**"+flags[i].String()+"**")
		}
		row := fmt.Sprintf("| %s | %s | %s |\n", action, inline(c.Address), cell(strings.Join(changed, ", ")))
		if flags[i].any() {
			first = append(first, row)
		} else {
			rest = append(rest, row)
		}
	}
	return append(first, rest...)
}

// detailsOf is the whole text plan, folded, in a diff block whose symbols
// are in column 0 (GitHub colours + and - lines; ~ becomes !, which it
// marks as changed).
func detailsOf(p *plans.Plan) string {
	var text bytes.Buffer
	planText(&text, p, Style{}, false) // the line on the moderation log is in the head
	diff := symbolLine.ReplaceAllStringFunc(text.String(), func(line string) string {
		m := symbolLine.FindStringSubmatch(line)
		sym := m[2]
		if sym == "~" {
			sym = "!"
		}
		return sym + m[1] + " " + m[3]
	})
	fence := strings.Repeat("`", max(3, longestRun(diff, '`')+1))
	return "<details><summary>Full plan</summary>\n\n" + fence + "diff\n" + diff + fence + "\n\n</details>\n\n"
}

var symbolLine = regexp.MustCompile(`(?m)^( *)([-+~]) (.*)$`)

func longestRun(s string, r byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == r {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// inline is s as a code span that a table cell can hold.
func inline(s string) string {
	s = strings.NewReplacer("\n", " ", "\r", " ", "|", `\|`).Replace(s)
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

// cell is text a table cell can hold; attribute names need no escaping
// beyond this.
func cell(s string) string {
	return strings.NewReplacer("\n", " ", "\r", " ", "|", `\|`, "<", "&lt;").Replace(s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// joinAnd joins "a", "b" and "c" as "a, b and c".
func joinAnd(parts []string) string {
	if len(parts) <= 1 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}
