package planner

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/checks"
	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/internal/progress"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/server/password"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// Options tune a planning run. The zero value is ready to use.
type Options struct {
	// VerifyMemory bounds the memory that concurrent password verifications
	// may take (an argon2id check takes 64 MiB); default 512 MiB.
	VerifyMemory int64
	// Parallelism bounds concurrent verifications; default GOMAXPROCS.
	Parallelism int
	// AllowMassPrune lets a plan prune more than prune.max accounts and invites.
	AllowMassPrune bool
	// Targets, when set, keeps only the changes of the objects at these
	// addresses (addrs.Parse; names compared case-insensitively), as
	// Terraform's -target. The checks
	// (groups, prune.max) still cover the whole configuration; local_users
	// is counted on the accounts as the targeted changes leave them.
	Targets []string
	// Progress, when set, is told how many of the enforced passwords have
	// been verified against their stored hashes, the slow part of
	// planning (an argon2id check takes a fraction of a second): (0,
	// total) when verifying begins, then once after each password. The
	// calls come from the workers, one at a time, done increasing.
	Progress func(done, total int)
	// seen, when set, keeps from the scan of the local accounts those the
	// checks may see (Make's and Drift's: checks.Seen).
	seen *checks.Seen
}

// Make reads the live state in one read-only, repeatable-read transaction
// and diffs it against cfg. Diagnostics carry the configuration's source
// ranges; a plan is returned only when there is no error.
func Make(ctx context.Context, db live.Beginner, cfg *schema.Config, opts Options) (*plans.Plan, hcl.Diagnostics) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, diag.List(err, "Cannot read the database")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	opts.seen = checks.NewSeen(cfg)
	p, diags := MakeIn(ctx, tx, cfg, opts)
	if p == nil {
		return nil, diags
	}
	// The checks, on the state the plan would leave (check.go), and on the
	// accounts the plan's scan read; apply evaluates them again on what it
	// writes, so MakeIn does not.
	return withChecks(ctx, tx, cfg, p, predict(cfg, p), opts.seen, checks.OnPlan, diags)
}

// MakeIn is Make in a transaction the caller opened: the applier plans
// again under its lock, in its own transaction, before it writes.
func MakeIn(ctx context.Context, q live.Querier, cfg *schema.Config, opts Options) (*plans.Plan, hcl.Diagnostics) {
	return makeIn(ctx, q, cfg, opts, scanUsers)
}

// makeIn is MakeIn reading the local accounts with scan.
func makeIn(ctx context.Context, q live.Querier, cfg *schema.Config, opts Options,
	scan scanner) (*plans.Plan, hcl.Diagnostics) {
	info, err := server.Detect(ctx, q)
	if err != nil {
		return nil, diag.List(err, "Cannot read the database")
	}
	var seen func(*live.User, bool)
	if opts.seen != nil {
		seen = opts.seen.Visit
	}
	in, err := readState(ctx, q, cfg, scan, seen)
	if err != nil {
		return nil, diag.List(err, "Cannot read the database")
	}
	p, diags := diff(ctx, cfg, info, in, opts)
	if p == nil {
		return nil, diags
	}
	if err := endSessions(ctx, q, cfg, p); err != nil {
		return nil, append(diags, diag.List(err, "Cannot read the database")...)
	}
	more, err := auditActor(ctx, q, cfg, p)
	if err != nil {
		return nil, append(diags, diag.List(err, "Cannot read the database")...)
	}
	if diags = append(diags, more...); diags.HasErrors() {
		return nil, diags
	}
	return p, diags
}

