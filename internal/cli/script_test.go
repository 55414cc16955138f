package cli_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
)

var update = flag.Bool("update", false, "rewrite the testdata/script files' golden outputs from the actual ones")

// pgtestM starts the throwaway PostgreSQL cluster only when the tests
// themselves run: testscript.Main calls m.Run in the top-level test binary,
// and in the copies it runs as the roster command it calls only cli.Main.
type pgtestM struct{ m *testing.M }

func (p pgtestM) Run() int { return pgtest.Main(p.m) }

func TestMain(m *testing.M) {
	testscript.Main(pgtestM{m}, map[string]func(){
		"roster": func() {
			// Scripts compare standard error exactly: a run slowed by a
			// busy machine must not add a timing line (progress_test.go
			// tests it). A test that watches the status line on a
			// terminal (terminal_test.go) shows it at once.
			st := cli.Stdio()
			st.LongWork = time.Hour
			if d, err := time.ParseDuration(os.Getenv("ROSTER_TEST_LONG_WORK")); err == nil {
				st.LongWork = d
			}
			os.Exit(cli.Main(context.Background(), os.Args[1:], st, os.Environ()))
		},
	})
}

// TestScripts runs the txtar scripts of testdata/script. Besides the standard
// commands and `exec roster`, they have:
//
//	newdb [-pgenv] pleroma|akkoma|sample|empty
//	                                    clone a fresh database, set DATABASE_URL
//	                                    (with -pgenv: PGHOST, PGPORT, PGUSER, PGDATABASE)
//	sql 'QUERY'                         one statement on the database newdb made; rows to stdout,
//	                                    tab-separated, NULL as NULL, one row per line
//	exits N command [args...]           exec command and require exit code N exactly
//	                                    (command roster-tty runs in-process, see below)
//	synced [args...]                    plan in-process; fail unless it is empty
//	roster-tty [-in FILE] [-meanwhile 'SQL'] [args...]
//	                                    cli.Main in-process with stdin, stdout and
//	                                    stderr all terminals, stdin read from FILE;
//	                                    SQL runs when roster reads the first answer
//	hint N                              run through sh, as a user would paste it, the
//	                                    command line the last command printed (stdout)
//	                                    after "the following command", and require
//	                                    exit code N
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv(pgtest.EnvURL, os.Getenv(pgtest.EnvURL))
			// The script's T wraps its *testing.T, so it is a testing.TB:
			// pgtest.New drops a clone when the script passes and keeps it
			// when it fails.
			tb, ok := env.T().(testing.TB)
			if !ok {
				return fmt.Errorf("%T is not a testing.TB", env.T())
			}
			env.Values[tbKey{}] = tb
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"newdb":      cmdNewDB,
			"sql":        cmdSQL,
			"exits":      cmdExits,
			"synced":     cmdSynced,
			"roster-tty": cmdRosterTTY,
			"hint":       cmdHint,
		},
	})
}

// tbKey holds the script's testing.TB among its values.
type tbKey struct{}

func fixture(name string) (pgtest.Fixture, bool) {
	switch name {
	case "pleroma":
		return pgtest.Pleroma, true
	case "akkoma":
		return pgtest.Akkoma, true
	case "sample":
		return pgtest.PleromaSample, true
	case "empty":
		// A database that is neither flavor: no tables at all.
		return pgtest.Fixture{Name: "empty"}, true
	}
	return pgtest.Fixture{}, false
}

// cmdNewDB clones a fresh database and names it in DATABASE_URL, or with
// -pgenv in libpq's PGHOST, PGPORT, PGUSER and PGDATABASE instead.
func cmdNewDB(ts *testscript.TestScript, neg bool, args []string) {
	pgenv := len(args) == 2 && args[0] == "-pgenv"
	if pgenv {
		args = args[1:]
	}
	if neg || len(args) != 1 {
		ts.Fatalf("usage: newdb [-pgenv] pleroma|akkoma|sample|empty")
	}
	f, ok := fixture(args[0])
	if !ok {
		ts.Fatalf("newdb: unknown fixture %q", args[0])
	}
	url := pgtest.New(ts.Value(tbKey{}).(testing.TB), f)
	if !pgenv {
		ts.Setenv("DATABASE_URL", url)
		return
	}
	cfg, err := pgx.ParseConfig(url)
	ts.Check(err)
	ts.Setenv("PGHOST", cfg.Host)
	ts.Setenv("PGPORT", strconv.Itoa(int(cfg.Port)))
	ts.Setenv("PGUSER", cfg.User)
	ts.Setenv("PGDATABASE", cfg.Database)
	ts.Setenv("PGSSLMODE", "disable")
}

