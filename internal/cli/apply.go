package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/plans/planfile"
	"github.com/roster-project/roster/schema"
)

type applyCmd struct {
	AutoApprove    bool     `name:"auto-approve" help:"Apply without asking for approval."`
	AllowMassPrune bool     `name:"allow-mass-prune" help:"Apply even when pruning would remove more than prune.max accounts and invites."`
	Target         []string `name:"target" sep:"none" placeholder:"ADDR" help:"Apply only this address, e.g. user.alice or invite.spring (repeatable)."`
	ShowInviteURLs bool     `name:"show-invite-urls" help:"Print the registration URLs of new invites even when standard output is not a terminal."`
	Fingerprint    string   `name:"fingerprint" placeholder:"HEX" help:"With a plan file: apply it only if its fingerprint (the SHA-256 at the end of the markdown plan) is HEX."`
	PlanFile       string   `arg:"" optional:"" name:"plan-file" help:"Apply exactly the plan that roster plan --out saved in this file, without asking."`
}

// planOptions are the planner options of the command line.
func (c *applyCmd) planOptions() planner.Options {
	return planner.Options{AllowMassPrune: c.AllowMassPrune, Targets: c.Target}
}

func (c *applyCmd) Run(ctx context.Context, a *app, g *Globals) error {
	ctx, stop := a.interruptible(ctx, "Apply")
	defer stop()
	targets, err := a.readTargets(g, c.Target)
	if err != nil {
		return err
	}
	c.Target = targets
	if c.PlanFile != "" {
		return c.applySaved(ctx, a, g)
	}
	if c.Fingerprint != "" {
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No saved plan to check",
			Detail: "--fingerprint checks a saved plan: give the plan file too, as in roster apply --fingerprint HEX FILE."}})
		return exitCode(1)
	}
	cfg, p, conn, err := a.makePlan(ctx, g, planner.Options{AllowMassPrune: c.AllowMassPrune}, c.Target)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	out := a.style(g, a.OutTerm)
	view.ReadLine(a.Out, p)
	view.Plan(a.Out, p, out)
	if p.Empty() {
		return nil
	}
	if !c.AutoApprove {
		if err := a.approve(ctx, g); err != nil {
			return err
		}
	}
	res, err := a.applyPlan(ctx, conn, p, cfg, applier.Options{LockTimeout: g.LockTimeout}, c.planOptions())
	if err != nil {
		a.diags(g, cfg, applyDiags(err, cfg, ctx.Err() != nil))
		return exitCode(1)
	}
	return c.applied(ctx, a, g, cfg, res.Plan, res)
}

// applied reports a committed apply, and runs after_apply.
func (c *applyCmd) applied(ctx context.Context, a *app, g *Globals, cfg *schema.Config, p *plans.Plan, res applier.Result) error {
	a.diags(g, cfg, res.Warnings) // checks that do not hold, not enforced
	view.ApplyComplete(a.Out, p, view.Applied{InviteURLs: res.InviteURLs, ShowURLs: a.OutTerm || c.ShowInviteURLs,
		CacheNote: len(cfg.Server.AfterApply) == 0 && !a.inAutomation(), ListInvites: listInvites(g), Logged: res.Logged}, a.style(g, a.OutTerm))
	if len(cfg.Server.AfterApply) > 0 {
		return a.afterApply(ctx, g, cfg)
	}
	return nil
}

// listInvites is the command that lists the server's invites with their
// registration URLs, as this apply was run: --chdir names the configuration
// whose server { url } it uses.
func listInvites(g *Globals) view.Command {
	cmd := newRerun(g, "invites", false).add("--show-urls")
	return view.Command{Line: cmd.String(), Note: cmd.note("this apply")}
}

// approve asks for approval of an apply on a terminal; only "yes" proceeds.
func (a *app) approve(ctx context.Context, g *Globals) error {
	return a.ask(ctx, g, "roster apply asks for approval on a terminal, and standard input is not one. Review the plan above, then run roster apply --auto-approve to apply it without asking.",
		"Apply cancelled.")
}