// readState reads what cfg compares: the local accounts (with scan), the
// nicknames and e-mails its new accounts would take, the invites, the
// sessions and the remote instances' accounts.
func readState(ctx context.Context, q live.Querier, cfg *schema.Config, scan scanner, seen func(*live.User, bool)) (state, error) {
	in, err := scan(ctx, q, cfg, seen)
	if err != nil {
		return in, err
	}
	var nicks, emails []string
	for _, u := range cfg.Users {
		nicks = append(nicks, u.Nickname)
		if u.Email != nil {
			emails = append(emails, *u.Email)
		}
	}
	if in.taken, err = live.ReadTaken(ctx, q, nicks, emails); err != nil {
		return in, err
	}
	if len(cfg.Invites) > 0 || cfg.Prune.Invites == "revoke" {
		if in.invites, err = live.ReadInvites(ctx, q); err != nil {
			return in, err
		}
	}
	after := map[string]time.Time{}
	for _, lu := range in.kept {
		if u := cfg.User(lu.Nickname); u != nil && u.SessionsValidAfter != nil {
			after[lu.ID] = *u.SessionsValidAfter
		}
	}
	if in.sessions, err = live.ReadSessions(ctx, q, after); err != nil {
		return in, err
	}
	var domains []string
	for _, r := range cfg.RemoteInstances {
		domains = append(domains, r.Domain)
	}
	in.instances, err = live.ReadInstances(ctx, q, domains)
	return in, err
}

// scanner reads the local accounts into a state, handing each to seen
// when it is not nil, with whether the state keeps it.
type scanner func(ctx context.Context, q live.Querier, cfg *schema.Config, seen func(u *live.User, kept bool)) (state, error)

// scanUsers reads the local accounts once. It keeps only the rows the
// configuration declares or may change, and the oldest local person's
// ap_id for the base URL: memory stays flat at a million accounts, and a
// row it does not keep costs no allocation (live.ReadLocalUsers lends it).
// seen is given every row, for the checks.
func scanUsers(ctx context.Context, q live.Querier, cfg *schema.Config, seen func(*live.User, bool)) (state, error) {
	var in state
	keep := keeper(cfg)
	var oldestID, oldestAPID, oldestNick string
	read, err := live.ReadLocalUsers(ctx, q, func(u *live.User) {
		kept := keep(u)
		if seen != nil {
			seen(u, kept)
		}
		if kept {
			in.kept = append(in.kept, u.Clone())
		} else if l := cfg.LocalUsers; l != nil && l.Confirmed != nil && LocalUsersCovers(cfg, u) && u.Confirmed != *l.Confirmed {
			in.unconfirmed.Add(u.ID)
		}
		if u.ActorType == "Person" && (oldestID == "" || u.ID < oldestID) && cfg.Server.Limits.ValidNickname(u.Nickname) &&
			server.BaseURLFromAPID(u.APID, u.Nickname) != "" {
			oldestID, oldestAPID, oldestNick = strings.Clone(u.ID), strings.Clone(u.APID), strings.Clone(u.Nickname)
		}
	})
	in.read = read
	if oldestID != "" {
		in.derived = server.BaseURLFromAPID(oldestAPID, oldestNick)
	}
	return in, err
}

// state is what Make read.
type state struct {
	kept    []*live.User
	read    int
	derived string
	taken   []live.Taken
	invites []*live.Invite
	// sessions counts the sessions older than sessions_valid_after, by id.
	sessions map[string]live.Sessions
	// instances counts the accounts of each remote_instance domain.
	instances map[string]live.Instance
	// unconfirmed are the accounts local_users changes among the rows not
	// kept.
	unconfirmed accountset.Set
}

