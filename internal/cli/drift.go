package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/confine"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// driftCmd reports how the server differs from the configuration, reading
// it in one read-only transaction: a role that may only SELECT runs it.
type driftCmd struct {
	IgnoreFile string `name:"ignore-file" placeholder:"FILE" help:"Known drift to ignore: lines of ADDRESS [ATTRIBUTE...], e.g. 'user.bob email' or 'invite.*'; # starts a comment."`
	Unmanaged  bool   `name:"unmanaged" help:"Also report the local accounts that the configuration does not declare."`
	formatFlags
}

// Unmanaged is a local account roster manages by its kind that the
// configuration does not declare, as --unmanaged reports it.
type unmanagedAccount struct {
	Address   string   `json:"address"`
	Nickname  string   `json:"nickname"`
	Admin     bool     `json:"admin"`
	Moderator bool     `json:"moderator"`
	Active    bool     `json:"active"`
	Confirmed bool     `json:"confirmed"`
	Approved  bool     `json:"approved"`
	Tags      []string `json:"tags"`
}

func (u unmanagedAccount) describe() string {
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
	return strings.Join(parts, "; ")
}

func (c *driftCmd) Run(a *app, g *Globals) error {
	var rules []ignoreRule
	if c.IgnoreFile != "" {
		var diags hcl.Diagnostics
		rules, diags = readIgnoreFile(c.IgnoreFile)
		if diags.HasErrors() {
			a.diags(g, nil, diags)
			return exitCode(1)
		}
	}
	cfg, conn, err := a.loadAndConnect(g)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(a.ctx))
	// A mass prune is drift to report, not an error.
	p, unmanaged, diags := a.readDrift(conn, cfg, c.Unmanaged)
	a.diags(g, cfg, diags)
	if diags.HasErrors() {
		return exitCode(1)
	}
	ignored := ignore(p, &unmanaged, rules)
	drifted := len(p.Changes) + len(unmanaged)

	switch c.format() {
	case "json":
		var b bytes.Buffer
		if err := a.printPlanTo(&b, g, c.formatFlags, p); err != nil {
			return err
		}
		out := b.Bytes()
		if c.Unmanaged {
			if out, err = withUnmanaged(out, unmanaged); err != nil {
				return err
			}
		}
		if _, err := a.Out.Write(out); err != nil {
			return err
		}
	case "markdown":
		if err := a.driftMarkdown(g, c.formatFlags, p, unmanaged); err != nil {
			return err
		}
	default:
		a.driftText(g, p, unmanaged, ignored, c.IgnoreFile)
	}
	if drifted > 0 {
		return exitCode(2)
	}
	return nil
}

// readDrift plans and, with unmanaged, lists the undeclared accounts, both
// in one read-only, repeatable-read transaction (one snapshot).
func (a *app) readDrift(conn *pgx.Conn, cfg *schema.Config, unmanaged bool) (*plans.Plan, []unmanagedAccount, hcl.Diagnostics) {
	ph := a.startPhase("Reading the database", "Checked for drift")
	defer ph.end()
	tx, err := conn.BeginTx(a.ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read the database", Detail: err.Error()}}
	}
	defer tx.Rollback(context.WithoutCancel(a.ctx))
	p, diags := planner.MakeIn(a.ctx, tx, cfg, planner.Options{AllowMassPrune: true})
	if diags.HasErrors() || !unmanaged {
		return p, nil, diags
	}
	list, err := undeclared(a.ctx, tx, cfg)
	if err != nil {
		return nil, nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read the database", Detail: userMessage(err)})
	}
	return p, list, diags
}

// undeclared lists the local accounts roster manages by their kind
// (planner.Managed, not the server's purged tombstones) that the
// configuration does not declare: no user block, and not named in a
// members list or in prune.protect, as prune counts them.
func undeclared(ctx context.Context, q live.Querier, cfg *schema.Config) ([]unmanagedAccount, error) {
	declared := map[string]bool{}
	for _, u := range cfg.Users {
		declared[strings.ToLower(u.Nickname)] = true
	}
	for _, gs := range []map[string]*schema.Group{cfg.Roles, cfg.Tags} {
		for _, gr := range gs {
			for m := range gr.MemberRanges {
				declared[strings.ToLower(m)] = true
			}
		}
	}
	for _, n := range cfg.Prune.Protect {
		declared[strings.ToLower(n)] = true
	}
	var out []unmanagedAccount
	_, err := live.ScanLocalUsers(ctx, q, func(u *live.User) {
		if declared[strings.ToLower(u.Nickname)] || !cfg.Server.Limits.Managed(u.Nickname, u.ActorType, u.Invisible) || u.Tombstone() {
			return
		}
		tags := u.LowerTags()
		sort.Strings(tags)
		out = append(out, unmanagedAccount{Address: "user." + u.Nickname, Nickname: u.Nickname, Admin: u.Admin,
			Moderator: u.Moderator, Active: u.Active, Confirmed: u.Confirmed, Approved: u.Approved, Tags: append([]string{}, tags...)})
	})
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Nickname) < strings.ToLower(out[j].Nickname) })
	return out, err
}