// ask asks for approval on a terminal; only "yes" proceeds. Without a
// terminal on standard input it refuses, noTerm saying what to run
// instead; any other answer prints cancelled.
func (a *app) ask(ctx context.Context, g *Globals, noTerm, cancelled string) error {
	if !a.InTerm {
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No terminal to ask for approval", Detail: noTerm}})
		return exitCode(1)
	}
	s := a.style(g, a.OutTerm)
	fmt.Fprintf(a.Out, "\n%s\n  roster will perform the actions described above.\n  Only 'yes' will be accepted to approve.\n\n  %s", s.Bold("Do you want to perform these actions?"), s.Bold("Enter a value: "))
	// Read in the background so that Ctrl-C at the prompt cancels at once.
	var line string
	read := make(chan error, 1) // nil, or a panic as an error
	go func() {
		read <- panics.Catch(func() error {
			line, _ = bufio.NewReader(a.In).ReadString('\n')
			return nil
		})
	}()
	select {
	case err := <-read:
		if err != nil {
			return err
		}
	case <-ctx.Done():
		fmt.Fprintln(a.Out, "\n"+cancelled)
		return exitCode(1)
	}
	if strings.TrimSpace(line) != "yes" {
		fmt.Fprintln(a.Out, "\n"+cancelled)
		return exitCode(1)
	}
	return nil
}

// applyDiags turns an applier error into a diagnostic that points at the
// configuration of the object that failed.
func applyDiags(err error, cfg *schema.Config, cancelled bool) hcl.Diagnostics {
	const fix = "Run roster plan again and review the new plan."
	var refused *applier.CheckError
	if errors.As(err, &refused) && !cancelled {
		return refused.Diags // each says that nothing was written
	}
	var failed *applier.PlanError
	if errors.As(err, &failed) && !cancelled {
		return append(failed.Diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "The database changed since the plan was made",
			Detail: "A plan made again under roster's lock, from the same configuration, fails (above). Nothing was written. " + fix})
	}
	d := writeDiag(err, writeFailure{what: "Apply", staleSummary: "The database changed since the plan was made",
		staleLead: "A plan made again under roster's lock would not write what the plan shown says:", staleFix: fix}, cancelled)
	var stmt *applier.StatementError
	if errors.As(err, &stmt) && !cancelled {
		if o, diags := addrs.Parse(stmt.Address); !diags.HasErrors() && o.Type == string(plans.TypeUser) {
			if u := cfg.User(o.Name); u != nil {
				d.Subject = u.DeclRange.Ptr()
			}
		}
	}
	var commit *applier.CommitUnknownError
	if errors.As(err, &commit) && len(cfg.Server.AfterApply) > 0 {
		d.Detail += " after_apply was not run: if the apply was committed, run it yourself."
	}
	return hcl.Diagnostics{d}
}

// writeFailure words the diagnostic of a failed write transaction: what
// names it ("Apply", "Sign-out"); the stale fields say what moved since
// roster showed what it would do, and what to do then.
type writeFailure struct {
	what, staleSummary, staleLead, staleFix string
}

// writeDiag turns an error of a write transaction into a diagnostic: the
// transaction was rolled back, unless its commit's outcome is unknown.
func writeDiag(err error, f writeFailure, cancelled bool) *hcl.Diagnostic {
	rolledBack := "The transaction was rolled back: nothing was written."
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: f.what + " failed", Detail: err.Error() + "\n\n" + rolledBack}
	var stmt *applier.StatementError
	var stale *applier.StaleError
	var lock *applier.LockError
	var unknown *applier.UnknownVersionError
	var commit *applier.CommitUnknownError
	switch {
	case errors.As(err, &commit):
		// COMMIT was sent: interrupted or not, it may have been written.
		d.Summary, d.Detail = f.what+" outcome unknown", commitUnknown(commit, cancelled)
	case cancelled:
		d.Summary, d.Detail = f.what+" interrupted", rolledBack
	case errors.As(err, &stmt):
		d.Summary = fmt.Sprintf("%s failed on %s", f.what, stmt.Address)
		d.Detail = fmt.Sprintf("%s failed: %v\n\n%s", stmt.Statement, stmt.Err, rolledBack)
	case errors.As(err, &stale):
		d.Summary = f.staleSummary
		d.Detail = f.staleLead + "\n  " + strings.Join(stale.Moved, "\n  ") + "\n\nNothing was written. " + f.staleFix
	case errors.As(err, &lock):
		d.Summary = "Error acquiring the lock"
		d.Detail = lock.Error() + "\n\n" + lock.Hint() + " Nothing was written."
	case errors.As(err, &unknown):
		d.Summary = "Unknown server schema version"
		d.Detail = unknown.Error() + ". Nothing was written."
	}
	return d
}