// keeper decides which local accounts the planner keeps in memory: those
// the configuration declares, and those a group block or the prune policy
// may change. The rest are only counted.
func keeper(cfg *schema.Config) func(*live.User) bool {
	declared := map[string]bool{}
	for _, u := range cfg.Users {
		declared[strings.ToLower(u.Nickname)] = true
	}
	for _, gs := range []map[string]*schema.Group{cfg.Roles, cfg.Tags} {
		for _, g := range gs {
			for m := range g.MemberRanges {
				declared[m] = true
			}
		}
	}
	for _, n := range cfg.Prune.Protect {
		declared[strings.ToLower(n)] = true
	}
	// The roles a role block owns: their holders may lose them.
	var roles []account.Attribute
	for a := range account.All() {
		if a.Role && cfg.Roles[a.Name] != nil {
			roles = append(roles, a)
		}
	}
	var key []byte
	return func(u *live.User) bool {
		key = appendLower(key[:0], u.Nickname)
		if declared[string(key)] {
			return true
		}
		if !cfg.Server.Limits.Managed(u.Nickname, u.ActorType, u.Invisible) || u.Tombstone() {
			return false
		}
		for _, r := range roles {
			if r.Live(u) == true {
				return true
			}
		}
		for _, t := range u.Tags {
			if cfg.Tags[t] != nil {
				return true
			}
		}
		return cfg.Prune.Users == "delete" || (cfg.Prune.Users == "deactivate" && u.Active)
	}
}

// appendLower appends s lower-cased, as strings.ToLower, to b: without an
// allocation when s is ASCII.
func appendLower(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return append(b[:len(b)-i], strings.ToLower(s)...)
		}
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	return b
}

type planning struct {
	cfg      *schema.Config
	opts     Options
	info     server.Info
	managed  map[string]*live.User // by lower-cased nickname
	other    map[string]*live.User // local accounts roster does not manage
	taken    []live.Taken
	sessions map[string]live.Sessions
	diags    hcl.Diagnostics
	checks   []verifyCheck
	// pruned counts the accounts and invites the prune policy touches.
	pruned int
	// targets are the objects --target names, names lower-cased; nil
	// without --target.
	targets map[addrs.Object]bool
}

type verifyCheck struct {
	change   int // index into plan.Changes
	password string
	hash     string
}

func diff(ctx context.Context, cfg *schema.Config, info server.Info, in state, opts Options) (*plans.Plan, hcl.Diagnostics) {
	st := &planning{cfg: cfg, opts: opts, info: info, managed: map[string]*live.User{}, other: map[string]*live.User{}, taken: in.taken, sessions: in.sessions}
	st.targets = targetSet(opts.Targets)
	read, derived := in.read, in.derived
	for _, u := range in.kept {
		if cfg.Server.Limits.Managed(u.Nickname, u.ActorType, u.Invisible) {
			st.managed[strings.ToLower(u.Nickname)] = u
		} else {
			st.other[strings.ToLower(u.Nickname)] = u
		}
	}
	p := &plans.Plan{FormatVersion: plans.FormatVersion, Read: read,
		Server: plans.Server{Flavor: info.Flavor, Version: info.Version, Known: info.Known(), URL: st.baseURL(derived)}}
	if f := cfg.Server.Flavor; f != server.Auto && f != info.Flavor {
		st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Wrong server flavor",
			Detail:  fmt.Sprintf("The configuration says flavor = %q, but the database is %s. Correct the flavor, or set it to \"auto\".", f, info),
			Subject: cfg.Server.FlavorRange.Ptr()})
	}
	if !info.Known() {
		st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Newer server schema than roster knows",
			Detail: fmt.Sprintf("The database is %s, newer than the newest %s migration roster knows (%d). The server may have renamed what roster writes: apply refuses to run unless server { allow_unknown_version = true }.",
				info, info.Flavor.Title(), info.Newest())})
	}
	st.checkMembers()
	add := func(c *plans.Change) {
		if c == nil {
			return
		}
		p.Changes = append(p.Changes, *c)
		for i := range st.checks {
			if st.checks[i].change == -1 {
				st.checks[i].change = len(p.Changes) - 1
			}
		}
	}
	for _, u := range cfg.Users {
		add(st.declaredUser(u, p.Server.URL))
	}
	for _, lu := range st.undeclared() {
		add(st.undeclaredUser(lu))
	}
	for _, c := range st.invites(in.invites) {
		add(c)
	}
	for _, c := range st.remoteInstances(in.instances) {
		add(c)
	}
	st.checkPruneMax()
	if err := st.verifyPasswords(ctx, p, opts); err != nil {
		st.diags = append(st.diags, diag.List(err, "Password verification interrupted")...)
	}
	// Drop updates that turned out to change nothing once passwords verified.
	kept := p.Changes[:0]
	for _, c := range p.Changes {
		if c.Action == plans.Create || len(c.Attrs) > 0 {
			kept = append(kept, c)
		}
	}
	p.Changes = kept
	if st.targets != nil {
		p.Targeted = true
		kept = p.Changes[:0]
		for _, c := range p.Changes {
			if st.targeted(c.Type, c.Nickname) {
				kept = append(kept, c)
			}
		}
		p.Changes = kept
	}
	if c := st.localUsers(p, in.unconfirmed); c != nil && st.targeted(c.Type, c.Nickname) {
		p.Changes = append(p.Changes, *c)
	}
	sortChanges(p.Changes)
	sortDiags(st.diags)
	if st.diags.HasErrors() {
		return nil, st.diags
	}
	return p, st.diags
}

