package cli

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"
	"golang.org/x/term"

	"github.com/roster-project/roster/internal/diag"
	"github.com/roster-project/roster/internal/listing"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/schema"
)

// listingRead is a listing's read-only transaction and its connection.
type listingRead struct {
	*listing.Read
	conn *pgx.Conn
}

// openListing prepares a listing. A listing needs no configuration, but
// uses one found in --chdir: its server URL (else the one the accounts'
// addresses give, as import derives it) and its nickname rule (else the
// servers' default). It then connects and opens one read-only,
// repeatable-read transaction (listing.Open). The caller closes it.
func (a *app) openListing(ctx context.Context, g *Globals, command string) (*listingRead, error) {
	url, lim, err := a.listingConfig(g, command)
	if err != nil {
		return nil, err
	}
	conn, err := a.connect(ctx, g)
	if err != nil {
		return nil, err
	}
	r, err := listing.Open(ctx, conn, url, lim)
	if err != nil {
		conn.Close(context.WithoutCancel(ctx))
		a.diags(g, nil, diag.List(err, "Cannot read the database"))
		return nil, exitCode(1)
	}
	return &listingRead{Read: r, conn: conn}, nil
}

func (r *listingRead) close(ctx context.Context) {
	r.Close(ctx)
	r.conn.Close(context.WithoutCancel(ctx))
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
