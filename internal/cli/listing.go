package cli

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"
	"golang.org/x/term"

	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// listingRead is the read-only transaction of a listing (roster users,
// roster invites) and what it learned of the server first.
type listingRead struct {
	conn *pgx.Conn
	tx   pgx.Tx
	srv  plans.Server
	lim  server.Limits
}

// openListing prepares a listing. A listing needs no configuration, but
// uses one found in --chdir: its server URL (else the one the accounts'
// addresses give, as import derives it) and its nickname rule (else the
// servers' default). It then connects and opens one read-only,
// repeatable-read transaction, so that a role that may only SELECT lists
// and every pass over the rows sees the same ones. The caller closes it.
func (a *app) openListing(g *Globals, command string) (*listingRead, error) {
	url, lim, err := a.listingConfig(g, command)
	if err != nil {
		return nil, err
	}
	conn, err := a.connect(g)
	if err != nil {
		return nil, err
	}
	r := &listingRead{conn: conn, lim: lim}
	fail := func(summary, detail string) (*listingRead, error) {
		r.close(a.ctx)
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail}})
		return nil, exitCode(1)
	}
	r.tx, err = conn.BeginTx(a.ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fail("Cannot read the database", userMessage(err)+".")
	}
	info, err := server.Detect(a.ctx, r.tx)
	if err != nil && !errors.Is(err, server.ErrUnknownSchema) {
		return fail("Cannot read the database", userMessage(err)+".")
	}
	if err != nil {
		return fail("Unsupported database", "This is "+strings.TrimPrefix(userMessage(err), "the database is ")+
			". roster lists the accounts of Pleroma 2.7 and Akkoma 2025.10 databases; check that --database-url names the server's database.")
	}
	if url == "" {
		if url, err = server.DeriveBaseURL(a.ctx, r.tx, lim); err != nil {
			return fail("Cannot read the database", userMessage(err)+".")
		}
	}
	r.srv = plans.Server{Flavor: info.Flavor, Version: info.Version, URL: url, Known: info.Known()}
	return r, nil
}

func (r *listingRead) close(ctx context.Context) {
	ctx = context.WithoutCancel(ctx)
	if r.tx != nil {
		r.tx.Rollback(ctx)
	}
	r.conn.Close(ctx)
}

// listingConfig reads the configuration in --chdir, when it has *.hcl
// files, for the server URL and the nickname rule. Variables without a
// value are no error (as in validate). A configuration with errors is left
// aside with a warning: a listing must not depend on it.
func (a *app) listingConfig(g *Globals, command string) (string, server.Limits, error) {
	ok, err := schema.HasFiles(g.Chdir)
	if err != nil {
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read configuration directory",
			Detail: err.Error() + ". Name an existing directory with --chdir, or leave it out: roster " + command + " needs no configuration."}})
		return "", server.Limits{}, exitCode(1)
	}
	if !ok {
		return "", server.DefaultLimits(), nil
	}
	stop := a.watchTime()
	cfg, diags := schema.Load(g.Chdir, schema.Inputs{Vars: g.Var, VarFiles: g.VarFile, Environ: a.environ, Partial: true})
	stop()
	if cfg == nil || diags.HasErrors() {
		abs, _ := filepath.Abs(g.Chdir)
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Configuration not used",
			Detail: fmt.Sprintf("The configuration in %s has errors, so roster %s does without it: the server URL comes from the accounts' addresses, and the nickname rule is the servers' default. roster validate shows the errors.", abs, command)}})
		return "", server.DefaultLimits(), nil
	}
	return cfg.Server.URL, cfg.Server.Limits, nil
}

// outWidth is the width a table on standard output must fit: on a
// terminal, COLUMNS when set, else the terminal's width; 0 (no limit)
// elsewhere, so that a listing piped into a program is never cut.
func (a *app) outWidth() int {
	if !a.OutTerm {
		return 0
	}
	if n, err := strconv.Atoi(a.getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if f, ok := a.Out.(interface{ Fd() uintptr }); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}
