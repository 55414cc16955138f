package cli

import (
	"context"
	"fmt"

	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans/planfile"
)

// showCmd prints a saved plan again; it needs neither the configuration nor
// the database.
type showCmd struct {
	PlanFile string `arg:"" name:"plan-file" help:"A plan file that roster plan --out saved."`
	formatFlags
}

func (c *showCmd) Run(ctx context.Context, a *app, g *Globals) error {
	// Any roster version's plan of this file format may be shown; only
	// apply insists on its own version.
	f, err := planfile.Read(c.PlanFile, "")
	if err != nil {
		a.diags(g, nil, diag.List(err, "Failed to read the plan file"))
		return exitCode(1)
	}
	if c.format() != "text" {
		return a.printPlan(g, c.formatFlags, f.Plan)
	}
	fmt.Fprintf(a.Out, "Saved plan, made %s by roster v%s against the %s.\n",
		f.Created.UTC().Format("2006-01-02 15:04:05 MST"), f.RosterVersion, f.Database)
	view.ReadLine(a.Out, f.Plan)
	return a.printPlan(g, c.formatFlags, f.Plan)
}
