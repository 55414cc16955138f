package cli

import (
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

// formatFlags are --format and its short form --json, embedded in the
// commands that print a plan (plan, show, drift).
type formatFlags struct {
	Format string `name:"format" enum:"text,json,markdown" default:"text" help:"Output format: text, json (Terraform's show -json shape) or markdown (a pull-request comment)."`
	JSON   bool   `name:"json" help:"Short for --format json."`
}

// format is the chosen output format: text, json or markdown.
func (f formatFlags) format() string {
	if f.JSON {
		return "json"
	}
	if f.Format == "" {
		return "text"
	}
	return f.Format
}

// printPlan prints p on standard output in the chosen format: the one
// place a plan is printed in a format other than text. The text form is
// the plan alone (the caller prints what comes around it); json and
// markdown are whole documents.
func (a *app) printPlan(g *Globals, f formatFlags, p *plans.Plan) error {
	switch f.format() {
	case "json":
		return view.JSON(a.Out, p, Version)
	case "markdown":
		return view.Markdown(a.Out, p, Version)
	}
	view.Plan(a.Out, p, a.style(g, a.OutTerm))
	return nil
}
