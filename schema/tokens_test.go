package schema

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// tokenSources are sources of every kind countTokens reads: the
// repository's own configurations and test files, and constructs chosen
// to be hard to count.
func tokenSources(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{
		"heredoc":         []byte("user \"a\" {\n  bio = <<-EOT\n    line one ${var.x}\n    %{ if true }yes%{ endif }\n    EOT\n}\n"),
		"empty heredoc":   []byte("locals {\n  x = <<EOT\nEOT\n  y = 1\n}\n"),
		"escapes":         []byte("locals {\n  x = \"a\\\"b $${literal} %%{literal} ${\"in\\\"ner\"} c\"\n}\n"),
		"comments":        []byte("# one\n// two\n/* three\n four */ locals { x = 1 } # five\n"),
		"operators":       []byte("locals {\n  x = a == b && c != d || !e ? f >= g : h <= i => j\n  y = [for k, v in m : k => v...]\n  z = x[*].y.0\n}\n"),
		"objects":         []byte("locals {\n  x = { a = { b = { c = [1, 2.5, -3e4] } } }\n}\n"),
		"unicode":         []byte("locals {\n  x = \"日本語 ünïcödé ${naïve}\"\n  ümlaut = 1\n}\n"),
		"a long bio":      []byte("user \"a\" {\n  bio = \"" + strings.Repeat("Ça va ? 日本語 — très bien. ", 200) + "\"\n}\n"),
		"dollars":         []byte("user \"a\" {\n  password_hash = \"$pbkdf2-sha512$160000$c2FsdA$aGFzaA\"\n  x = \"100% ${a}%{b}\\\"\n}\n"),
		"unterminated":    []byte("locals {\n  x = \"abc\n  y = ${\n"),
		"template braces": []byte("locals {\n  x = \"${ {a = 1}.a }${ {b = {c = 2}}.b.c }\"\n}\n"),
	}
	var files []string
	for _, pattern := range []string{"testdata/*/*.hcl", "testdata/*/*/*.hcl", "../examples/*.hcl", "../internal/cli/testdata/script/*.txtar"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[f] = b
	}
	return out
}

// TestCountTokensIsAnUpperBound: countTokens never counts fewer tokens
// than HCL's lexer makes, on any source, or any prefix of one (a file cut
// anywhere), so that a source it lets through lexes within the limit; and
// it counts no more than twice as many plus a few, so that no real
// configuration is refused.
func TestCountTokensIsAnUpperBound(t *testing.T) {
	for name, src := range tokenSources(t) {
		for cut := len(src); cut >= 0; cut -= max(1, len(src)/7) {
			part := src[:cut]
			toks, _ := hclsyntax.LexConfig(part, name, hcl.InitialPos)
			lexed := len(toks) - 1 // the lexer ends with an EOF token
			got := countTokens(part, false, 1<<30)
			if got < lexed {
				t.Errorf("%s[:%d]: counted %d tokens, the lexer made %d", name, cut, got, lexed)
			}
			if got > 2*lexed+10 {
				t.Errorf("%s[:%d]: counted %d tokens, more than twice the lexer's %d", name, cut, got, lexed)
			}
		}
	}
	tmpl := []byte("Hello ${name}!\n%{ for x in xs }${x}, %{ endfor }\n$${not} and %%{not}\n")
	toks, _ := hclsyntax.LexTemplate(tmpl, "t.tpl", hcl.InitialPos)
	if got := countTokens(tmpl, true, 1<<30); got < len(toks)-1 {
		t.Errorf("a template: counted %d tokens, the lexer made %d", got, len(toks)-1)
	}
}

// TestCountTokensStops: counting stops past the limit, so a hostile source
// costs no more than the limit's worth of work.
func TestCountTokensStops(t *testing.T) {
	src := []byte(strings.Repeat("1,", 1<<20))
	if got := countTokens(src, false, 1000); got != 1001 {
		t.Errorf("counted %d, want to stop at 1001", got)
	}
}

