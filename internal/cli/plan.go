package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/plans/planfile"
	"github.com/roster-project/roster/schema"
)

type planCmd struct {
	DetailedExitcode bool     `name:"detailed-exitcode" help:"Exit 0 when there are no changes, 1 on error, 2 when there are changes."`
	AllowMassPrune   bool     `name:"allow-mass-prune" help:"Plan even when pruning would remove more than prune.max accounts and invites."`
	Target           []string `name:"target" sep:"none" placeholder:"ADDR" help:"Plan only this address, e.g. user.alice or invite.spring (repeatable)."`
	Out              string   `name:"out" placeholder:"FILE" help:"Save the plan to FILE, for roster apply FILE to perform exactly it."`
	formatFlags
}

func (c *planCmd) Run(ctx context.Context, a *app, g *Globals) error {
	targets, err := a.readTargets(g, c.Target)
	if err != nil {
		return err
	}
	c.Target = targets
	cfg, p, conn, err := a.makePlan(ctx, g, planner.Options{AllowMassPrune: c.AllowMassPrune}, c.Target)
	if err != nil {
		return err
	}
	if c.Out != "" {
		err = a.savePlan(ctx, g, cfg, p, conn, c.Out, planfile.Options{Targets: c.Target, AllowMassPrune: c.AllowMassPrune})
	}
	conn.Close(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	if c.format() != "text" {
		if err := a.printPlan(g, c.formatFlags, p); err != nil {
			return err
		}
	} else {
		view.ReadLine(a.Out, p)
		_ = a.printPlan(g, c.formatFlags, p)
		if c.Out != "" {
			a.savedFooter(g, c.Out, c.Target, c.AllowMassPrune)
		}
	}
	if c.DetailedExitcode && !p.Empty() {
		return exitCode(2)
	}
	_ = cfg
	return nil
}

// makePlan loads the configuration, connects, and plans, printing every
// diagnostic and the line that says what was read; targets are read
// already (readTargets). The connection stays open for apply.
func (a *app) makePlan(ctx context.Context, g *Globals, opts planner.Options, targets []string) (*schema.Config, *plans.Plan, *pgx.Conn, error) {
	cfg, conn, err := a.loadAndConnect(ctx, g)
	if err != nil {
		return nil, nil, nil, err
	}
	opts.Targets = targets
	p, diags := a.readAndPlan(ctx, conn, cfg, opts)
	if d := stoppedEarly(ctx); diags.HasErrors() && d != nil {
		diags = d // not the error of each read the interrupt cut short
	}
	if !diags.HasErrors() && len(targets) > 0 {
		diags = append(diags, targetWarning())
	}
	a.diags(g, cfg, diags)
	if diags.HasErrors() {
		conn.Close(context.WithoutCancel(ctx))
		return nil, nil, nil, exitCode(1)
	}
	return cfg, p, conn, nil
}

// savePlan writes the plan file of --out, with the identity of the database
// conn is connected to. A role that may not read the cluster's system
// identifier gets a warning: the file then identifies the database by
// address.
func (a *app) savePlan(ctx context.Context, g *Globals, cfg *schema.Config, p *plans.Plan, conn *pgx.Conn, path string, opts planfile.Options) error {
	db, err := planfile.ReadIdentity(ctx, conn)
	if err != nil {
		return err
	}
	if db.IdentifiedBy == planfile.ByAddress {
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "The plan file identifies the database by address",
			Detail: fmt.Sprintf("roster could not read the cluster's system identifier (%s), so the plan file identifies the database by host, port and name only: apply can tell it is given another database only when one of those differs. Grant the role pg_monitor to let roster read it.", db.Why)}})
	}
	f, err := planfile.New(p, cfg, db, opts, Version, time.Now())
	if err != nil {
		return err
	}
	if err := planfile.Write(path, f); err != nil {
		a.diags(g, nil, diag.List(err, "Failed to write the plan file"))
		return exitCode(1)
	}
	return nil
}

// savedFooter ends a text plan saved with --out as Terraform's -out does;
// ROSTER_IN_AUTOMATION drops the hint meant for a person. The command it
// shows repeats what apply needs again, since the file does not decide it:
// the --var-file options and the --var names, the targets and
// --allow-mass-prune.
func (a *app) savedFooter(g *Globals, path string, targets []string, massPrune bool) {
	if a.inAutomation() {
		view.SavedPlan(a.Out, path, view.Command{})
		return
	}
	cmd := newRerun(g, "apply", true)
	for _, t := range targets {
		cmd.add("--target", t)
	}
	if massPrune {
		cmd.add("--allow-mass-prune")
	}
	cmd.addPath(path)
	view.SavedPlan(a.Out, path, view.Command{Line: cmd.String(), Note: cmd.note("this plan")})
}

// readAndPlan reads the server and plans, with progress for a large server:
// the status line counts the passwords verified.
func (a *app) readAndPlan(ctx context.Context, conn *pgx.Conn, cfg *schema.Config, opts planner.Options) (*plans.Plan, hcl.Diagnostics) {
	ph := a.startPhase("Reading the database and planning", "Planned")
	defer ph.end()
	opts.Progress = ph.track("Planning: verifying passwords", "Planning")
	return planner.Make(ctx, conn, cfg, opts)
}

// applyPlan applies p, planning again under the lock with popts, with
// progress: the status line counts the new accounts and passwords prepared
// (keys, hashes) before the writes, then the passwords verified again.
func (a *app) applyPlan(ctx context.Context, conn *pgx.Conn, p *plans.Plan, cfg *schema.Config, opts applier.Options, popts planner.Options) (applier.Result, error) {
	ph := a.startPhase("Applying", "Applied")
	defer ph.end()
	opts.Progress = ph.track(applyDoing(p), "Applying: locking, planning again and writing")
	popts.Progress = ph.track("Applying: verifying passwords again", "Applying: writing")
	opts.Replan = func(ctx context.Context, q live.Querier, cfg *schema.Config) (*plans.Plan, hcl.Diagnostics) {
		return planner.MakeIn(ctx, q, cfg, popts)
	}
	return applier.Apply(ctx, conn, p, cfg, opts)
}

// applyDoing says what the applier prepares for p before its writes, as
// the status line counts it: the keys and password hashes of new accounts,
// and the hashes of password changes.
func applyDoing(p *plans.Plan) string {
	accounts, passwords := 0, 0
	for i := range p.Changes {
		c := &p.Changes[i]
		switch {
		case c.Type != plans.TypeUser:
		case c.Action == plans.Create:
			accounts++
		case c.Action == plans.Update && c.Attr("password") != nil:
			passwords++
		}
	}
	switch {
	case accounts > 0 && passwords > 0:
		return "Applying: preparing new accounts and passwords"
	case passwords > 0:
		return "Applying: hashing passwords"
	}
	return "Applying: preparing new accounts"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
