package cli

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/schema"
)

type validateCmd struct {
	JSON bool `name:"json" help:"Print the result as JSON, in Terraform's validate -json shape."`
}

func (c *validateCmd) Run(ctx context.Context, a *app, g *Globals) error {
	if c.JSON {
		stop := a.watchTime()
		cfg, diags := schema.Load(g.Chdir, schema.Inputs{Vars: g.Var, VarFiles: g.VarFile, Environ: a.environ, Partial: true})
		stop()
		var files map[string]*hcl.File
		if cfg != nil {
			files = cfg.Files
		}
		if err := view.ValidateJSON(a.Out, diags, files); err != nil {
			return err
		}
		if cfg == nil || diags.HasErrors() {
			return exitCode(1)
		}
		return nil
	}
	if _, ok := a.loadConfig(g, true); !ok {
		return exitCode(1)
	}
	s := a.style(g, a.OutTerm)
	fmt.Fprintln(a.Out, s.Green(s.Bold("Success!"))+" The configuration is valid.")
	return nil
}