// driftText prints the drift report in text: a status line that says
// drift, what was read, the changes that would undo it, and the undeclared
// accounts.
func (a *app) driftText(g *Globals, p *plans.Plan, unmanaged []unmanagedAccount, ignored int, ignoreFile string) {
	s := a.style(g, a.OutTerm)
	n := len(p.Changes)
	switch {
	case n == 0 && len(unmanaged) == 0:
		fmt.Fprintln(a.Out, s.Green(s.Bold("No drift."))+s.Bold(" The server matches the configuration."))
	case n == 0:
		fmt.Fprintf(a.Out, "%s %s.\n", s.Yellow(s.Bold("Drift detected:")), plural(len(unmanaged), "local account")+" not declared in the configuration")
	default:
		what := plural(n, "object") + " differ from the configuration"
		if n == 1 {
			what = "1 object differs from the configuration"
		}
		if len(unmanaged) > 0 {
			what += ", and " + plural(len(unmanaged), "local account") + " not declared in it"
		}
		fmt.Fprintf(a.Out, "%s %s.\n", s.Yellow(s.Bold("Drift detected:")), what)
	}
	if ignored > 0 {
		fmt.Fprintf(a.Out, "Ignored %s listed in %s.\n", plural(ignored, "difference"), ignoreFile)
	}
	fmt.Fprintln(a.Out)
	a.readLine(p)
	if n > 0 {
		fmt.Fprintln(a.Out, "The server drifted from the configuration; this plan would bring it back:")
		fmt.Fprintln(a.Out)
		view.Plan(a.Out, p, s)
		if !a.inAutomation() {
			fmt.Fprintln(a.Out)
			fmt.Fprintln(a.Out, "To undo the drift, run roster apply. To keep it, change the configuration, or")
			fmt.Fprintln(a.Out, "list it in an ignore file (--ignore-file).")
		}
	}
	if len(unmanaged) > 0 {
		if n > 0 {
			fmt.Fprintln(a.Out)
		}
		fmt.Fprintln(a.Out, "Local accounts that the configuration does not declare:")
		width := 0
		for _, u := range unmanaged {
			width = max(width, len(u.Address))
		}
		for _, u := range unmanaged {
			line := "  " + u.Address
			if d := u.describe(); d != "" {
				line += strings.Repeat(" ", width-len(u.Address)) + "  " + d
			}
			fmt.Fprintln(a.Out, line)
		}
		fmt.Fprintln(a.Out)
		fmt.Fprintln(a.Out, "Declare them with a user block (roster import writes one for each account), or")
		fmt.Fprintln(a.Out, "list them in the ignore file.")
	}
}

// printPlanTo is printPlan writing to w.
func (a *app) printPlanTo(w *bytes.Buffer, g *Globals, f formatFlags, p *plans.Plan) error {
	out := a.Out
	a.Out = w
	defer func() { a.Out = out }()
	return a.printPlan(g, f, p)
}

// withUnmanaged adds "unmanaged_accounts" at the end of the JSON document
// doc, keeping the order of its fields.
func withUnmanaged(doc []byte, list []unmanagedAccount) ([]byte, error) {
	if list == nil {
		list = []unmanagedAccount{}
	}
	end := bytes.LastIndexByte(doc, '}')
	if end < 0 || !json.Valid(doc) {
		return nil, fmt.Errorf("drift: the JSON plan is not an object")
	}
	field, err := json.MarshalIndent(list, "  ", "  ")
	if err != nil {
		return nil, err
	}
	body := bytes.TrimRight(doc[:end], " \n")
	var b bytes.Buffer
	b.Write(body)
	if !bytes.HasSuffix(body, []byte("{")) {
		b.WriteString(",")
	}
	b.WriteString("\n  \"unmanaged_accounts\": ")
	b.Write(field)
	b.WriteString("\n}\n")
	return b.Bytes(), nil
}

// unmanagedRows is how many undeclared accounts the markdown report names.
const unmanagedRows = 50

// driftMarkdown prints the plan as markdown and the undeclared accounts
// after it, within the size of a comment.
func (a *app) driftMarkdown(g *Globals, f formatFlags, p *plans.Plan, unmanaged []unmanagedAccount) error {
	if len(unmanaged) == 0 {
		return a.printPlan(g, f, p)
	}
	var sec strings.Builder
	fmt.Fprintf(&sec, "\n#### Local accounts not in the configuration: %d\n\n| Account | Roles and state |\n| --- | --- |\n", len(unmanaged))
	for i, u := range unmanaged {
		if i == unmanagedRows {
			fmt.Fprintf(&sec, "\n… and %d more: `roster drift --unmanaged` lists them all.\n", len(unmanaged)-unmanagedRows)
			break
		}
		fmt.Fprintf(&sec, "| `%s` | %s |\n", u.Nickname, strings.ReplaceAll(u.describe(), "|", "\\|"))
	}
	if err := view.MarkdownWithin(a.Out, p, Version, view.CommentLimit-sec.Len()); err != nil {
		return err
	}
	_, err := fmt.Fprint(a.Out, sec.String())
	return err
}