// targetSet is the set of objects that addresses name, names lower-cased;
// nil when there is no address. An address that does not read names none.
func targetSet(addresses []string) map[addrs.Object]bool {
	if len(addresses) == 0 {
		return nil
	}
	out := map[addrs.Object]bool{}
	for _, t := range addresses {
		if o, diags := addrs.Parse(t); !diags.HasErrors() {
			out[addrs.Object{Type: o.Type, Name: strings.ToLower(o.Name)}] = true
		}
	}
	return out
}

// targeted reports whether --target keeps the object of type typ named
// name: any, without targets; else the ones named (names compared
// case-insensitively).
func (st *planning) targeted(typ plans.Type, name string) bool {
	return st.targets == nil || st.targets[addrs.Object{Type: string(typ), Name: strings.ToLower(name)}]
}

// baseURL is the configured server URL, else derived, the one of the
// oldest local account's ap_id.
func (st *planning) baseURL(derived string) string {
	if u := st.cfg.Server.URL; u != "" {
		if derived != "" && !strings.EqualFold(u, derived) {
			st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Server URL differs from the accounts' addresses",
				Detail:  fmt.Sprintf("server.url is %q, but the local accounts' ap_ids start with %q. New accounts would get addresses under %q; check that the URL is the server's Endpoint URL.", u, derived, u),
				Subject: st.cfg.Server.URLRange.Ptr()})
		}
		return u
	}
	return derived
}

func (st *planning) errAt(u *schema.User, attr, summary, detail string) {
	r := u.LabelRange
	if attr != "" {
		r = u.Range(attr)
	}
	if where := u.Where(attr); where != "" {
		detail = where + ": " + detail
	}
	st.diags = append(st.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr(), Context: u.DeclRange.Ptr()})
}

// emailTaken returns the account other than self holding email, if any.
func (st *planning) emailTaken(email, self string) *live.Taken {
	for i, t := range st.taken {
		if t.ID != self && t.Email != nil && strings.EqualFold(*t.Email, email) {
			return &st.taken[i]
		}
	}
	return nil
}

func describe(t *live.Taken) string {
	if t.Local {
		return fmt.Sprintf("the local account %q", t.Nickname)
	}
	return fmt.Sprintf("the remote account %q", t.Nickname)
}

func source(r hcl.Range) plans.Source { return plans.Source{Filename: r.Filename, Line: r.Start.Line} }

// userSource is where u is declared: its block, and for an account of a
// users block, which one and where its row is in a data file.
func userSource(u *schema.User) plans.Source {
	s := source(u.DeclRange)
	if u.From != nil {
		s.Block, s.DataFile, s.DataLine = u.From.Block, u.From.Data.File, u.From.Data.Line
	}
	return s
}

