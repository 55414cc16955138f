package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/alecthomas/kong"
	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"
	"golang.org/x/term"

	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/schema"
)

// Streams are the standard streams of a run, and whether each is a terminal.
type Streams struct {
	In                       io.Reader
	Out, Err                 io.Writer
	InTerm, OutTerm, ErrTerm bool
	// LongWork is how long work runs before it shows progress on a
	// terminal, or earns a timing line elsewhere; zero means a second.
	LongWork time.Duration
	// Exit ends the process at once, for the one stop that cannot wait
	// for a command to return: the memory limit (memory.go). Nil, as in
	// a test that runs Main in-process, leaves memory unwatched.
	Exit func(code int)
}

// Stdio returns the process's standard streams.
func Stdio() Streams {
	isTerm := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	return Streams{In: os.Stdin, Out: os.Stdout, Err: os.Stderr,
		InTerm: isTerm(os.Stdin), OutTerm: isTerm(os.Stdout), ErrTerm: isTerm(os.Stderr), Exit: os.Exit}
}

// Globals are the options every command takes.
type Globals struct {
	Chdir       string        `name:"chdir" default:"." placeholder:"DIR" help:"Configuration directory: every *.hcl file in it is read."`
	DatabaseURL string        `name:"database-url" placeholder:"URL" help:"PostgreSQL URL of the server's database. Default: DATABASE_URL, else libpq's PG* variables."`
	Var         []string      `name:"var" sep:"none" placeholder:"NAME=VALUE" help:"Set an input variable (repeatable)."`
	VarFile     []string      `name:"var-file" sep:"none" placeholder:"FILE" help:"Read input variables from an HCL file (repeatable)."`
	NoColor     bool          `name:"no-color" help:"Never use colour (also NO_COLOR)."`
	LockTimeout time.Duration `name:"lock-timeout" default:"10s" help:"How long apply and the actions wait for roster's database lock."`
}

type root struct {
	Globals
	Validate   validateCmd   `cmd:"" help:"Check the configuration, without a database."`
	Plan       planCmd       `cmd:"" help:"Show the changes that would make the database match the configuration."`
	Apply      applyCmd      `cmd:"" help:"Make the database match the configuration, in one transaction."`
	Show       showCmd       `cmd:"" help:"Print a plan that plan --out saved."`
	Drift      driftCmd      `cmd:"" help:"Report how the server differs from the configuration, read-only (exit 2 on drift)."`
	Import     importCmd     `cmd:"" help:"Write the configuration of the server's existing accounts (users.hcl)."`
	Users      usersCmd      `cmd:"" help:"List the server's local accounts, read-only."`
	Invites    invitesCmd    `cmd:"" help:"List the server's registration invites, read-only."`
	Fmt        fmtCmd        `cmd:"" help:"Rewrite HCL configuration files in the canonical format."`
	Completion completionCmd `cmd:"" help:"Print a shell completion script for bash, zsh or fish."`
	Version    versionCmd    `cmd:"" help:"Print roster's version."`

	// The actions: the server's imperative user commands (actions.go).
	SignOut          signOutCmd          `cmd:"" name:"sign-out" help:"Sign a local account out of every app and session (the server's sign_out)."`
	ResetPassword    resetPasswordCmd    `cmd:"" name:"reset-password" help:"Create a password reset link for a local account (the server's reset_password)."`
	FixFollowState   fixFollowStateCmd   `cmd:"" name:"fix-follow-state" help:"Repair a follow of a remote account that says accepted but is not recorded (the server's fix_follow_state)."`
	DeleteActivities deleteActivitiesCmd `cmd:"" name:"delete-activities" help:"Count an account's posts, likes and repeats; roster leaves deleting them to the server."`
}

// app is one run's environment, injected into commands.
type app struct {
	Streams
	environ []string
	con     *console // standard error, as the status line shares it
}

func (a *app) getenv(key string) string { return getenv(a.environ, key) }

func (a *app) style(g *Globals, term bool) view.Style {
	return view.Style{Color: term && !g.NoColor && a.getenv("NO_COLOR") == ""}
}