func cmdSQL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: sql 'QUERY'")
	}
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, scriptDB(ts))
	ts.Check(err)
	defer conn.Close(ctx)
	// The simple protocol returns every value in PostgreSQL's text format,
	// as psql prints it: t and f for booleans, timestamps without a zone.
	rows, err := conn.Query(ctx, args[0], pgx.QueryExecModeSimpleProtocol)
	ts.Check(err)
	defer rows.Close()
	out := ts.Stdout()
	for rows.Next() {
		raw := rows.RawValues()
		cells := make([]string, len(raw))
		for i, v := range raw {
			if v == nil {
				cells[i] = "NULL"
			} else {
				cells[i] = string(v)
			}
		}
		fmt.Fprintln(out, strings.Join(cells, "\t"))
	}
	ts.Check(rows.Err())
}

// scriptDB is the connection string of the database newdb made.
func scriptDB(ts *testscript.TestScript) string {
	url := ts.Getenv("DATABASE_URL")
	if url == "" && ts.Getenv("PGDATABASE") != "" {
		url = fmt.Sprintf("host=%s port=%s user=%s dbname=%s sslmode=disable",
			ts.Getenv("PGHOST"), ts.Getenv("PGPORT"), ts.Getenv("PGUSER"), ts.Getenv("PGDATABASE"))
	}
	if url == "" {
		ts.Fatalf("neither DATABASE_URL nor PGDATABASE is set; run newdb first")
	}
	return url
}

func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: exits CODE command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad exit code %q", args[0])
	}
	var got int
	if args[1] == "roster-tty" {
		got = runTTY(ts, args[2:])
	} else {
		var exit *exec.ExitError
		switch err := ts.Exec(args[1], args[2:]...); {
		case errors.As(err, &exit):
			got = exit.ExitCode()
		case err != nil:
			ts.Fatalf("exits: %v", err)
		}
	}
	if (got == want) == neg {
		if neg {
			ts.Fatalf("%s exited %d, want any other code", args[1], got)
		}
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// printedCommand finds the command line that out prints for the user to
// run: the first line indented by four spaces after a line that says "the
// following command".
var printedCommand = regexp.MustCompile(`the following command[^\n]*\n(?:[^\n]*\n)*?    (roster [^\n]*)\n`)

// cmdHint runs the command line a hint printed, exactly as printed, through
// a POSIX shell in the script's directory and environment.
func cmdHint(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: hint CODE")
	}
	m := printedCommand.FindStringSubmatch(ts.ReadFile("stdout"))
	if m == nil {
		ts.Fatalf("hint: stdout prints no command after \"the following command\"")
	}
	ts.Logf("hint: %s", m[1])
	cmdExits(ts, false, []string{args[0], "sh", "-c", m[1]})
}

func cmdRosterTTY(ts *testscript.TestScript, neg bool, args []string) {
	code := runTTY(ts, args)
	if (code != 0) != neg {
		ts.Fatalf("roster-tty exited %d", code)
	}
}

// runTTY runs cli.Main in-process as on a terminal: stdin, stdout and stderr
// all report being one, so that apply prompts and colour is on unless
// --no-color or NO_COLOR says otherwise.
func runTTY(ts *testscript.TestScript, args []string) int {
	var in io.Reader = strings.NewReader("")
	var meanwhile string
	for len(args) >= 2 && (args[0] == "-in" || args[0] == "-meanwhile") {
		if args[0] == "-in" {
			in = strings.NewReader(ts.ReadFile(args[1]))
		} else {
			meanwhile = args[1]
		}
		args = args[2:]
	}
	if meanwhile != "" {
		m := &meanwhileReader{ts: ts, sql: meanwhile, r: in}
		defer m.close()
		in = m
	}
	args = inProcessArgs(ts, args)
	st := cli.Streams{In: in, Out: ts.Stdout(), Err: ts.Stderr(), InTerm: true, OutTerm: true, ErrTerm: true, LongWork: time.Hour}
	return cli.Main(context.Background(), args, st, inProcessEnviron(ts, args))
}