// commitUnknown says that a commit's outcome is unknown, and how to find
// it out.
func commitUnknown(err *applier.CommitUnknownError, cancelled bool) string {
	what := fmt.Sprintf("The connection to the database failed after roster sent COMMIT, before the server answered (%s).", err.Err.Error())
	if cancelled {
		what = "roster was interrupted after it sent COMMIT, before the server answered."
	}
	return what + " The transaction is all or nothing, and roster cannot tell whether the server committed it: the changes may or may not have been written.\n\n" + err.Hint()
}

// afterApply runs the configured command after a successful commit.
func (a *app) afterApply(ctx context.Context, g *Globals, cfg *schema.Config) error {
	argv := cfg.Server.AfterApply
	shown := shownArgv(cfg.Server)
	view.AfterApply(a.Out, shown)
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = cfg.Dir
	cmd.Stdout, cmd.Stderr = a.Out, a.Err
	if err := cmd.Run(); err != nil {
		why := err.Error()
		var exit *exec.ExitError
		if !errors.As(err, &exit) && sensitiveArg(cfg.Server, 0) {
			why = "it could not be started" // the error names the program
		}
		a.diags(g, cfg, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "after_apply failed",
			Detail:  fmt.Sprintf("The changes were committed, but the command %s failed: %s. A running server may not see the changes until it restarts.", shown, why),
			Subject: cfg.Server.DeclRange.Ptr()}})
		return exitCode(1)
	}
	view.AfterApplySucceeded(a.Out)
	return nil
}

// shownArgv is after_apply's command as roster prints it: each argument
// shell-quoted, and (sensitive value) for one that derives from a
// sensitive variable.
func shownArgv(s schema.Server) string {
	parts := make([]string, len(s.AfterApply))
	for i, arg := range s.AfterApply {
		parts[i] = shellQuote(arg)
		if sensitiveArg(s, i) {
			parts[i] = "(sensitive value)"
		}
	}
	return strings.Join(parts, " ")
}

func sensitiveArg(s schema.Server, i int) bool {
	return i < len(s.AfterApplySensitive) && s.AfterApplySensitive[i]
}

// applySaved applies the plan saved in c.PlanFile, without asking. The file
// is evidence, not instructions: apply refuses it when it was made against
// another database, from another configuration or with other secrets, when
// its fingerprint is not the one --fingerprint pins, or when a plan made
// again now (and once more under the lock, by the applier) would not write
// exactly what it says. What is written is the new plan.
func (c *applyCmd) applySaved(ctx context.Context, a *app, g *Globals) error {
	f, err := planfile.Read(c.PlanFile, Version)
	if err != nil {
		a.diags(g, nil, diag.List(err, "Failed to read the plan file"))
		return exitCode(1)
	}
	if diags := c.checkSaved(f); diags.HasErrors() {
		a.diags(g, nil, diags)
		return exitCode(1)
	}
	cfg, conn, err := a.loadAndConnect(ctx, g)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	db, err := planfile.ReadIdentity(ctx, conn)
	if d := stoppedEarly(ctx); err != nil && d != nil {
		a.diags(g, nil, d)
		return exitCode(1)
	}
	if err != nil {
		return err
	}
	stale := f.Stale(cfg, db)
	if len(f.Database.Differs(db)) > 0 {
		a.diags(g, cfg, staleDiags(c.PlanFile, stale))
		return exitCode(1)
	}
	p, diags := a.readAndPlan(ctx, conn, cfg, c.planOptions())
	if d := stoppedEarly(ctx); diags.HasErrors() && d != nil {
		a.diags(g, nil, d)
		return exitCode(1)
	}
	if diags.HasErrors() {
		a.diags(g, cfg, append(diags, staleDiags(c.PlanFile, append(stale, "the configuration no longer plans against the database (above)"))...))
		return exitCode(1)
	}
	// A configuration that changed is stale whatever the new plan says;
	// which secret changed, if one did, is worth saying.
	if len(stale) == 0 {
		if stale, err = applier.Differences(ctx, conn, f.Plan, p, "the saved plan"); err != nil {
			return err
		}
	}
	if stale = append(stale, f.Secrets(p, cfg)...); len(stale) > 0 {
		a.diags(g, cfg, staleDiags(c.PlanFile, stale))
		return exitCode(1)
	}
	view.ReadLine(a.Out, p)
	view.Plan(a.Out, p, a.style(g, a.OutTerm))
	if p.Empty() {
		return nil
	}
	res, err := a.applyPlan(ctx, conn, p, cfg, applier.Options{LockTimeout: g.LockTimeout, Approved: "the saved plan"}, c.planOptions())
	var moved *applier.StaleError
	var failed *applier.PlanError
	switch cancelled := ctx.Err() != nil; {
	case err != nil && !cancelled && errors.As(err, &moved):
		a.diags(g, cfg, staleDiags(c.PlanFile, moved.Moved))
		return exitCode(1)
	case err != nil && !cancelled && errors.As(err, &failed):
		a.diags(g, cfg, append(failed.Diags, staleDiags(c.PlanFile, []string{"the configuration no longer plans against the database (above)"})...))
		return exitCode(1)
	case err != nil:
		a.diags(g, cfg, applyDiags(err, cfg, cancelled))
		return exitCode(1)
	}
	return c.applied(ctx, a, g, cfg, res.Plan, res)
}

