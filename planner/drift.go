package planner

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/checks"
	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// DriftOptions tune a drift check.
type DriftOptions struct {
	// Unmanaged counts the undeclared accounts too, for Report.Accounts to
	// list.
	Unmanaged bool
	// Ignore are the rules of an ignore file (ReadIgnoreFile).
	Ignore []IgnoreRule
}

// Report is what Drift found, with the snapshot it read still open, so
// that the undeclared accounts can be read again, one at a time, while a
// report is written: memory stays flat however many there are. Close ends
// the snapshot.
type Report struct {
	Drift *plans.Drift
	tx    pgx.Tx
	cfg   *schema.Config
	rules []IgnoreRule
}

// Drift plans and, with opts.Unmanaged, counts the undeclared accounts,
// both in one read-only, repeatable-read transaction (one snapshot), so
// that a role that may only SELECT runs it. The ignore rules are applied
// to both. A mass prune is drift to report, not an error. The transaction
// stays open until the report is closed.
func Drift(ctx context.Context, db live.Beginner, cfg *schema.Config, opts DriftOptions) (*Report, hcl.Diagnostics) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, diag.List(err, "Cannot read the database")
	}
	r := &Report{tx: tx, cfg: cfg, rules: opts.Ignore}
	seen := checks.NewSeen(cfg)
	p, diags := MakeIn(ctx, tx, cfg, Options{AllowMassPrune: true, seen: seen})
	if diags.HasErrors() {
		r.Close(ctx)
		return nil, diags
	}
	// A check that does not hold on the live state is drift (check.go).
	if p, diags = withChecks(ctx, tx, cfg, p, checks.Adjust{}, seen, checks.OnLive, diags); p == nil {
		r.Close(ctx)
		return nil, diags
	}
	r.Drift = &plans.Drift{Plan: p, Listed: opts.Unmanaged, Ignored: ignorePlan(p, opts.Ignore)}
	if opts.Unmanaged {
		if err := r.count(ctx); err != nil {
			r.Close(ctx)
			return nil, append(diags, diag.List(err, "Cannot read the database")...)
		}
	}
	return r, diags
}

// Close ends the report's snapshot.
func (r *Report) Close(ctx context.Context) { r.tx.Rollback(context.WithoutCancel(ctx)) }

// count counts the undeclared accounts, those the ignore rules leave out,
// and the width of the longest address, in any order.
func (r *Report) count(ctx context.Context) error {
	d := r.Drift
	_, err := live.ScanLocalUsers(ctx, r.tx, func(u *live.User) {
		switch listed, ignored := r.listed(u); {
		case ignored:
			d.Ignored++
		case listed:
			d.Unmanaged++
			d.Widest = max(d.Widest, len(addrs.Of(string(plans.TypeUser), u.Nickname)))
		}
	})
	return err
}

// Accounts hands the undeclared accounts Drift counted to visit, one at a
// time, sorted by nickname case-insensitively: read again from the same
// snapshot, in the database's order (live.ByNickname), and kept nowhere.
// visit stops the reading by returning an error, which Accounts returns.
// Without DriftOptions.Unmanaged there are none.
func (r *Report) Accounts(ctx context.Context, visit func(*plans.Unmanaged) error) error {
	if !r.Drift.Listed {
		return nil
	}
	return live.ScanLocalUsersByNickname(ctx, r.tx, func(u *live.User) error {
		if listed, _ := r.listed(u); !listed {
			return nil
		}
		return visit(unmanagedOf(u))
	})
}

// listed reports whether u is an undeclared account drift --unmanaged
// lists, or one it would list but for an ignore rule. Undeclared are the
// local accounts roster manages by their kind (not the server's purged
// tombstones) that the configuration does not declare: no user block, and
// not named in a members list or in prune.protect, as prune counts them.
// An account the prune policy keeps where it puts it is managed by the
// policy, not listed (see pruned).
func (r *Report) listed(u *live.User) (listed, ignored bool) {
	cfg := r.cfg
	if cfg.Declared(u.Nickname) || !cfg.Server.Limits.Managed(u.Nickname, u.ActorType, u.Invisible) || u.Tombstone() || pruned(cfg.Prune, u) {
		return false, false
	}
	if ignoresAccount(r.rules, u.Nickname) {
		return false, true
	}
	return true, false
}

// unmanagedOf is an undeclared account as drift reports it, its stored
// tags sorted case-insensitively.
func unmanagedOf(u *live.User) *plans.Unmanaged {
	tags := u.StoredTags()
	sort.Slice(tags, func(i, j int) bool {
		a, b := strings.ToLower(tags[i]), strings.ToLower(tags[j])
		return a < b || a == b && tags[i] < tags[j]
	})
	return &plans.Unmanaged{Address: addrs.Of(string(plans.TypeUser), u.Nickname), Nickname: u.Nickname, Admin: u.Admin,
		Moderator: u.Moderator, Active: u.Active, Confirmed: u.Confirmed, Approved: u.Approved, Tags: tags}
}

// pruned reports whether an undeclared account is in the state the prune
// policy puts it in: deactivated under users = "deactivate". Under
// "delete", that state is a purged tombstone or no row at all, which
// drift never lists; under "none" the policy puts no account anywhere. An
// account out of the policy's state is both in the plan (the prune that
// would bring it back) and listed.
func pruned(p schema.Prune, u *live.User) bool {
	return p.Users == "deactivate" && !u.Active
}
