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
	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/internal/planfile"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/schema"
)

type applyCmd struct {
	AutoApprove    bool     `name:"auto-approve" help:"Apply without asking for approval."`
	AllowMassPrune bool     `name:"allow-mass-prune" help:"Apply even when pruning would remove more than prune.max accounts and invites."`
	Target         []string `name:"target" sep:"none" placeholder:"ADDR" help:"Apply only this address, e.g. user.alice or invite.spring (repeatable)."`
	ShowInviteURLs bool     `name:"show-invite-urls" help:"Print the registration URLs of new invites even when standard output is not a terminal."`
	PlanFile       string   `arg:"" optional:"" name:"plan-file" help:"Apply exactly the plan that roster plan --out saved in this file, without asking."`
}

func (c *applyCmd) Run(a *app, g *Globals) error {
	ctx, stop := a.interruptible()
	defer stop()
	a.ctx = ctx
	if c.PlanFile != "" {
		return c.applySaved(a, g)
	}
	cfg, p, conn, err := a.makePlan(g, planner.Options{AllowMassPrune: c.AllowMassPrune}, c.Target)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	out := a.style(g, a.OutTerm)
	a.readLine(p)
	view.Plan(a.Out, p, out)
	if p.Empty() {
		return nil
	}
	if !c.AutoApprove {
		if err := a.approve(g); err != nil {
			return err
		}
	}
	res, err := a.applyPlan(ctx, conn, p, cfg, applier.Options{LockTimeout: g.LockTimeout})
	if err != nil {
		a.diags(g, cfg, applyDiags(err, cfg, ctx.Err() != nil))
		return exitCode(1)
	}
	return c.applied(a, g, cfg, p, res)
}

// applied reports a committed apply, and runs after_apply.
func (c *applyCmd) applied(a *app, g *Globals, cfg *schema.Config, p *planner.Plan, res applier.Result) error {
	out := a.style(g, a.OutTerm)
	users, invites := countByType(p)
	fmt.Fprintf(a.Out, "\n%s Users: %d added, %d changed, %d destroyed.\n", out.Green(out.Bold("Apply complete!")), users[0], users[1], users[2])
	if invites[0]+invites[1] > 0 {
		fmt.Fprintf(a.Out, "Invites: %d added, %d changed.\n", invites[0], invites[1])
	}
	for _, c := range p.Changes {
		if c.Type == planner.TypeRemoteInstance || c.Type == planner.TypeLocalUsers {
			fmt.Fprintf(a.Out, "%s: %s.\n", c.Address, strings.Join(c.Notes, "; "))
		}
	}
	// A registration URL holds its invite's token: print it to a person at a
	// terminal, or when asked to, never into a log by default.
	if urls := res.InviteURLs; a.OutTerm || c.ShowInviteURLs {
		var created []string // the applier returns the URLs in plan order
		for _, c := range p.Changes {
			if c.Type == "invite" && c.Action == planner.Create {
				created = append(created, c.Address)
			}
		}
		view.InviteURLs(a.Out, created, urls, out)
	} else {
		view.InviteURLsWithheld(a.Out, len(urls), p.Server.URL)
	}
	if users[1]+users[2] > 0 && len(cfg.Server.AfterApply) == 0 && !a.inAutomation() {
		fmt.Fprintf(a.Out, "\nNote: a running %s server caches accounts, and may keep showing and acting on\n"+
			"the old state of an account it has cached (roles and activation included)\n"+
			"until it restarts. To make it see the changes now, restart it, or run on the\n"+
			"server:\n"+
			"  bin/pleroma rpc 'Cachex.clear(:user_cache)'\n"+
			"Set server { after_apply = [...] } to run such a command after every apply.\n", p.Server.Flavor.Title())
	}
	if len(cfg.Server.AfterApply) > 0 {
		return a.afterApply(g, cfg)
	}
	return nil
}

// approve asks for approval of an apply on a terminal; only "yes" proceeds.
func (a *app) approve(g *Globals) error {
	return a.ask(g, "roster apply asks for approval on a terminal, and standard input is not one. Review the plan above, then run roster apply --auto-approve to apply it without asking.",
		"Apply cancelled.")
}

// ask asks for approval on a terminal; only "yes" proceeds. Without a
// terminal on standard input it refuses, noTerm saying what to run
// instead; any other answer prints cancelled.
func (a *app) ask(g *Globals, noTerm, cancelled string) error {
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
	case <-a.ctx.Done():
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
	d := writeDiag(err, writeFailure{what: "Apply", staleSummary: "The database changed since the plan was made",
		staleLead: "These rows moved after the plan was shown:", staleFix: "Run roster plan again and review the new plan."}, cancelled)
	var stmt *applier.StatementError
	if errors.As(err, &stmt) && !cancelled {
		if u := cfg.User(strings.TrimPrefix(stmt.Address, "user.")); u != nil {
			d.Subject = u.DeclRange.Ptr()
		}
	}
	return hcl.Diagnostics{d}
}

