// Package checks evaluates the configuration's check blocks against the
// server: it reads live.users (the local accounts roster manages, not
// internal actors, the relay or deleted accounts) and live.invites in the
// caller's transaction, lets the caller adjust them (the planner, to the
// state its plan would leave), and turns the outcomes into plan data and
// diagnostics. The checks themselves, and every cty value, are schema's.
package checks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/listing"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// Adjust changes the state read before the checks see it. The zero value
// changes nothing: the live state.
type Adjust struct {
	// User is given each account roster manages, as read, and its row's
	// id; it may change it, and returns false to leave it out.
	User func(id string, u *schema.LiveUser) bool
	// NewUsers are added after the accounts read.
	NewUsers []*schema.LiveUser
	// Invite is given each invite, as read; it may change it, and returns
	// false to leave it out.
	Invite func(i *schema.LiveInvite) bool
	// NewInvites are added after the invites read.
	NewInvites []*schema.LiveInvite
}

// When says what the checks are evaluated on, for the words of their
// diagnostics.
type When int

// What checks are evaluated on.
const (
	// OnPlan: the state a plan would leave.
	OnPlan When = iota
	// OnLive: the live state (drift).
	OnLive
	// OnApply: what an apply wrote, in its transaction before COMMIT.
	OnApply
)

// Result is a check's outcome and its diagnostics: one for each assertion
// that does not hold, and the errors of those that could not be
// evaluated. They are warnings but for an enforced check that does not
// hold OnApply, whose are errors.
type Result struct {
	plans.Check
	Diags hcl.Diagnostics
}

// Evaluate reads what cfg's checks refer to in q's snapshot (live.users
// only when a check refers to it, and once), adjusts it, and evaluates
// every check. Without checks it reads nothing. seen, when not nil, holds
// the accounts a scan of the same snapshot read: they are not read again.
func Evaluate(ctx context.Context, q live.Querier, cfg *schema.Config, adj Adjust, seen *Seen, when When) ([]Result, error) {
	if len(cfg.Checks) == 0 {
		return nil, nil
	}
	l := cfg.NewLive()
	users, invites := cfg.ChecksRead()
	if users {
		if err := readUsers(ctx, q, cfg, adj, seen, l); err != nil {
			return nil, err
		}
	}
	if invites {
		if err := readInvites(ctx, q, cfg, adj, l); err != nil {
			return nil, err
		}
	}
	var out []Result
	for _, r := range cfg.EvalChecks(l) {
		out = append(out, result(r, when))
	}
	return out, nil
}

// Seen are the local accounts a scan read that the checks may see: the
// planner reads every local account once, and hands each to Visit, so
// that Evaluate reads none again.
type Seen struct {
	cfg  *schema.Config
	live *schema.Live // asks Wants
	// confirm is whether a local_users block may confirm or unconfirm the
	// accounts no block declares: the plan may change any account's
	// confirmed.
	confirm bool
	users   []seenUser
}

type seenUser struct {
	id string
	u  schema.LiveUser
}

// NewSeen returns where a scan keeps the accounts cfg's checks may see; nil
// when no check reads live.users.
func NewSeen(cfg *schema.Config) *Seen {
	if users, _ := cfg.ChecksRead(); !users {
		return nil
	}
	l := cfg.LocalUsers
	return &Seen{cfg: cfg, live: cfg.NewLive(), confirm: l != nil && l.Confirmed != nil}
}

// Visit is given each local account a scan reads, borrowed, and whether a
// plan may change it (the planner keeps it); it keeps a copy of those the
// checks may see, as read or as a plan may leave them.
func (s *Seen) Visit(r *live.User, changeable bool) {
	u, ok := liveUser(s.cfg, r)
	if !ok {
		return
	}
	wants := changeable || s.live.Wants(&u)
	if !wants && s.confirm {
		u.Confirmed = !u.Confirmed
		wants = s.live.Wants(&u)
		u.Confirmed = !u.Confirmed
	}
	if wants {
		s.users = append(s.users, seenUser{id: strings.Clone(r.ID), u: u.Clone()})
	}
}

// liveUser is r as an element of live.users, borrowing its strings; false
// for an account roster does not manage (an internal actor, the relay) or
// the tombstone of a deleted one.
func liveUser(cfg *schema.Config, r *live.User) (schema.LiveUser, bool) {
	if !cfg.Server.Limits.Managed(r.Nickname, r.ActorType, r.Invisible) || r.Tombstone() {
		return schema.LiveUser{}, false
	}
	return schema.LiveUser{Nickname: r.Nickname, Email: r.Email, Name: r.Name, Admin: r.Admin, Moderator: r.Moderator,
		Active: r.Active, Confirmed: r.Confirmed, Approved: r.Approved, Locked: r.Locked, MFA: r.MFA,
		Tags: dedupe(r.Tags), InsertedAt: r.InsertedAt, LastActiveAt: r.LastActiveAt}, true
}

// dedupe keeps the first of each tag, in order: tags as they are when
// each is there once.
func dedupe(tags []string) []string {
	for i, t := range tags {
		if slices.Contains(tags[:i], t) {
			var out []string
			for _, t := range tags {
				if !slices.Contains(out, t) {
					out = append(out, t)
				}
			}
			return out
		}
	}
	return tags
}

