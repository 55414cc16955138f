package schema_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-project/roster/schema"
)

// TestNestingRefused feeds Load sources nested past the depth at which
// HCL's parser or evaluator overflows Go's stack (measured: 60,000 [,
// 49,000 "${, 236,000 !, 520,000 ?:, 424,000 +, 248,000 %{ if }, 158,000
// blocks) and expects one short diagnostic at the place, not a crash.
func TestNestingRefused(t *testing.T) {
	r := strings.Repeat
	tests := map[string]struct {
		files   map[string]string
		varFile string
		summary string
		file    string
		line    int
	}{
		"60,000 [": {files: map[string]string{"main.hcl": "user \"a\" {\n  tags = " + r("[", 60_000) + "\n}\n"},
			summary: "Nesting too deep", file: "main.hcl", line: 2},
		"8,000-deep ${": {files: map[string]string{"main.hcl": "user \"a\" {\n  bio = " + r(`"${`, 8_000) + "x" + r(`}"`, 8_000) + "\n}\n"},
			summary: "Nesting too deep", file: "main.hcl", line: 2},
		"250,000 !": {files: map[string]string{"main.hcl": "user \"a\" {\n  admin = " + r("!", 250_000) + "true\n}\n"},
			summary: "Nesting too deep", file: "main.hcl", line: 2},
		"250,000 -": {files: map[string]string{"main.hcl": "server {\n  name_length = " + r("-", 250_000) + "1\n}\n"},
			summary: "Nesting too deep", file: "main.hcl", line: 2},
		"530,000 ?:": {files: map[string]string{"main.hcl": "user \"a\" {\n  admin = " + r("true ? true : ", 530_000) + "true\n}\n"},
			summary: "Nesting too deep", file: "main.hcl", line: 2},
		"500,000 +": {files: map[string]string{"main.hcl": "server {\n  name_length = " + r("1 + ", 500_000) + "1\n}\n"},
			summary: "Nesting too deep", file: "main.hcl", line: 2},
		"index chain": {files: map[string]string{"main.hcl": "locals {\n  i = 0\n  x = [[1]]" + r("[local.i]", 10_000) + "\n}\n"},
			summary: "Nesting too deep", file: "main.hcl", line: 3},
		"160,000 blocks": {files: map[string]string{"main.hcl": "user \"a\" {\n" + r("lifecycle {\n", 160_000)},
			summary: "Nesting too deep", file: "main.hcl", line: 128},
		"430,000 %{ if } in a heredoc": {files: map[string]string{"main.hcl": "user \"a\" {\n  bio = <<EOT\n" + r("%{ if true }", 430_000) + "\nEOT\n}\n"},
			summary: "Nesting too deep", file: "main.hcl", line: 3},
		"templatefile": {files: map[string]string{"main.hcl": "user \"a\" {\n  bio = templatefile(\"deep.tpl\", {})\n}\n",
			"deep.tpl": r("%{ if true }", 250_000)},
			summary: "Error in function call", file: "main.hcl", line: 2},
		"jsondecode(file())": {files: map[string]string{"main.hcl": "user \"a\" {\n  tags = jsondecode(file(\"deep.json\"))\n}\n",
			"deep.json": r("[", 1_000_000) + r("]", 1_000_000)},
			summary: "Invalid function argument", file: "main.hcl", line: 2},
		"variables file": {files: map[string]string{"main.hcl": "variable \"v\" {}\n", "deep.vars": "v = " + r("[", 60_000)},
			varFile: "deep.vars", summary: "Nesting too deep", file: "deep.vars", line: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, t.TempDir(), tc.files)
			in := schema.Inputs{Partial: true}
			want := tc.file
			if tc.varFile != "" {
				in.VarFiles = []string{filepath.Join(dir, tc.varFile)}
				want = in.VarFiles[0]
			}
			cfg, diags := schema.Load(dir, in)
			errs := errorsOf(diags)
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1:\n%s", len(errs), diagList(diags))
			}
			if k := keyOf(errs[0]); k != (diagKey{want, tc.line, tc.summary}) {
				t.Errorf("error %s, want %s:%d: %s", k, want, tc.line, tc.summary)
			}
			if out := rendered(t, cfg, diags); len(out) > 4096 {
				t.Errorf("the diagnostics render to %d bytes:\n%.2000s", len(out), out)
			}
			if cfg != nil && cfg.Files[tc.file] != nil && errs[0].Summary == "Nesting too deep" {
				t.Errorf("%s was refused, yet its source is kept for snippets", tc.file)
			}
		})
	}
}

