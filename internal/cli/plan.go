package cli

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/schema"
)

type planCmd struct {
	DetailedExitcode bool     `name:"detailed-exitcode" help:"Exit 0 when there are no changes, 1 on error, 2 when there are changes."`
	AllowMassPrune   bool     `name:"allow-mass-prune" help:"Plan even when pruning would remove more than prune.max accounts and invites."`
	Target           []string `name:"target" sep:"none" placeholder:"ADDR" help:"Plan only this address, e.g. user.alice or invite.spring (repeatable)."`
	Format           string   `name:"format" enum:"text,json" default:"text" help:"Output format: text or json."`
	JSON             bool     `name:"json" help:"Short for --format json."`
}

func (c *planCmd) Run(a *app, g *Globals) error {
	cfg, p, conn, err := a.makePlan(g, planner.Options{AllowMassPrune: c.AllowMassPrune}, c.Target)
	if err != nil {
		return err
	}
	conn.Close(context.WithoutCancel(a.ctx))
	if c.JSON || c.Format == "json" {
		if err := view.PlanJSON(a.Out, p); err != nil {
			return err
		}
	} else {
		a.readLine(p)
		view.Plan(a.Out, p, a.style(g, a.OutTerm))
	}
	if c.DetailedExitcode && !p.Empty() {
		return exitCode(2)
	}
	_ = cfg
	return nil
}

// makePlan loads the configuration, connects, and plans, printing every
// diagnostic and the line that says what was read. The connection stays
// open for apply.
func (a *app) makePlan(g *Globals, opts planner.Options, targets []string) (*schema.Config, *planner.Plan, *pgx.Conn, error) {
	if diags := checkTargets(targets); diags.HasErrors() {
		a.diags(g, nil, diags)
		return nil, nil, nil, exitCode(1)
	}
	cfg, ok := a.loadConfig(g, false)
	if !ok {
		return nil, nil, nil, exitCode(1)
	}
	conn, err := a.connect(g)
	if err != nil {
		return nil, nil, nil, err
	}
	p, diags := planner.Make(a.ctx, conn, cfg, opts)
	if !diags.HasErrors() && len(targets) > 0 {
		diags = append(diags, target(p, targets)...)
	}
	a.diags(g, cfg, diags)
	if diags.HasErrors() {
		conn.Close(context.WithoutCancel(a.ctx))
		return nil, nil, nil, exitCode(1)
	}
	return cfg, p, conn, nil
}

// readLine says what the plan was made from, before a text plan.
func (a *app) readLine(p *planner.Plan) {
	where := p.Server.URL
	if where == "" {
		where = "a server with no local accounts yet"
	}
	fmt.Fprintf(a.Out, "Read %d local accounts from the %s database of %s (schema %d).\n\n",
		p.Read, p.Server.Flavor.Title(), where, p.Server.Version)
}