// writeFailure words the diagnostic of a failed write transaction: what
// names it ("Apply", "Sign-out"); the stale fields say what moved since
// roster showed what it would do, and what to do then.
type writeFailure struct {
	what, staleSummary, staleLead, staleFix string
}

// writeDiag turns an error of a write transaction, which was rolled back,
// into a diagnostic.
func writeDiag(err error, f writeFailure, cancelled bool) *hcl.Diagnostic {
	rolledBack := "The transaction was rolled back: nothing was written."
	d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: f.what + " failed", Detail: userMessage(err) + "\n\n" + rolledBack}
	var stmt *applier.StatementError
	var stale *applier.StaleError
	var lock *applier.LockError
	var unknown *applier.UnknownVersionError
	switch {
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
		d.Detail = userMessage(lock) + "\n\n" + lock.Hint() + " Nothing was written."
	case errors.As(err, &unknown):
		d.Summary = "Unknown server schema version"
		d.Detail = userMessage(unknown) + ". Nothing was written."
	}
	return d
}

// afterApply runs the configured command after a successful commit.
func (a *app) afterApply(g *Globals, cfg *schema.Config) error {
	argv := cfg.Server.AfterApply
	fmt.Fprintf(a.Out, "\nRunning after_apply: %s\n", strings.Join(argv, " "))
	cmd := exec.CommandContext(a.ctx, argv[0], argv[1:]...)
	cmd.Dir = cfg.Dir
	cmd.Stdout, cmd.Stderr = a.Out, a.Err
	if err := cmd.Run(); err != nil {
		a.diags(g, cfg, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "after_apply failed",
			Detail:  fmt.Sprintf("The changes were committed, but the command %q failed: %v. A running server may not see the changes until it restarts.", strings.Join(argv, " "), err),
			Subject: cfg.Server.DeclRange.Ptr()}})
		return exitCode(1)
	}
	fmt.Fprintln(a.Out, "after_apply succeeded.")
	return nil
}

// countByType counts the applied plan's adds, changes and destroys of users
// and of invites.
func countByType(p *planner.Plan) (users, invites [3]int) {
	for _, c := range p.Changes {
		var n *[3]int
		switch c.Type {
		case planner.TypeUser:
			n = &users
		case planner.TypeInvite:
			n = &invites
		default:
			continue
		}
		switch c.Action {
		case planner.Create:
			n[0]++
		case planner.Update:
			n[1]++
		case planner.Delete:
			n[2]++
		}
	}
	return users, invites
}

// applySaved applies exactly the plan saved in c.PlanFile, without asking:
// it refuses a plan file made against another database, from another
// configuration, or with other secrets, and the applier refuses it when a
// row the plan changes moved since (both as "Saved plan is stale").
func (c *applyCmd) applySaved(a *app, g *Globals) error {
	if len(c.Target) > 0 {
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Targets cannot be used with a saved plan",
			Detail: "A saved plan is applied as it was made. Make the plan with --target instead: roster plan --target ADDR --out FILE."}})
		return exitCode(1)
	}
	f, err := planfile.Read(c.PlanFile, Version)
	if err != nil {
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read the plan file",
			Detail: strings.TrimPrefix(err.Error(), "planfile: ") + "."}})
		return exitCode(1)
	}
	cfg, conn, err := a.loadAndConnect(g)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(a.ctx))
	db, err := planfile.ReadIdentity(a.ctx, conn)
	if err != nil {
		return err
	}
	if stale := f.Stale(cfg, db); len(stale) > 0 {
		a.diags(g, cfg, staleDiags(c.PlanFile, stale))
		return exitCode(1)
	}
	p := f.Plan
	a.readLine(p)
	view.Plan(a.Out, p, a.style(g, a.OutTerm))
	if p.Empty() {
		return nil
	}
	res, err := a.applyPlan(a.ctx, conn, p, cfg, applier.Options{LockTimeout: g.LockTimeout})
	var moved *applier.StaleError
	switch {
	case err != nil && a.ctx.Err() == nil && errors.As(err, &moved):
		a.diags(g, cfg, staleDiags(c.PlanFile, moved.Moved))
		return exitCode(1)
	case err != nil:
		a.diags(g, cfg, applyDiags(err, cfg, a.ctx.Err() != nil))
		return exitCode(1)
	}
	return c.applied(a, g, cfg, p, res)
}

// staleDiags refuses a stale saved plan, listing what moved.
func staleDiags(path string, moved []string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Saved plan is stale",
		Detail: fmt.Sprintf("The plan saved in %s can no longer be applied: these changed since it was made:\n  %s\n\nNothing was written. Make a new plan with roster plan --out, review it, and apply that.",
			path, strings.Join(moved, "\n  "))}}
}
