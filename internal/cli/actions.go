package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/schema"
)

// The actions carry out one of the server's imperative user commands
// through the same machinery as apply: they show what they will do, ask
// (or take --auto-approve), and write in one transaction under roster's
// lock. They need a database and no configuration; when --chdir holds one,
// its server block gives the URL, the flavor and allow_unknown_version.

type signOutCmd struct {
	AutoApprove bool   `name:"auto-approve" help:"Sign out without asking for approval."`
	Nickname    string `arg:"" name:"nick" completion:"none" help:"The local account to sign out of every app and session."`
}

type resetPasswordCmd struct {
	AutoApprove bool   `name:"auto-approve" help:"Create the token without asking for approval."`
	PrintURL    bool   `name:"print-url" help:"Print the reset URL even when standard output is not a terminal (it is a secret)."`
	Nickname    string `arg:"" name:"nick" completion:"none" help:"The local account whose password is to be reset."`
}

type fixFollowStateCmd struct {
	AutoApprove bool   `name:"auto-approve" help:"Repair without asking for approval."`
	Local       string `arg:"" name:"local" completion:"none" help:"The local account that follows."`
	Remote      string `arg:"" name:"remote" completion:"none" help:"The remote account it follows, as nickname@host."`
}

type deleteActivitiesCmd struct {
	Nickname string `arg:"" name:"nick" completion:"none" help:"The local account."`
}

// actionServer is what an action knows of the server: the configuration's
// server block, when --chdir holds a configuration, and the database.
type actionServer struct {
	cfg  *schema.Config // nil without a configuration
	conn *pgx.Conn
	url  string
}

// openAction reads the configuration, if --chdir holds one, and connects.
// Variables need no values: only the server block is used.
func (a *app) openAction(ctx context.Context, g *Globals) (*actionServer, error) {
	s := &actionServer{}
	if has, _ := schema.HasFiles(g.Chdir); has { // an unreadable --chdir fails at load
		cfg, ok := a.loadConfig(g, true)
		if !ok {
			return nil, exitCode(1)
		}
		s.cfg = cfg
	}
	conn, err := a.connect(ctx, g)
	if err != nil {
		return nil, err
	}
	s.conn = conn
	return s, nil
}

func (s *actionServer) close(ctx context.Context) { s.conn.Close(context.WithoutCancel(ctx)) }

// checkServer compares the database with the configuration's server block,
// derives the base URL when the configuration sets none, and says what was
// read. A writing action refuses a schema newer than roster knows unless
// server { allow_unknown_version = true }.
func (a *app) checkServer(ctx context.Context, g *Globals, s *actionServer, info server.Info, writes bool) error {
	lim := server.DefaultLimits()
	if s.cfg != nil {
		lim = s.cfg.Server.Limits
		s.url = s.cfg.Server.URL
		if f := s.cfg.Server.Flavor; f != server.Auto && f != info.Flavor {
			a.diags(g, s.cfg, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Wrong server flavor",
				Detail:  fmt.Sprintf("The configuration says flavor = %q, but the database is %s. Correct the flavor, or set it to \"auto\".", f, info),
				Subject: s.cfg.Server.FlavorRange.Ptr()}})
			return exitCode(1)
		}
	}
	if s.url == "" {
		url, err := server.DeriveBaseURL(ctx, s.conn, lim)
		if err != nil {
			return a.readFailed(ctx, g, err)
		}
		s.url = url
	}
	if writes && !info.Known() && (s.cfg == nil || !s.cfg.Server.AllowUnknownVersion) {
		a.diags(g, s.cfg, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown server schema version",
			Detail: fmt.Sprintf("The database is %s, newer than the newest %s migration roster knows (%d): the server may have renamed what roster writes. Nothing was written. To write anyway, run roster where a configuration sets server { allow_unknown_version = true } (--chdir).",
				info, info.Flavor.Title(), info.Newest())}})
		return exitCode(1)
	}
	view.ActionRead(a.Out, info, s.url)
	return nil
}

// readFailed prints a failed action read: a refusal as its diagnostic, a
// database that is neither flavor as plan does, a read an interrupt cut
// short as stopped; other errors go up.
func (a *app) readFailed(ctx context.Context, g *Globals, err error) error {
	var refused *applier.RefusedError
	if d := stoppedEarly(ctx); d != nil {
		a.diags(g, nil, d)
		return exitCode(1)
	}
	switch {
	case errors.As(err, &refused):
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: refused.Summary, Detail: refused.Detail + "\n\nNothing was written."}})
		return exitCode(1)
	case errors.Is(err, server.ErrUnknownSchema):
		a.diags(g, nil, diag.List(err, "Cannot read the database"))
		return exitCode(1)
	}
	return err
}

