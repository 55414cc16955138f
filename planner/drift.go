package planner

import (
	"context"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// Drift plans and, with unmanaged, lists the undeclared accounts, both in
// one read-only, repeatable-read transaction (one snapshot), so that a role
// that may only SELECT runs it. A mass prune is drift to report, not an
// error.
func Drift(ctx context.Context, db live.Beginner, cfg *schema.Config, unmanaged bool) (*plans.Drift, hcl.Diagnostics) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, diag.List(err, "Cannot read the database")
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	p, diags := MakeIn(ctx, tx, cfg, Options{AllowMassPrune: true})
	if diags.HasErrors() {
		return nil, diags
	}
	d := &plans.Drift{Plan: p, Listed: unmanaged}
	if unmanaged {
		if d.Unmanaged, err = Undeclared(ctx, tx, cfg); err != nil {
			return nil, append(diags, diag.List(err, "Cannot read the database")...)
		}
	}
	return d, diags
}

// Undeclared lists the local accounts roster manages by their kind (not the
// server's purged tombstones) that the configuration does not declare: no
// user block, and not named in a members list or in prune.protect, as
// prune counts them. An account the prune policy keeps where it puts it is
// managed by the policy, not listed (see pruned). They are sorted by
// nickname, case-insensitively.
func Undeclared(ctx context.Context, q live.Querier, cfg *schema.Config) ([]plans.Unmanaged, error) {
	out := []plans.Unmanaged{}
	_, err := live.ScanLocalUsers(ctx, q, func(u *live.User) {
		if cfg.Declared(u.Nickname) || !cfg.Server.Limits.Managed(u.Nickname, u.ActorType, u.Invisible) || u.Tombstone() || pruned(cfg.Prune, u) {
			return
		}
		tags := u.StoredTags()
		sort.Slice(tags, func(i, j int) bool {
			a, b := strings.ToLower(tags[i]), strings.ToLower(tags[j])
			return a < b || a == b && tags[i] < tags[j]
		})
		out = append(out, plans.Unmanaged{Address: addrs.Of(string(plans.TypeUser), u.Nickname), Nickname: u.Nickname, Admin: u.Admin,
			Moderator: u.Moderator, Active: u.Active, Confirmed: u.Confirmed, Approved: u.Approved, Tags: append([]string{}, tags...)})
	})
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Nickname) < strings.ToLower(out[j].Nickname) })
	return out, err
}

// pruned reports whether an undeclared account is in the state the prune
// policy puts it in: deactivated under users = "deactivate". Under
// "delete", that state is a purged tombstone or no row at all, which
// Undeclared never lists; under "none" the policy puts no account
// anywhere. An account out of the policy's state is both in the plan (the
// prune that would bring it back) and listed.
func pruned(p schema.Prune, u *live.User) bool {
	return p.Users == "deactivate" && !u.Active
}