// meanwhileReader runs a statement on the script's database when roster
// first reads the answer to its prompt: another writer acting while the plan
// is on screen. Its session stays open until the run ends, so that the
// statement can hold locks ('BEGIN; UPDATE ...' or pg_advisory_lock).
type meanwhileReader struct {
	ts   *testscript.TestScript
	sql  string
	r    io.Reader
	conn *pgx.Conn
}

func (m *meanwhileReader) Read(p []byte) (int, error) {
	if m.conn == nil {
		ctx := context.Background()
		cfg, err := pgx.ParseConfig(scriptDB(m.ts))
		if err != nil {
			return 0, err
		}
		cfg.RuntimeParams["application_name"] = "meanwhile"
		if m.conn, err = pgx.ConnectConfig(ctx, cfg); err != nil {
			return 0, err
		}
		if _, err := m.conn.Exec(ctx, m.sql); err != nil {
			return 0, err
		}
	}
	return m.r.Read(p)
}

func (m *meanwhileReader) close() {
	if m.conn != nil {
		m.conn.Close(context.Background())
	}
}

func cmdSynced(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! synced")
	}
	args = inProcessArgs(ts, append([]string{"plan", "--detailed-exitcode", "--no-color"}, args...))
	var out, errs bytes.Buffer
	st := cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errs, LongWork: time.Hour}
	code := cli.Main(context.Background(), args, st, inProcessEnviron(ts, args))
	if code != 0 || !strings.Contains(out.String(), "No changes.") {
		ts.Fatalf("not synced: plan after apply exited %d:\n%s%s", code, out.String(), errs.String())
	}
}

// inProcessArgs makes the paths among args absolute against the script's
// directory, since an in-process run shares the test's working directory,
// and names the script's directory with --chdir when args do not.
func inProcessArgs(ts *testscript.TestScript, args []string) []string {
	out := make([]string, 0, len(args)+2)
	chdir := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case (a == "--chdir" || a == "--var-file") && i+1 < len(args):
			chdir = chdir || a == "--chdir"
			out = append(out, a, ts.MkAbs(args[i+1]))
			i++
		case strings.HasPrefix(a, "--chdir="), strings.HasPrefix(a, "--var-file="):
			name, value, _ := strings.Cut(a, "=")
			chdir = chdir || name == "--chdir"
			out = append(out, name+"="+ts.MkAbs(value))
		default:
			out = append(out, a)
		}
	}
	if !chdir {
		out = append(out, "--chdir", ts.MkAbs("."))
	}
	return out
}

var variableBlock = regexp.MustCompile(`(?m)^\s*variable\s+"([^"]+)"`)

// inProcessEnviron builds the environment of an in-process run from the
// script's: the database, colour and terminal width (COLUMNS) settings, and
// ROSTER_VAR_name for every variable the configuration declares (testscript
// cannot list a script's whole environment).
func inProcessEnviron(ts *testscript.TestScript, args []string) []string {
	dir := ts.MkAbs(".")
	for i, a := range args {
		if a == "--chdir" && i+1 < len(args) {
			dir = args[i+1]
		} else if v, ok := strings.CutPrefix(a, "--chdir="); ok {
			dir = v
		}
	}
	names := []string{"COLUMNS", "DATABASE_URL", "NO_COLOR", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGPASSWORD", "PGSSLMODE"}
	files, _ := filepath.Glob(filepath.Join(dir, "*.hcl"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		ts.Check(err)
		for _, m := range variableBlock.FindAllStringSubmatch(string(src), -1) {
			names = append(names, "ROSTER_VAR_"+m[1])
		}
	}
	slices.Sort(names)
	var env []string
	for _, n := range slices.Compact(names) {
		if v := ts.Getenv(n); v != "" {
			env = append(env, n+"="+v)
		}
	}
	return env
}