// actionDiags turns an error of an action's transaction into a
// diagnostic; what names the action ("Sign-out").
func actionDiags(err error, what string, cancelled bool) hcl.Diagnostics {
	return hcl.Diagnostics{writeDiag(err, writeFailure{what: what, staleSummary: "The database changed since the action was shown",
		staleLead: "These moved after roster showed what it would do:", staleFix: "Run the command again and review what it shows."}, cancelled)}
}

// confirm asks for approval of an action unless auto is set; command is how
// to run it again without asking.
func (a *app) confirm(ctx context.Context, g *Globals, auto bool, command, cancelled string) error {
	if auto {
		return nil
	}
	return a.ask(ctx, g, fmt.Sprintf("roster asks for approval on a terminal, and standard input is not one. Review what it will do above, then run this to do it without asking:\n  %s", command), cancelled)
}

// runAction runs an action's transaction and prints its failure.
func (a *app) runAction(ctx context.Context, g *Globals, what string, do func(ctx context.Context) error) error {
	if err := do(ctx); err != nil {
		a.diags(g, nil, actionDiags(err, what, ctx.Err() != nil))
		return exitCode(1)
	}
	return nil
}

func (a *app) actionOptions(g *Globals, s *actionServer) applier.Options {
	return applier.Options{LockTimeout: g.LockTimeout, AllowUnknownVersion: s.cfg != nil && s.cfg.Server.AllowUnknownVersion}
}

func (c *signOutCmd) Run(ctx context.Context, a *app, g *Globals) error {
	// The first Ctrl-C cancels the action, at the prompt or in its
	// transaction, which then rolls back.
	ctx, stop := a.interruptible(ctx, "Sign-out")
	defer stop()
	s, err := a.openAction(ctx, g)
	if err != nil {
		return err
	}
	defer s.close(ctx)
	p, err := applier.PlanSignOut(ctx, s.conn, c.Nickname)
	if err != nil {
		return a.readFailed(ctx, g, err)
	}
	if err := a.checkServer(ctx, g, s, p.Server, true); err != nil {
		return err
	}
	out := a.style(g, a.OutTerm)
	if !view.SignOutPreview(a.Out, p, out) {
		return nil
	}
	if err := a.confirm(ctx, g, c.AutoApprove, "roster sign-out --auto-approve "+shellQuote(p.Account.Nickname), "Sign-out cancelled."); err != nil {
		return err
	}
	var res applier.SignOutResult
	err = a.runAction(ctx, g, "Sign-out", func(ctx context.Context) (err error) {
		res, err = applier.SignOut(ctx, s.conn, p, a.actionOptions(g, s))
		return err
	})
	if err != nil {
		return err
	}
	view.SignOutDone(a.Out, p, res, out)
	return nil
}

func (c *resetPasswordCmd) Run(ctx context.Context, a *app, g *Globals) error {
	// The URL is the secret: a token nobody can see must not be created.
	if !a.OutTerm && !c.PrintURL {
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "The reset URL would not be shown",
			Detail: fmt.Sprintf("The reset URL holds a secret token, so roster prints it only to a terminal, and standard output is not one. Nothing was written. To print it anyway (to a pipe or a file you keep safe), rerun with --print-url:\n  roster reset-password --print-url %s", shellQuote(c.Nickname))}})
		return exitCode(1)
	}
	// The first Ctrl-C cancels the action, at the prompt or in its
	// transaction, which then rolls back.
	ctx, stop := a.interruptible(ctx, "Password reset")
	defer stop()
	s, err := a.openAction(ctx, g)
	if err != nil {
		return err
	}
	defer s.close(ctx)
	p, err := applier.PlanResetPassword(ctx, s.conn, c.Nickname)
	if err != nil {
		return a.readFailed(ctx, g, err)
	}
	if err := a.checkServer(ctx, g, s, p.Server, true); err != nil {
		return err
	}
	nick := p.Account.Nickname
	if s.url == "" {
		a.diags(g, s.cfg, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Unknown server URL",
			Detail: "roster cannot tell the server's URL from the local accounts' addresses, so it cannot make the reset URL. Nothing was written. Set server { url = \"https://…\" } in a configuration (--chdir)."}})
		return exitCode(1)
	}
	out := a.style(g, a.OutTerm)
	view.ResetPreview(a.Out, p, out)
	rerun := "roster reset-password --auto-approve "
	if c.PrintURL {
		rerun += "--print-url "
	}
	if err := a.confirm(ctx, g, c.AutoApprove, rerun+shellQuote(nick), "Password reset cancelled."); err != nil {
		return err
	}
	var res applier.ResetResult
	err = a.runAction(ctx, g, "Password reset", func(ctx context.Context) (err error) {
		res, err = applier.ResetPassword(ctx, s.conn, p, a.actionOptions(g, s))
		return err
	})
	if err != nil {
		return err
	}
	view.ResetDone(a.Out, p, res, s.url, out)
	return nil
}

