package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/kong"

	"github.com/roster-project/roster/internal/pgtest"
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

// TestCIExamplesPostRosterMarkdown builds the plan comment as each example
// builds it, from the markdown roster prints for a plan of 5,000 changes,
// and requires it to be that markdown as it is, within GitHub's limit of
// 65,536 characters: roster already sizes it to the limit and starts it
// with its marker, so a prefix of the example's own would take it over.
// The body is read from the examples themselves (the github-script's const
// body, the GitLab job's jq program), so that an example that edits it
// fails here. Every marker an example looks for must be the one roster's
// markdown starts with.
func TestCIExamplesPostRosterMarkdown(t *testing.T) {
	md := manyChangesMarkdown(t, 5000)
	const limit = 65536
	examples := map[string]func(t *testing.T, src string, files map[string]string) string{
		"../../examples/ci/github/roster-plan.yml": githubScriptBody,
		"../../examples/ci/gitlab/.gitlab-ci.yml":  gitlabJqBody,
	}
	for path, body := range examples {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		got := body(t, string(src), map[string]string{"plan.md": md})
		if n := utf8.RuneCountInString(got); n > limit || len(got) > limit {
			t.Errorf("%s: the comment has %d characters (%d bytes), over GitHub's %d", path, n, len(got), limit)
		}
		if got != md {
			t.Errorf("%s: the comment is not roster's markdown as it is: it has %d bytes, roster's %d, and starts %q", path, len(got), len(md), got[:min(len(got), 60)])
		}
	}
	files, err := filepath.Glob("../../examples/ci/*/*.yml")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`<!--.*?-->`).FindAllString(string(src), -1) {
			if !strings.HasPrefix(md, m) {
				t.Errorf("%s looks for %q, which roster's markdown does not start with", f, m)
			}
		}
	}
}

// manyChangesMarkdown makes, as the plan job does, a plan of n changes (n
// accounts created) with plan --out, and returns what show --format
// markdown prints for it.
func manyChangesMarkdown(t *testing.T, n int) string {
	url := pgtest.New(t, pgtest.PleromaSample)
	dir := t.TempDir()
	var cfg strings.Builder
	for i := range n {
		fmt.Fprintf(&cfg, "user \"member%05d\" {\n  name = \"Member %d\"\n}\n", i, i)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(dir, "plan.json")
	run := func(args ...string) string {
		var out, errs bytes.Buffer
		st := Streams{In: strings.NewReader(""), Out: &out, Err: &errs, LongWork: time.Hour}
		code := Main(t.Context(), args, st, []string{"DATABASE_URL=" + url, "ROSTER_IN_AUTOMATION=1"})
		if code != 0 && code != 2 {
			t.Fatalf("roster %s exited %d:\n%s", strings.Join(args, " "), code, errs.String())
		}
		return out.String()
	}
	run("--chdir", dir, "plan", "--detailed-exitcode", "--out", plan)
	md := run("show", "--format", "markdown", plan)
	if !strings.Contains(md, fmt.Sprintf("roster plan: %d changes", n)) {
		t.Fatalf("not a plan of %d changes:\n%s", n, md[:min(len(md), 500)])
	}
	return md
}

// githubScriptBody evaluates the body of roster-plan.yml's github-script:
// its `const body = EXPR;`, where EXPR joins with + string literals, other
// consts of the script, and fs.readFileSync(FILE, 'utf8') of files.
func githubScriptBody(t *testing.T, src string, files map[string]string) string {
	consts := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s*const (\w+) = (.*);\s*$`).FindAllStringSubmatch(src, -1) {
		consts[m[1]] = m[2]
	}
	var eval func(expr string) string
	readFile := regexp.MustCompile(`^fs\.readFileSync\(\s*'([^']*)'\s*,\s*'utf-?8'\s*\)$`)
	eval = func(expr string) string {
		var out strings.Builder
		for _, term := range splitPlus(t, expr) {
			switch m := readFile.FindStringSubmatch(term); {
			case m != nil:
				content, ok := files[m[1]]
				if !ok {
					t.Fatalf("roster-plan.yml reads %s, not what roster show printed", m[1])
				}
				out.WriteString(content)
			case term[0] == '\'' || term[0] == '"':
				out.WriteString(jsString(t, term))
			case consts[term] != "":
				out.WriteString(eval(consts[term]))
			default:
				t.Fatalf("roster-plan.yml: cannot evaluate %q in the comment's body %q: the test knows string literals, consts and fs.readFileSync joined by +", term, expr)
			}
		}
		return out.String()
	}
	if consts["body"] == "" {
		t.Fatal("roster-plan.yml has no const body = …; in its github-script")
	}
	return eval(consts["body"])
}

// gitlabJqBody evaluates the note body of .gitlab-ci.yml's plan job: the
// jq program `jq -Rs '{body: EXPR}' FILE`, where EXPR joins with + string
// literals and . (FILE's content), in parentheses or not.
func gitlabJqBody(t *testing.T, src string, files map[string]string) string {
	m := regexp.MustCompile(`jq -Rs '\{body: (.*)\}' (\S+?)\)`).FindStringSubmatch(src)
	if m == nil {
		t.Fatal(".gitlab-ci.yml has no jq -Rs '{body: …}' FILE")
	}
	content, ok := files[m[2]]
	if !ok {
		t.Fatalf(".gitlab-ci.yml reads %s, not what roster show printed", m[2])
	}
	var eval func(expr string) string
	eval = func(expr string) string {
		expr = strings.TrimSpace(expr)
		if strings.HasPrefix(expr, "(") && strings.HasSuffix(expr, ")") {
			expr = expr[1 : len(expr)-1]
		}
		var out strings.Builder
		for _, term := range splitPlus(t, expr) {
			switch {
			case term == ".":
				out.WriteString(content)
			case term[0] == '"':
				var s string
				if err := json.Unmarshal([]byte(term), &s); err != nil {
					t.Fatalf(".gitlab-ci.yml: %s: %v", term, err)
				}
				out.WriteString(s)
			case term[0] == '(':
				out.WriteString(eval(term))
			default:
				t.Fatalf(".gitlab-ci.yml: cannot evaluate %q in the note's body %q: the test knows string literals and . joined by +", term, expr)
			}
		}
		return out.String()
	}
	return eval(m[1])
}

// splitPlus splits an expression at the + signs outside quotes and
// parentheses, trimming each term.
func splitPlus(t *testing.T, expr string) []string {
	var terms []string
	depth, quote, start := 0, byte(0), 0
	for i := 0; i < len(expr); i++ {
		c := expr[i]
		switch {
		case quote != 0 && c == '\\':
			i++
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '+' && depth == 0:
			terms = append(terms, strings.TrimSpace(expr[start:i]))
			start = i + 1
		}
	}
	terms = append(terms, strings.TrimSpace(expr[start:]))
	for _, term := range terms {
		if term == "" {
			t.Fatalf("cannot split %q at +", expr)
		}
	}
	return terms
}

// jsString is the value of a JavaScript string literal with the escapes a
// marker may use.
func jsString(t *testing.T, lit string) string {
	q := lit[0]
	if len(lit) < 2 || lit[len(lit)-1] != q {
		t.Fatalf("not a string literal: %s", lit)
	}
	body := strings.ReplaceAll(lit[1:len(lit)-1], `\`+string(q), string(q))
	s, err := strconv.Unquote(`"` + strings.ReplaceAll(body, `"`, `\"`) + `"`)
	if err != nil {
		t.Fatalf("string literal %s: %v", lit, err)
	}
	return s
}
