package cli

import (
	"context"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
)

// driftCmd reports how the server differs from the configuration, reading
// it in one read-only transaction: a role that may only SELECT runs it.
type driftCmd struct {
	IgnoreFile string `name:"ignore-file" placeholder:"FILE" help:"Known drift to ignore: lines of ADDRESS [ATTRIBUTE...], e.g. 'user.bob email' or 'invite.*'; # starts a comment."`
	Unmanaged  bool   `name:"unmanaged" help:"Also report the local accounts that the configuration does not declare."`
	formatFlags
}

func (c *driftCmd) Run(ctx context.Context, a *app, g *Globals) error {
	var rules []planner.IgnoreRule
	if c.IgnoreFile != "" {
		var diags hcl.Diagnostics
		rules, diags = planner.ReadIgnoreFile(c.IgnoreFile)
		a.diags(g, nil, diags)
		if diags.HasErrors() {
			return exitCode(1)
		}
	}
	cfg, conn, err := a.loadAndConnect(ctx, g)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	r, diags := a.readDrift(func() (*planner.Report, hcl.Diagnostics) {
		return planner.Drift(ctx, conn, cfg, planner.DriftOptions{Unmanaged: c.Unmanaged, Ignore: rules})
	})
	a.diags(g, cfg, diags)
	if diags.HasErrors() {
		return exitCode(1)
	}
	defer r.Close(ctx)
	d := r.Drift
	accounts := func(visit func(*plans.Unmanaged) error) error { return r.Accounts(ctx, visit) }
	switch c.format() {
	case "json":
		err = view.DriftJSON(a.Out, d, accounts, Version)
	case "markdown":
		err = view.DriftMarkdown(a.Out, d, accounts, Version)
	default:
		err = view.DriftText(a.Out, d, accounts, c.IgnoreFile, !a.inAutomation(), a.style(g, a.OutTerm))
	}
	if err != nil {
		return err
	}
	if d.Drifted() {
		return exitCode(2)
	}
	return nil
}

// readDrift reads the drift, with progress for a large server.
func (a *app) readDrift(read func() (*planner.Report, hcl.Diagnostics)) (*planner.Report, hcl.Diagnostics) {
	ph := a.startPhase("Reading the database", "Checked for drift")
	defer ph.end()
	return read()
}