func (c *fixFollowStateCmd) Run(ctx context.Context, a *app, g *Globals) error {
	// The first Ctrl-C cancels the action, at the prompt or in its
	// transaction, which then rolls back.
	ctx, stop := a.interruptible(ctx, "Repair")
	defer stop()
	s, err := a.openAction(ctx, g)
	if err != nil {
		return err
	}
	defer s.close(ctx)
	p, err := applier.PlanFixFollowState(ctx, s.conn, c.Local, c.Remote)
	if err != nil {
		return a.readFailed(ctx, g, err)
	}
	if err := a.checkServer(ctx, g, s, p.Server, true); err != nil {
		return err
	}
	opts, err := a.auditOptions(ctx, g, s)
	if err != nil {
		return err
	}
	out := a.style(g, a.OutTerm)
	local, remote := p.Local.Nickname, p.Remote.Nickname
	view.FollowFixPreview(a.Out, p, out)
	if opts.AuditActor != "" {
		view.FollowFixLogged(a.Out, opts.AuditActor)
	}
	if err := a.confirm(ctx, g, c.AutoApprove, "roster fix-follow-state --auto-approve "+shellQuote(local)+" "+shellQuote(remote), "Repair cancelled."); err != nil {
		return err
	}
	var res applier.FollowFixResult
	err = a.runAction(ctx, g, "Repair", func(ctx context.Context) (err error) {
		res, err = applier.FixFollowState(ctx, s.conn, p, opts)
		return err
	})
	if err != nil {
		return err
	}
	view.FollowFixDone(a.Out, p, res, out)
	view.Logged(a.Out, res.Logged, opts.AuditActor)
	return nil
}

// auditOptions are the options of an action that writes the server's
// moderation log entry as the configuration's audit_actor, when it names
// one: it must be a local, active admin, or the action is refused at the
// attribute.
func (a *app) auditOptions(ctx context.Context, g *Globals, s *actionServer) (applier.Options, error) {
	opts := a.actionOptions(g, s)
	if s.cfg == nil {
		return opts, nil
	}
	actor, diags, err := planner.CheckAuditActor(ctx, s.conn, s.cfg)
	if err != nil {
		return opts, a.readFailed(ctx, g, err)
	}
	if diags.HasErrors() {
		a.diags(g, s.cfg, diags)
		return opts, exitCode(1)
	}
	if actor != nil {
		opts.AuditActor = actor.Nickname
	}
	return opts, nil
}

func (c *deleteActivitiesCmd) Run(ctx context.Context, a *app, g *Globals) error {
	s, err := a.openAction(ctx, g)
	if err != nil {
		return err
	}
	defer s.close(ctx)
	p, err := applier.PlanDeleteActivities(ctx, s.conn, c.Nickname)
	if err != nil {
		return a.readFailed(ctx, g, err)
	}
	if err := a.checkServer(ctx, g, s, p.Server, false); err != nil {
		return err
	}
	nick := p.Account.Nickname
	if !view.Activities(a.Out, p, a.style(g, a.OutTerm)) {
		return nil
	}
	a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "roster cannot delete activities",
		Detail: fmt.Sprintf("The server's delete_activities sends a Delete for each post and an Undo for each like and repeat through its ActivityPub pipeline, which also updates the objects, their counters and the notifications, and federates each one. No job of Pleroma 2.7 or Akkoma 2025.10 does that alone: the one that does, delete_user, deletes the account too. Writing it all in SQL would not be what the server writes, so roster does not.\n\nNothing was written. Run on the server:\n  pleroma_ctl user delete_activities %s\nor, from a source install:\n  mix pleroma.user delete_activities %s\n\nSee docs/delete-activities.md in roster's source for the details.",
			shellQuote(nick), shellQuote(nick))}})
	return exitCode(1)
}
