package view

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/mitchellh/go-wordwrap"
)

// Diagnostics renders diagnostics in Terraform's grammar: the severity and
// summary, the file and line, the source line with the offending range
// underlined (with colour) or marked with ^^^ beneath it (without, so that
// CI logs still show where), then the detail wrapped at 78 columns.
func Diagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, s Style) {
	for _, d := range diags {
		diagnostic(w, d, files, s)
	}
}

func diagnostic(w io.Writer, d *hcl.Diagnostic, files map[string]*hcl.File, s Style) {
	fmt.Fprintln(w)
	if d.Severity == hcl.DiagError {
		fmt.Fprintf(w, "%s %s\n", s.Red(s.Bold("Error:")), s.Bold(d.Summary))
	} else {
		fmt.Fprintf(w, "%s %s\n", s.Yellow(s.Bold("Warning:")), s.Bold(d.Summary))
	}
	if d.Subject != nil {
		snippet(w, d, files, s)
	}
	if d.Detail != "" {
		fmt.Fprintln(w)
		for _, para := range strings.Split(d.Detail, "\n") {
			fmt.Fprintln(w, wordwrap.WrapString(para, 78))
		}
	}
}

func snippet(w io.Writer, d *hcl.Diagnostic, files map[string]*hcl.File, s Style) {
	r := *d.Subject
	fmt.Fprintln(w)
	ctx := ""
	if f := files[r.Filename]; f != nil {
		if b := f.OutermostBlockAtPos(r.Start); b != nil && b.DefRange.Start.Line != r.Start.Line {
			ctx = ", in " + blockHeader(f.Bytes, b.DefRange)
		}
	}
	fmt.Fprintf(w, "  on %s line %d%s:\n", r.Filename, r.Start.Line, ctx)
	f := files[r.Filename]
	if f == nil {
		return
	}
	line, start := sourceLine(f.Bytes, r.Start.Line)
	if line == "" && start < 0 {
		return
	}
	from := min(max(r.Start.Byte-start, 0), len(line))
	to := len(line)
	if r.End.Line == r.Start.Line {
		to = min(max(r.End.Byte-start, from), len(line))
	}
	num := fmt.Sprintf("%4d: ", r.Start.Line)
	if secretLine.MatchString(line) || inSecretAttribute(f, r.Start.Line) {
		fmt.Fprintf(w, "%s(source line not shown: it may hold a secret)\n", num)
		return
	}
	if s.Color {
		fmt.Fprintf(w, "%s%s%s%s\n", num, line[:from], s.Underline(line[from:to]), line[to:])
		return
	}
	fmt.Fprintf(w, "%s%s\n", num, line)
	if to > from {
		pad := strings.Map(func(r rune) rune {
			if r == '\t' {
				return '\t'
			}
			return ' '
		}, line[:from])
		fmt.Fprintf(w, "%s%s%s\n", strings.Repeat(" ", len(num)), pad, strings.Repeat("^", len([]rune(line[from:to]))))
	}
}

// secretAttributes are the attributes whose value is a secret; a source
// line inside one, or one that sets one (also in a one-line block, or in a
// file that did not parse), is never printed.
var secretAttributes = map[string]bool{"password": true, "initial_password": true, "password_hash": true, "token": true, "invite_secret": true}

var secretLine = regexp.MustCompile(`\b(password|initial_password|password_hash|token|invite_secret)\s*=`)

// inSecretAttribute reports whether line falls within a secret attribute
// of the parsed file.
func inSecretAttribute(f *hcl.File, line int) bool {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return false
	}
	var walk func(b *hclsyntax.Body) bool
	walk = func(b *hclsyntax.Body) bool {
		for name, a := range b.Attributes {
			if secretAttributes[name] && a.SrcRange.Start.Line <= line && line <= a.SrcRange.End.Line {
				return true
			}
		}
		for _, blk := range b.Blocks {
			if walk(blk.Body) {
				return true
			}
		}
		return false
	}
	return walk(body)
}

func blockHeader(src []byte, r hcl.Range) string {
	if r.End.Byte > len(src) || r.Start.Byte > r.End.Byte {
		return ""
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(string(src[r.Start.Byte:r.End.Byte])), "{"))
}

// sourceLine returns line n (1-based) and the byte offset it starts at.
func sourceLine(src []byte, n int) (string, int) {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 0, 64*1024), len(src)+1)
	off := 0
	for i := 1; sc.Scan(); i++ {
		text := sc.Text()
		if i == n {
			return strings.TrimRight(text, "\r"), off
		}
		off += len(text) + 1
	}
	return "", -1
}