// readUsers adds the local accounts roster manages to l, adjusted: those
// the checks may see (Live.Wants), from seen or read borrowed, so that an
// account no check sees costs no allocation.
func readUsers(ctx context.Context, q live.Querier, cfg *schema.Config, adj Adjust, seen *Seen, l *schema.Live) error {
	l.ReadUsers()
	add := func(id string, u *schema.LiveUser) {
		if (adj.User == nil || adj.User(id, u)) && l.Wants(u) {
			l.AddUser(u)
		}
	}
	if seen != nil {
		for i := range seen.users {
			u := seen.users[i].u // adj changes fields, not what they point to
			add(seen.users[i].id, &u)
		}
	} else {
		_, err := live.ReadLocalUsers(ctx, q, func(r *live.User) {
			if u, ok := liveUser(cfg, r); ok {
				add(r.ID, &u)
			}
		})
		if err != nil {
			return err
		}
	}
	for _, u := range adj.NewUsers {
		l.AddUser(u)
	}
	return nil
}

// readInvites adds the invites to l, adjusted, each with the name of the
// invite block whose token it holds. The tokens are read to match them,
// and kept nowhere.
func readInvites(ctx context.Context, q live.Querier, cfg *schema.Config, adj Adjust, l *schema.Live) error {
	names := map[string]string{}
	for _, inv := range cfg.Invites {
		if _, dup := names[inv.Token.Reveal()]; !dup {
			names[inv.Token.Reveal()] = inv.Name
		}
	}
	err := listing.ScanInvites(ctx, q, len(names) > 0, cfg.Now, func(li *listing.Invite) error {
		i := &schema.LiveInvite{ID: li.ID, Name: names[li.Token], InviteType: li.Type, ExpiresAt: li.ExpiresAt,
			Uses: int64(li.Uses), MaxUse: li.MaxUse, Used: li.Used, State: string(li.State), InsertedAt: li.Created}
		li.Token = ""
		if adj.Invite == nil || adj.Invite(i) {
			l.AddInvite(i)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, i := range adj.NewInvites {
		l.AddInvite(i)
	}
	return nil
}

// maxShown is the most runes of an error message or an error's detail a
// plan holds: a message may quote every account's nickname.
const maxShown = 2000

// result is r as plan data, with its diagnostics.
func result(r schema.CheckResult, when When) Result {
	c := r.Check
	out := Result{Check: plans.Check{Address: c.Address(), Name: c.Name, Status: plans.CheckStatus(r.Status), Enforce: c.Enforce,
		Source: plans.Source{Filename: c.DeclRange.Filename, Line: c.DeclRange.Start.Line}}}
	severity := hcl.DiagWarning
	if c.Enforce && when == OnApply {
		severity = hcl.DiagError
	}
	for _, f := range r.Failures {
		msg := clip(f.Message)
		out.Problems = append(out.Problems, msg)
		out.Diags = append(out.Diags, &hcl.Diagnostic{Severity: severity, Summary: "Check block assertion failed",
			Detail:  c.Address() + ": " + msg + consequence(c, when, "does not hold"),
			Subject: f.Assert.ConditionRange.Ptr()})
	}
	for _, d := range r.Diags {
		out.Errors = append(out.Errors, clip(d.Summary+": "+d.Detail))
		d.Severity = severity
		d.Detail = strings.TrimSpace(d.Detail + consequence(c, when, "cannot be evaluated"))
		out.Diags = append(out.Diags, d)
	}
	return out
}

// consequence says what a check that does not hold means where it was
// evaluated.
func consequence(c *schema.Check, when When, what string) string {
	switch {
	case when == OnPlan && c.Enforce:
		return fmt.Sprintf("\n\n%s %s on the state this plan would leave, and has enforce = true: roster apply evaluates it again on what it writes, and rolls everything back if it still fails.", c.Address(), what)
	case when == OnApply && c.Enforce:
		return fmt.Sprintf("\n\n%s %s on what this apply wrote, and has enforce = true: the transaction was rolled back, nothing was written. Change the configuration (or the server) so that the check holds, then plan again.", c.Address(), what)
	case when == OnApply:
		return fmt.Sprintf("\n\n%s %s on what this apply wrote; the apply was committed, as the check has no enforce = true.", c.Address(), what)
	case when == OnPlan:
		return fmt.Sprintf("\n\n%s %s on the state this plan would leave.", c.Address(), what)
	}
	return fmt.Sprintf("\n\n%s %s on the server.", c.Address(), what)
}

// clip cuts s to maxShown runes.
func clip(s string) string {
	if r := []rune(s); len(r) > maxShown {
		return string(r[:maxShown]) + "…"
	}
	return s
}

// Checks returns the plan data of rs.
func Checks(rs []Result) []plans.Check {
	var out []plans.Check
	for _, r := range rs {
		out = append(out, r.Check)
	}
	return out
}

// Diagnostics returns the diagnostics of rs, in order.
func Diagnostics(rs []Result) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, r := range rs {
		out = append(out, r.Diags...)
	}
	return out
}

// Refused returns the enforced checks of rs that do not hold: OnApply, an
// apply must roll back.
func Refused(rs []Result) []Result {
	var out []Result
	for _, r := range rs {
		if r.Enforce && r.Failed() {
			out = append(out, r)
		}
	}
	return out
}