// ignoreRule is one line of an ignore file: an address pattern (a glob, as
// path.Match reads it, compared case-insensitively) and the attributes it
// ignores, none meaning the whole object.
type ignoreRule struct {
	pattern string
	attrs   map[string]bool
	line    int
}

// ignorable returns the attributes an ignore rule may name for an object
// type, and whether the type exists; "*" is every type.
func ignorable(typ string) ([]string, bool) {
	switch plans.Type(typ) {
	case plans.TypeUser:
		return []string{"active", "admin", "approved", "bio", "confirmed", "email", "locked", "mfa", "moderator", "name", "password", "password_hash", "sessions", "tags"}, true
	case plans.TypeInvite:
		return []string{"expires_at", "invite_type", "max_use", "revoked", "token"}, true
	case plans.TypeRemoteInstance:
		return []string{"active_accounts", "inactive_accounts"}, true
	case plans.TypeLocalUsers:
		return []string{"confirmed_accounts", "unconfirmed_accounts"}, true
	case "*":
		var all []string
		for _, t := range []plans.Type{plans.TypeUser, plans.TypeInvite, plans.TypeRemoteInstance, plans.TypeLocalUsers} {
			as, _ := ignorable(string(t))
			all = append(all, as...)
		}
		return all, true
	}
	return nil, false
}

// ignoreFileLimit is the most bytes roster reads from an ignore file: it
// may come with a pull request, as the configuration does.
const ignoreFileLimit = 1 << 20

// readIgnoreFile reads known drift: one rule a line, "ADDRESS [ATTRIBUTE
// ...]", blank lines and # comments (a whole line, or after a space)
// allowed. It reads only a regular file of at most ignoreFileLimit bytes,
// so that a named pipe or /dev/zero cannot stall or flood roster.
func readIgnoreFile(name string) ([]ignoreRule, hcl.Diagnostics) {
	src, err := confine.ReadFile(name, ignoreFileLimit)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read the ignore file", Detail: err.Error() + "."}}
	}
	var rules []ignoreRule
	var diags hcl.Diagnostics
	bad := func(n int, detail string) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid ignore rule",
			Detail: fmt.Sprintf("%s line %d: %s", name, n, detail)})
	}
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(nil, ignoreFileLimit+1) // any line of the file, however long
	for n := 1; sc.Scan(); n++ {
		fields := strings.Fields(sc.Text())
		for i, f := range fields {
			if strings.HasPrefix(f, "#") {
				fields = fields[:i]
				break
			}
		}
		if len(fields) == 0 {
			continue
		}
		r := ignoreRule{pattern: strings.ToLower(fields[0]), attrs: map[string]bool{}, line: n}
		typ, _, ok := strings.Cut(r.pattern, ".")
		if r.pattern == string(plans.TypeLocalUsers) {
			typ, ok = r.pattern, true
		}
		if _, err := path.Match(r.pattern, ""); err != nil || !ok {
			bad(n, fmt.Sprintf("%q is not an address such as user.bob, user.* or invite.spring-2027.", fields[0]))
			continue
		}
		known, ok := ignorable(typ)
		if !ok {
			bad(n, fmt.Sprintf("%q is not an address: it starts with user., invite. or remote_instance., or is local_users.", fields[0]))
			continue
		}
		for _, at := range fields[1:] {
			if !contains(known, at) {
				bad(n, fmt.Sprintf("%s has no attribute %q; it has %s.", typ, at, strings.Join(known, ", ")))
				continue
			}
			r.attrs[at] = true
		}
		rules = append(rules, r)
	}
	return rules, diags
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (r ignoreRule) matches(address string) bool {
	ok, _ := path.Match(r.pattern, strings.ToLower(address))
	return ok
}

// ignore removes from p and unmanaged what the rules ignore and returns how
// many differences it removed: a rule without attributes removes the whole
// object (a creation, a deletion, an undeclared account); one with
// attributes removes them from updates, and the update when none is left.
func ignore(p *plans.Plan, unmanaged *[]unmanagedAccount, rules []ignoreRule) int {
	if len(rules) == 0 {
		return 0
	}
	n := 0
	kept := p.Changes[:0]
	for _, c := range p.Changes {
		whole, attrs := false, map[string]bool{}
		for _, r := range rules {
			if !r.matches(c.Address) {
				continue
			}
			if len(r.attrs) == 0 {
				whole = true
			}
			for at := range r.attrs {
				attrs[at] = true
			}
		}
		if whole {
			n++
			continue
		}
		if c.Action == plans.Update && len(attrs) > 0 {
			left := c.Attrs[:0:0]
			for _, at := range c.Attrs {
				if attrs[at.Name] {
					n++
					continue
				}
				left = append(left, at)
			}
			c.Attrs = left
			if len(left) == 0 {
				continue
			}
		}
		kept = append(kept, c)
	}
	p.Changes = kept
	var left []unmanagedAccount
	for _, u := range *unmanaged {
		drop := false
		for _, r := range rules {
			drop = drop || (len(r.attrs) == 0 && r.matches(u.Address))
		}
		if drop {
			n++
			continue
		}
		left = append(left, u)
	}
	*unmanaged = left
	return n
}