// FuzzCountTokens checks the bound on any input: go test -fuzz
// FuzzCountTokens ./schema/ looks for a source HCL lexes into more tokens
// than countTokens counts.
func FuzzCountTokens(f *testing.F) {
	for _, src := range []string{"x = \"a$b\\\"c ${d}\"\n", "x = <<-EOT\n  ${a}\n  EOT\n", "/* a */ # b\n// c\n", "x = [1, 2.5e3, -a.b[0]]\n",
		"x = \"日本\"\n", "x = {a = \"%%{\" }\n"} {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		if !utf8.Valid(src) {
			t.Skip("roster refuses a source that is not UTF-8 before counting")
		}
		toks, _ := hclsyntax.LexConfig(src, "f.hcl", hcl.InitialPos)
		if got := countTokens(src, false, 1<<30); got < len(toks)-1 {
			t.Errorf("counted %d tokens of %q, the lexer made %d", got, src, len(toks)-1)
		}
		toks, _ = hclsyntax.LexTemplate(src, "f.tpl", hcl.InitialPos)
		if got := countTokens(src, true, 1<<30); got < len(toks)-1 {
			t.Errorf("counted %d tokens of the template %q, the lexer made %d", got, src, len(toks)-1)
		}
	})
}

// TestTokenBudget: a configuration's *.hcl files and templates together hold
// at most MaxTokens tokens, counted before HCL lexes anything: a file of
// "1," far past the budget is refused with one diagnostic at its first
// line, without the gigabytes lexing it would take; two files that each fit
// but not together are refused at the second; a template counts too; a file
// that is not UTF-8 is refused; and a roster of 100,000 users written as
// blocks of four attributes stays within the budget.
func TestTokenBudget(t *testing.T) {
	const budget = 10_000 // for all but the first case, to keep the test quick
	half := "locals {\n  x = [" + strings.Repeat("1,", budget/4+10) + "]\n}\n"
	for name, tc := range map[string]struct {
		budget int
		files  map[string]string
	}{
		"one file far past MaxTokens": {MaxTokens, map[string]string{"a.hcl": "locals {\n  x = [" + strings.Repeat("1,", 4*MaxTokens) + "]\n}\n"}},
		"two files":                   {budget, map[string]string{"a.hcl": half, "b.hcl": strings.Replace(half, "x =", "y =", 1)}},
		"a template": {budget, map[string]string{"a.hcl": half + "locals {\n  t = templatefile(\"t.tpl\", {})\n}\n",
			"t.tpl": strings.Repeat("${1}", budget/4)}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			for n, src := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, n), []byte(src), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, diags := load(dir, Inputs{}, tc.budget)
			runtime.ReadMemStats(&after)
			found := false
			for _, d := range diags {
				found = found || strings.Contains(d.Summary+d.Detail, "tokens")
			}
			if !found {
				t.Errorf("no diagnostic about tokens: %v", diags)
			}
			// Reading the 40 MB file is all it costs; lexing it would take
			// gigabytes.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
				t.Errorf("loading allocated %d MB", alloc>>20)
			}
		})
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.hcl"), []byte(half), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, diags := load(dir, Inputs{}, budget); diags.HasErrors() {
		t.Errorf("half the budget in one file: %v", diags)
	}
	if err := os.WriteFile(filepath.Join(dir, "a.hcl"), []byte("user \"a\" {\n  bio = \"\xff\"\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, diags := Load(dir, Inputs{}); !diags.HasErrors() || diags[0].Summary != "Invalid UTF-8" {
		t.Errorf("a file that is not UTF-8: %v", diags)
	}
	var roster strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&roster, "user \"user%06d\" {\n  email = \"user%06d@example.org\"\n  name  = \"User Number %d\"\n  tags  = [\"staff\", \"team-%d\"]\n  admin = false\n}\n\n", i, i, i, i%50)
	}
	if n := countTokens([]byte(roster.String()), false, MaxTokens); n*100 > MaxTokens*4/5 {
		t.Errorf("1,000 users count %d tokens: 100,000 would take %d, too close to MaxTokens", n, n*100)
	}
}