// exitCode ends a run with a code, its message already printed.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

// kongExit is the panic by which kong's Exit (after --help) ends a run.
type kongExit int

// Main runs roster with args (without the program name) and returns the exit
// code.
func Main(ctx context.Context, args []string, st Streams, environ []string) int {
	con := newConsole(st)
	defer con.erase() // whatever ended the run, the terminal's echo is back on
	defer watchMemory(con, st.Exit, environ)()
	return run(st.Err, func() error {
		var cli root
		parser, err := kong.New(&cli, kong.Name("roster"),
			kong.Description("Manage the local users of a Pleroma or Akkoma server as code."),
			kong.Writers(st.Out, st.Err), kong.Exit(func(c int) { panic(kongExit(c)) }))
		if err != nil {
			fmt.Fprintln(st.Err, err)
			return exitCode(1)
		}
		kctx, err := parser.Parse(args)
		if err != nil {
			fmt.Fprintf(st.Err, "Error: %v\n", err)
			return exitCode(1)
		}
		a := &app{Streams: st, environ: environ, con: con}
		kctx.BindTo(ctx, (*context.Context)(nil))
		return kctx.Run(a, &cli.Globals)
	})
}

// run runs the body of a run and returns its exit code: 0 when it returns
// no error; the code of an exitCode, its message already printed; 1 for any
// other error, printed. A panic in body, or one that a goroutine handed back
// as an error (package panics), is a bug: it is printed on one line as an
// internal error, and the exit code is 1, never 2, which means changes,
// drift, or (fmt) a file that does not parse. kong's Exit goes through.
func run(errOut io.Writer, body func() error) int {
	err := panics.Catch(body)
	var (
		internal *panics.Error
		ec       exitCode
	)
	switch {
	case err == nil:
		return 0
	case errors.As(err, &internal):
		if e, ok := internal.Value.(kongExit); ok {
			return int(e)
		}
		fmt.Fprintf(errOut, "\nError: %s\n\nThis is a bug in roster: please report it, with the command you ran and what roster version prints.\n", internal)
		return 1
	case errors.As(err, &ec):
		return int(ec)
	default:
		fmt.Fprintf(errOut, "\nError: %s\n", err)
		return 1
	}
}

// loadConfig reads the configuration and prints its diagnostics.
func (a *app) loadConfig(g *Globals, partial bool) (*schema.Config, bool) {
	stop := a.watchTime()
	cfg, diags := schema.Load(g.Chdir, schema.Inputs{Vars: g.Var, VarFiles: g.VarFile, Environ: a.environ, Partial: partial})
	stop()
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	view.Diagnostics(a.Err, diags, files, a.style(g, a.ErrTerm))
	return cfg, cfg != nil && !diags.HasErrors()
}

// connect opens the server's database: --database-url, else DATABASE_URL,
// else libpq's PG* variables (pgx reads them, TLS settings included).
func (a *app) connect(ctx context.Context, g *Globals) (*pgx.Conn, error) {
	url := g.DatabaseURL
	if url == "" {
		url = a.getenv("DATABASE_URL")
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("invalid database URL: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "roster"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if d := stoppedEarly(ctx); err != nil && d != nil {
		a.diags(g, nil, d)
		return nil, exitCode(1)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot connect to the database: %w\n\nName the server's database with --database-url or DATABASE_URL (or libpq's PG* variables)", err)
	}
	return conn, nil
}

// diags prints diagnostics that have no configuration source.
func (a *app) diags(g *Globals, cfg *schema.Config, diags hcl.Diagnostics) {
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	view.Diagnostics(a.Err, diags, files, a.style(g, a.ErrTerm))
}

// loadAndConnect reads the configuration, printing its diagnostics, and
// connects to the server's database; the caller closes the connection.
func (a *app) loadAndConnect(ctx context.Context, g *Globals) (*schema.Config, *pgx.Conn, error) {
	cfg, ok := a.loadConfig(g, false)
	if !ok {
		return nil, nil, exitCode(1)
	}
	conn, err := a.connect(ctx, g)
	if err != nil {
		return nil, nil, err
	}
	return cfg, conn, nil
}