// TestNestingLimit: MaxNesting levels pass, one more does not, whatever
// counts as a level; separators end the depth an operator chain adds.
func TestNestingLimit(t *testing.T) {
	r := strings.Repeat
	n := schema.MaxNesting
	tests := map[string]struct {
		src  string
		deep bool
	}{
		"brackets at the limit":        {"x = " + r("[", n) + r("]", n) + "\n", false},
		"brackets past it":             {"x = " + r("[", n+1) + r("]", n+1) + "\n", true},
		"parentheses past it":          {"x = " + r("(", n+1) + "1" + r(")", n+1) + "\n", true},
		"interpolations at the limit":  {"x = " + r(`"${`, n/2) + "1" + r(`}"`, n/2) + "\n", false},
		"interpolations past it":       {"x = " + r(`"${`, n/2+1) + "1" + r(`}"`, n/2+1) + "\n", true},
		"operators at the limit":       {"x = " + r("1 + ", n) + "1\n", false},
		"operators past it":            {"x = " + r("1 + ", n+1) + "1\n", true},
		"operators inside parentheses": {"x = (" + r("1 +\n", n) + "1)\n", true},
		"a chain per element":          {"x = [" + r(r("1 + ", n-1)+"1, ", 3) + "]\n", false},
		"a chain per line":             {r("x = "+r("1 + ", n-1)+"1\n", 3), false},
		"a chain per commented line":   {r("x = "+r("1 + ", n-1)+"1 # note\n", 3), false},
		"many interpolations":          {"x = \"" + r("${a}", 10*n) + "\"\n", false},
		"many directives in a row":     {"x = <<EOT\n" + r("%{ if a }b%{ endif }", 10*n) + "\nEOT\n", false},
		"directives nested past it":    {"x = <<EOT\n" + r("%{ if a }", n) + "\nEOT\n", true},
		"an index chain past it":       {"x = y" + r("[z]", n+1) + "\n", true},
		"a closer that does not match": {"x = " + r("[)", n+1) + "\n", true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			diags := schema.CheckNesting([]byte(tc.src), "x.hcl")
			if got := diags.HasErrors(); got != tc.deep || len(diags) > 1 {
				t.Errorf("CheckNesting: %d diagnostics, want %d", len(diags), map[bool]int{true: 1}[tc.deep])
			}
		})
	}
}

// TestNestingAcrossNewlines: HCL reads an expression on past a newline in
// a { for … } expression, in brackets and parentheses, and after an
// operator, so a chain split across lines counts as deep as on one line.
func TestNestingAcrossNewlines(t *testing.T) {
	chain := strings.Repeat("!\n", schema.MaxNesting+10) + "true"
	for name, src := range map[string]string{
		"for object": "locals {\n  x = {for k in [1] : k => " + chain + "}\n}\n",
		"for tuple":  "locals {\n  x = [for k in [1] :\n " + chain + "]\n}\n",
		"brackets":   "locals {\n  x = [" + chain + "]\n}\n",
		"parens":     "locals {\n  x = (" + chain + ")\n}\n",
		"after +":    "locals {\n  x = " + strings.Repeat("1 +\n", schema.MaxNesting+10) + "1\n}\n",
	} {
		t.Run(name, func(t *testing.T) {
			if diags := schema.CheckNesting([]byte(src), "x.hcl"); !diags.HasErrors() || diags[0].Summary != "Nesting too deep" {
				t.Errorf("diagnostics %v, want Nesting too deep", diags)
			}
		})
	}
	// A block's attributes and an object's items, one per line, do not add
	// up.
	var many strings.Builder
	many.WriteString("locals {\n  o = {\n")
	for i := range 2 * schema.MaxNesting {
		fmt.Fprintf(&many, "    k%d = !true\n", i)
	}
	many.WriteString("  }\n}\n")
	if diags := schema.CheckNesting([]byte(many.String()), "x.hcl"); diags.HasErrors() {
		t.Errorf("an object of %d items: %v", 2*schema.MaxNesting, diags)
	}
}