// checkSaved checks what the command line must agree on with a saved plan
// before anything is read: the fingerprint --fingerprint pins, the targets
// the plan was made with, and --allow-mass-prune when the plan was made
// with it. The file decides none of them.
func (c *applyCmd) checkSaved(f *planfile.File) hcl.Diagnostics {
	var diags hcl.Diagnostics
	if c.Fingerprint != "" {
		want := strings.ToLower(strings.TrimPrefix(strings.TrimSpace(c.Fingerprint), "sha256:"))
		if got := strings.TrimPrefix(view.Fingerprint(f.Plan, Version), "sha256:"); want != got {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Plan fingerprint mismatch",
				Detail: fmt.Sprintf("The plan saved in %s has the fingerprint sha256:%s, not the %s given with --fingerprint: it is not the plan that was reviewed. Nothing was written.",
					c.PlanFile, got, quoteArg(c.Fingerprint))})
		}
	}
	if !sameTargets(c.Target, f.Options.Targets) {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Targets differ from the saved plan's",
			Detail: fmt.Sprintf("The plan saved in %s was made with %s, and apply plans again with the targets it is given: give it exactly the same --target options. Nothing was written.",
				c.PlanFile, describeTargets(f.Options.Targets))})
	}
	if f.Options.AllowMassPrune && !c.AllowMassPrune {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "The saved plan was made with --allow-mass-prune",
			Detail: fmt.Sprintf("Apply plans again, and may prune more than prune.max only when it is told to as well: run roster apply --allow-mass-prune %s. Nothing was written.", shellQuote(c.PlanFile))})
	}
	return diags
}

func describeTargets(ts []string) string {
	if len(ts) == 0 {
		return "no --target"
	}
	parts := make([]string, len(ts))
	for i, t := range ts {
		parts[i] = "--target " + shellQuote(t)
	}
	return strings.Join(parts, " ")
}

// quoteArg shows a command-line value in a message, shortened.
func quoteArg(s string) string {
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// staleDiags refuses a stale saved plan, listing what moved (the first
// 30 lines: a forged plan may differ in every change).
func staleDiags(path string, moved []string) hcl.Diagnostics {
	const most = 30
	lines := moved
	if len(lines) > most {
		lines = append(lines[:most:most], fmt.Sprintf("… and %d more", len(moved)-most))
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Saved plan is stale",
		Detail: fmt.Sprintf("The plan saved in %s can no longer be applied: these changed since it was made:\n  %s\n\nNothing was written. Make a new plan with roster plan --out, review it, and apply that.",
			path, strings.Join(lines, "\n  "))}}
}