func (st *planning) create(u *schema.User, baseURL string) *plans.Change {
	for i, t := range st.taken {
		if strings.EqualFold(t.Nickname, u.Nickname) {
			what := describe(&st.taken[i])
			if o := st.other[strings.ToLower(u.Nickname)]; o != nil {
				what = fmt.Sprintf("the local %s account %q, which roster does not manage", o.ActorType, o.Nickname)
			}
			st.errAt(u, "", "Nickname already taken", fmt.Sprintf("The nickname %q is held by %s. The server cannot rename accounts; choose another nickname.", u.Nickname, what))
			return nil
		}
	}
	if u.Email != nil {
		if t := st.emailTaken(*u.Email, ""); t != nil {
			st.errAt(u, account.Email, "E-mail address already taken", fmt.Sprintf("The address is already used by %s, and the server requires unique e-mail addresses. Give user %q another address.", describe(t), u.Nickname))
		}
	}
	if baseURL == "" {
		st.errAt(u, "", "Server URL unknown", fmt.Sprintf("Creating user %q needs the server's base URL for its ap_id, and the database has no local account to take it from. Set server { url = \"https://your.server\" }.", u.Nickname))
		return nil
	}
	if len(server.AddressesFor(baseURL, u.Nickname).Featured) > server.MaxAddressLength {
		st.errAt(u, "", "Nickname too long", fmt.Sprintf("With the server URL %s the account's addresses would exceed %d characters. Choose a shorter nickname.", baseURL, server.MaxAddressLength))
	}
	c := &plans.Change{Address: u.Address(), Type: plans.TypeUser, Nickname: u.Nickname, Action: plans.Create, Source: userSource(u)}
	c.Attrs = append(c.Attrs, plans.Attr{Name: account.APID, After: server.AddressesFor(baseURL, u.Nickname).APID})
	c.Attrs = append(c.Attrs, plans.Attr{Name: account.ID, Computed: true})
	for _, d := range st.effective(u, nil) {
		if d.name == account.Confirmed && d.value == nil {
			d.value = d.attr.Default // as the server's own `user new`
			if l := st.cfg.LocalUsers; l != nil && l.Confirmed != nil && !st.staff(u) {
				d.value = *l.Confirmed // as local_users leaves every account
			}
		}
		if d.value == nil || (d.reason != "" && isDefault(d.value)) {
			continue // a group's "not a member" on a new account is the server's default
		}
		a := plans.Attr{Name: d.name, After: d.value}
		if u.Sensitive[d.name] {
			a = plans.Attr{Name: d.name, Sensitive: true}
		}
		c.Attrs = append(c.Attrs, a)
	}
	if u.PasswordMode != schema.PasswordUnmanaged {
		c.Attrs = append(c.Attrs, plans.Attr{Name: u.PasswordMode.Attribute(), Sensitive: true})
	}
	if u.Active != nil && !*u.Active {
		c.Notes = append(c.Notes, "created deactivated")
	}
	if u.Bio != nil && linkable.MatchString(*u.Bio) {
		c.Notes = append(c.Notes, "the bio is stored HTML-escaped; the server turns its URLs, #hashtags and @mentions into links only when the profile is next saved through it")
	}
	sortAttrs(c.Attrs)
	return c
}

// linkable matches what the server's Linkify would turn into a link.
var linkable = regexp.MustCompile(`(?i)\b(https?://|www\.)|(^|\s)[#@]\w`)

type desiredAttr struct {
	attr  *account.Attribute // an element of compared
	name  string
	value any // string, bool, []string, or nil when unmanaged
	// reason says why, when a group block decides the value.
	reason string
}

// compared are the attributes the account table compares, collected once
// so that each user's desiredAttr points to its attribute rather than
// copying it. It is never changed.
var compared = slices.Collect(account.Compared())

// desired is what a user block declares of each attribute the account
// table compares.
func desired(u *schema.User) []desiredAttr {
	out := make([]desiredAttr, len(compared))
	for i := range compared {
		a := &compared[i]
		out[i] = desiredAttr{attr: a, name: a.Name, value: a.Desired(&u.Declared)}
	}
	return out
}

