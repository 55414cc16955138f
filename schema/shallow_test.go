package schema

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// shallowSources are sources near any limit: chains of operators, brackets
// and strings, on one line and across lines, with comments, escapes and
// what shallow leaves to the lexer.
func shallowSources() map[string]string {
	r := strings.Repeat
	return map[string]string{
		"a chain":             "x = " + r("1 + ", 40) + "1\n",
		"a chain per line":    r("x = "+r("!", 30)+"true\n", 4),
		"across lines":        "x = " + r("1 +\n", 40) + "1\n",
		"comment after +":     "x = 1 + # more\n" + r("2 - // and more\n", 20) + "3\n",
		"brackets":            "x = " + r("[", 30) + r("]", 30) + "\n",
		"mixed":               "x = [(" + r("a * (b / c) % d == e != f <= g >= h && i || j ? k : l\n", 5) + ")]\n",
		"blocks":              r("user \"a\" {\n  name = \"A\"\n  tags = [\"x\", \"y\"]\n  admin = !false\n}\n", 20),
		"nested blocks":       r("a {\n", 30) + r("}\n", 30),
		"objects":             "x = " + r("{ a = ", 25) + "1" + r(" }", 25) + "\n",
		"for":                 "x = {for k, v in m : k => " + r("-", 30) + "v}\n",
		"escapes":             r("x = \"a\\\"b\\\\ $${c} %%{d} $$ 100% \\n\"\n", 10),
		"interpolation":       "x = \"" + r("${a}", 30) + "\"\n",
		"heredoc":             "x = <<EOT\n" + r("%{ if a }", 30) + "\nEOT\n",
		"block comment":       "/* " + r("(", 30) + " */\nx = 1\n",
		"mismatched":          "x = " + r("[)", 30) + "\n",
		"unterminated string": "x = \"abc\ny = [[[[\n",
		"crlf":                r("x = [1,\r\n 2]\r\n", 20),
		"unicode":             r("x = \"日本語 — ü\" # ça\n", 20),
		"minus in names":      r("a-b-c = x-y-z\n", 20),
		"newline in brackets": "x = [\n" + r("  1 +\n  2,\n", 20) + "]\n",
		"a lone closer":       "}\n" + r("x = (1)\n", 10),
	}
}

// TestShallowIsAnUpperBound: shallow never clears a source that tooDeep
// finds deeper than the limit, for limits from none to past the sources'
// depth, on the sources above and the ones countTokens is tested on, and
// on every prefix of them; and it clears the configurations people write
// (the repository's examples and test files, a roster of user blocks), so
// that they are lexed once.
func TestShallowIsAnUpperBound(t *testing.T) {
	srcs := map[string][]byte{}
	for name, src := range shallowSources() {
		srcs[name] = []byte(src)
	}
	for name, src := range tokenSources(t) {
		srcs[name] = src
	}
	for name, src := range srcs {
		for cut := len(src); cut >= 0; cut -= max(1, len(src)/11) {
			part := src[:cut]
			if !utf8.Valid(part) {
				continue
			}
			toks, _ := hclsyntax.LexConfig(part, name, hcl.InitialPos)
			for limit := range 64 {
				if _, deep := tooDeepAt(toks, limit); deep && shallow(part, limit) {
					t.Fatalf("%s[:%d]: shallow clears it at a limit of %d; tooDeep finds it deeper", name, cut, limit)
				}
			}
		}
	}
	var roster strings.Builder
	for range 1000 {
		roster.WriteString("\nuser \"Alice-5\" {\n  email     = \"alice-5@example.org\"\n  name      = \"Alice (moved) 🌱\"\n" +
			"  bio       = \"Tea > coffee & <3\\nLinks in my \\\"profile fields\\\".\"\n  admin     = false\n  tags      = [\"mrf_tag:sandbox\", \"staff\"]\n}\n")
	}
	for name, src := range map[string]string{"a roster": roster.String(), "blocks": shallowSources()["blocks"]} {
		if !shallow([]byte(src), MaxNesting) {
			t.Errorf("%s: not cleared, so lexed twice", name)
		}
	}
}

// FuzzShallow checks the bound on any input: go test -fuzz FuzzShallow
// ./schema/ looks for a source that shallow clears at some limit and
// tooDeep finds deeper.
func FuzzShallow(f *testing.F) {
	for _, src := range shallowSources() {
		f.Add([]byte(src), 8)
	}
	f.Fuzz(func(t *testing.T, src []byte, limit int) {
		if !utf8.Valid(src) || limit < 0 || limit > 200 {
			t.Skip()
		}
		toks, _ := hclsyntax.LexConfig(src, "f.hcl", hcl.InitialPos)
		if _, deep := tooDeepAt(toks, limit); deep && shallow(src, limit) {
			t.Errorf("shallow clears %q at a limit of %d; tooDeep finds it deeper", src, limit)
		}
	})
}
