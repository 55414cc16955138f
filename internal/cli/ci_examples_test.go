package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/alecthomas/kong"
)

// rosterCall finds a roster command in a shell line: at the start of a
// command (after a YAML list marker or run:, or after ; & | ( or !).
var rosterCall = regexp.MustCompile(`(?:^\s*(?:-\s+)?(?:(?:run|script):\s*)?(?:-\s+)?|[;&|(!]\s*|\bset \+e;\s*)roster\s+([^;&|()<>]*)`)

// rosterCalls are the roster command lines in a CI file: their arguments.
func rosterCalls(t *testing.T, path string) [][]string {
	src, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var calls [][]string
	for _, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") || strings.HasPrefix(trimmed, "name:") {
			continue
		}
		for _, m := range rosterCall.FindAllStringSubmatch(line, -1) {
			var args []string
			for _, f := range strings.Fields(m[1]) {
				if strings.HasPrefix(f, "#") {
					break
				}
				args = append(args, strings.Trim(f, `"'`))
			}
			calls = append(calls, args)
		}
	}
	return calls
}

// parsed is a parsed roster command line: its command and the flags given
// to the command (global flags left out).
type parsed struct {
	command string
	flags   []string
}

// parseRoster parses args with roster's command-line model, as Main does,
// without running anything.
func parseRoster(args []string) (p parsed, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("roster exits (--help or the like): %v", r)
		}
	}()
	var cli root
	parser, err := kong.New(&cli, kong.Name("roster"), kong.Writers(io.Discard, io.Discard),
		kong.Exit(func(int) { panic("exit") }))
	if err != nil {
		return parsed{}, err
	}
	kctx, err := parser.Parse(args)
	if err != nil {
		return parsed{}, err
	}
	p = parsed{command: kctx.Selected().Name}
	for _, f := range kctx.Selected().Flags {
		if f.Set {
			p.flags = append(p.flags, f.Name)
		}
	}
	return p, nil
}

// TestCIExamples checks the workflows of examples/ci: every roster command
// line parses with roster's model (commands, flags, enum values such as
// --format markdown), each example runs the command its step is for, and
// every command and flag it uses is exercised by a test script.
func TestCIExamples(t *testing.T) {
	files, err := filepath.Glob("../../examples/ci/*/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	// filepath.Glob matches .gitlab-ci.yml too.
	if len(files) != 4 {
		t.Fatalf("found %d CI files, want 3 GitHub workflows and a .gitlab-ci.yml: %v", len(files), files)
	}
	exercised := exercisedFlags(t)
	used := map[string]map[string]bool{} // file → "command --flag"
	for _, f := range files {
		used[f] = map[string]bool{}
		calls := rosterCalls(t, f)
		if len(calls) == 0 {
			t.Errorf("%s: no roster command found", f)
		}
		for _, args := range calls {
			p, err := parseRoster(args)
			if err != nil {
				t.Errorf("%s: roster %s: %v", f, strings.Join(args, " "), err)
				continue
			}
			used[f][p.command] = true
			if !exercised[p.command] {
				t.Errorf("%s: roster %s: no test script runs roster %s", f, strings.Join(args, " "), p.command)
			}
			for _, fl := range p.flags {
				used[f][p.command+" --"+fl] = true
				if !exercised[p.command+" --"+fl] {
					t.Errorf("%s: roster %s: no test script runs roster %s --%s", f, strings.Join(args, " "), p.command, fl)
				}
			}
		}
	}
	want := map[string][]string{
		"../../examples/ci/github/roster-plan.yml":  {"plan --out", "plan --detailed-exitcode", "show --format"},
		"../../examples/ci/github/roster-apply.yml": {"apply"},
		"../../examples/ci/github/roster-drift.yml": {"drift"},
		"../../examples/ci/gitlab/.gitlab-ci.yml":   {"plan --out", "show --format", "apply", "drift"},
	}
	for f, cmds := range want {
		for _, c := range cmds {
			if !used[f][c] {
				t.Errorf("%s does not run roster %s", f, c)
			}
		}
	}
}

// exercisedFlags lists the commands and "command --flag"s that the test
// scripts run.
func exercisedFlags(t *testing.T) map[string]bool {
	scripts, err := filepath.Glob("testdata/script/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	call := regexp.MustCompile(`(?m)^\s*(?:!\s*)?(?:exec|exits\s+\d+)\s+roster\s+(.*)$`)
	out := map[string]bool{}
	for _, s := range scripts {
		src, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range call.FindAllStringSubmatch(string(src), -1) {
			var args []string
			for _, f := range strings.Fields(m[1]) {
				args = append(args, strings.Trim(f, `'`))
			}
			p, err := parseRoster(args)
			if err != nil {
				continue // scripts also run command lines that must fail
			}
			out[p.command] = true
			for _, fl := range p.flags {
				out[p.command+" --"+fl] = true
			}
		}
	}
	return out
}