func (st *planning) update(u *schema.User, lu *live.User) *plans.Change {
	c := &plans.Change{Address: u.Address(), Type: plans.TypeUser, Nickname: lu.Nickname, Action: plans.Update, ID: lu.ID,
		Source: userSource(u)}
	for _, d := range st.effective(u, lu) {
		if d.value == nil {
			continue
		}
		before := d.attr.Live(lu)
		if d.attr.Equal(before, d.value) {
			c.Unchanged++
			continue
		}
		a := plans.Attr{Name: d.name, Before: before, After: d.value}
		if u.Sensitive[d.name] {
			a = plans.Attr{Name: d.name, Sensitive: true}
		}
		c.Attrs = append(c.Attrs, a)
		if d.reason != "" {
			c.Reasons = append(c.Reasons, d.reason)
		}
	}
	if u.Email != nil && (lu.Email == nil || *lu.Email != *u.Email) {
		if t := st.emailTaken(*u.Email, lu.ID); t != nil {
			st.errAt(u, account.Email, "E-mail address already taken", fmt.Sprintf("The address is already used by %s, and the server requires unique e-mail addresses. Give user %q another address.", describe(t), u.Nickname))
		}
	}
	switch u.PasswordMode {
	case schema.PasswordEnforced:
		hash := ""
		if lu.PasswordHash != nil {
			hash = *lu.PasswordHash
		}
		if f := password.FormatOf(hash); f == password.Unknown || (f == password.Argon2 && !st.info.AcceptsArgon2()) {
			c.Attrs = append(c.Attrs, passwordAttr())
		} else {
			st.checks = append(st.checks, verifyCheck{change: -1, password: u.Password.Reveal(), hash: hash})
		}
	case schema.PasswordHash:
		if lu.PasswordHash == nil || *lu.PasswordHash != u.Password.Reveal() {
			a := passwordAttr()
			a.Name = account.PasswordHash
			c.Attrs = append(c.Attrs, a)
		} else {
			c.Unchanged++
		}
	}
	st.sessionsAndMFA(c, u, lu)
	st.annotate(c, u, lu)
	sortAttrs(c.Attrs)
	return c
}

// sessionsAndMFA plans sessions_valid_after and mfa = false.
func (st *planning) sessionsAndMFA(c *plans.Change, u *schema.User, lu *live.User) {
	if u.MFA != nil {
		if lu.MFA {
			c.Attrs = append(c.Attrs, plans.Attr{Name: account.MFA, Before: true, After: false})
			c.Notes = append(c.Notes, "multi-factor authentication turned off as the server's reset_mfa does: TOTP cleared, backup codes kept")
		} else {
			c.Unchanged++
		}
	}
	// A change that ends every session (endSessions) ends these too.
	if u.SessionsValidAfter != nil && !endsSessions(st.cfg, c) {
		s := st.sessions[lu.ID]
		if s.Total() == 0 {
			c.Unchanged++
			return
		}
		c.Attrs = append(c.Attrs, plans.Attr{Name: account.Sessions, Before: s.Total(), After: int64(0)})
		c.Notes = append(c.Notes, fmt.Sprintf("%s revoked: %s and %s issued before %s deleted, as the server's sign_out does",
			plural(s.Total(), "session", "sessions"), plural(s.Tokens, "OAuth token", "OAuth tokens"),
			plural(s.Authorizations, "authorization", "authorizations"), u.SessionsValidAfter.Format(time.RFC3339)))
	}
}

// staff reports whether the configuration makes a user an admin or a
// moderator, by its own attributes or a role block.
func (st *planning) staff(u *schema.User) bool {
	for _, d := range st.effective(u, nil) {
		if d.attr.Role && d.value == true {
			return true
		}
	}
	return false
}

func passwordAttr() plans.Attr { return plans.Attr{Name: account.Password, Sensitive: true} }

// annotate adds the notes that explain the server-side effects of a change.
func (st *planning) annotate(c *plans.Change, u *schema.User, lu *live.User) {
	if a := c.Attr(account.Active); a != nil && !a.Sensitive {
		if a.After == false {
			c.Notes = append(c.Notes, "deactivated as the server's deactivate does: its follows of active local accounts are removed, follow counts recomputed, nothing federated")
		} else {
			c.Notes = append(c.Notes, "activated as the server's activate does: follows removed at deactivation are not restored")
		}
	}
	if a := c.Attr(account.Bio); a != nil && u.Bio != nil && linkable.MatchString(*u.Bio) {
		c.Notes = append(c.Notes, "the bio is stored HTML-escaped; the server turns its URLs, #hashtags and @mentions into links only when the profile is next saved through it")
	}
	if st.info.Flavor == server.Akkoma && server.Demotes(lu.Admin, lu.Moderator, attrBool(c, account.Admin, u.Admin), attrBool(c, account.Moderator, u.Moderator)) {
		c.Notes = append(c.Notes, "loses admin/moderator: its report notifications are removed, as Akkoma does")
	}
}

func sortAttrs(as []plans.Attr) {
	sort.Slice(as, func(i, j int) bool { return as[i].Name < as[j].Name })
}

// verifyPasswords checks enforced passwords against the stored hashes in
// parallel, bounded by CPU and by memory (argon2id needs 64 MiB per check),
// and adds a password change where one does not verify.
func (st *planning) verifyPasswords(ctx context.Context, p *plans.Plan, opts Options) error {
	if len(st.checks) == 0 {
		return nil
	}
	budget := opts.VerifyMemory
	if budget == 0 {
		budget = 512 << 20
	}
	workers := opts.Parallelism
	if workers == 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var maxCost int64
	for _, ch := range st.checks {
		maxCost = max(maxCost, password.MemoryCost(ch.hash))
	}
	if maxCost > 0 {
		// The garbage collector lets the heap grow to about twice what is
		// live, so each check is counted twice.
		workers = max(1, min(workers, int(budget/(2*maxCost))))
	}
	results := make([]bool, len(st.checks))
	failed := make([]error, len(st.checks)) // a panic, as an error
	verified := progress.New(opts.Progress, len(st.checks))
	var wg sync.WaitGroup
	next := make(chan int)
	for range workers {
		wg.Go(func() {
			for i := range next {
				failed[i] = panics.Catch(func() error {
					ok, err := password.Verify(st.checks[i].password, st.checks[i].hash)
					results[i] = ok && err == nil
					verified.Done()
					return nil
				})
			}
		})
	}
	for i := range st.checks {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := cmp.Or(failed...); err != nil {
		return err
	}
	for i, ch := range st.checks {
		c := &p.Changes[ch.change]
		if results[i] {
			c.Unchanged++
			continue
		}
		c.Attrs = append(c.Attrs, passwordAttr())
		c.Notes = append(c.Notes, "the password does not verify against the stored hash: it is rewritten and the account's OAuth tokens revoked, as a password change on the server does")
		sortAttrs(c.Attrs)
	}
	return nil
}

// sortDiags orders diagnostics by source position, those without one first.
func sortDiags(diags hcl.Diagnostics) {
	pos := func(d *hcl.Diagnostic) (string, int) {
		if d.Subject == nil {
			return "", 0
		}
		return d.Subject.Filename, d.Subject.Start.Byte
	}
	sort.SliceStable(diags, func(i, j int) bool {
		fi, bi := pos(diags[i])
		fj, bj := pos(diags[j])
		if fi != fj {
			return fi < fj
		}
		return bi < bj
	})
}

// isDefault reports whether a value is what a new account has anyway:
// false, or no tags.
func isDefault(v any) bool {
	switch v := v.(type) {
	case bool:
		return !v
	case []string:
		return len(v) == 0
	}
	return false
}

// attrBool is a boolean attribute's planned value: the change's, else the
// configured one (for a sensitive value the plan does not hold), else nil.
func attrBool(c *plans.Change, name string, configured *bool) *bool {
	if a := c.Attr(name); a != nil {
		if b, ok := a.After.(bool); ok {
			return &b
		}
	}
	return configured
}
