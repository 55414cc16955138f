package view

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/mitchellh/go-wordwrap"
)

// What one rendering of diagnostics shows at most: a hostile configuration
// can make thousands of diagnostics, or hold a line of megabytes, and a CI
// log must stay readable (and small).
const (
	// maxDiagnostics is how many diagnostics are shown, in the order given;
	// the rest are counted.
	maxDiagnostics = 100
	// maxSummary and maxDetail are the most runes of a diagnostic's
	// summary and detail shown.
	maxSummary = 200
	maxDetail  = 4000
)

// Diagnostics renders diagnostics in Terraform's grammar: the severity and
// summary, the file and line, the source line with the offending range
// underlined (with colour) or marked with ^^^ beneath it (without, so that
// CI logs still show where), then the detail wrapped at 78 columns.
//
// It shows the first 100 diagnostics and then counts the others; it cuts a
// source line to 120 runes around the range it marks, a summary to 200
// runes and a detail to 4,000.
func Diagnostics(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File, s Style) {
	src := newSources(files)
	shown := diags[:min(len(diags), maxDiagnostics)]
	for _, d := range shown {
		diagnostic(w, d, src, s)
	}
	if errs, warns := count(diags[len(shown):]); errs+warns > 0 {
		fmt.Fprintf(w, "\n… and %s: fix the ones above and run again.\n", leftOut(errs, warns, "more "))
	}
}

// count counts the errors and the warnings among diags.
func count(diags hcl.Diagnostics) (errs, warns int) {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			errs++
		} else {
			warns++
		}
	}
	return errs, warns
}

// leftOut says how many errors and warnings were left out: "2,345 more
// errors and 1 more warning".
func leftOut(errs, warns int, more string) string {
	var parts []string
	if errs > 0 {
		parts = append(parts, counted(errs, more+"error"))
	}
	if warns > 0 {
		parts = append(parts, counted(warns, more+"warning"))
	}
	return strings.Join(parts, " and ")
}

// counted is "1 error", "2,345 errors".
func counted(n int, what string) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	if n != 1 {
		what += "s"
	}
	return s + " " + what
}

func diagnostic(w io.Writer, d *hcl.Diagnostic, src *sources, s Style) {
	fmt.Fprintln(w)
	summary := clip(d.Summary, maxSummary)
	if d.Severity == hcl.DiagError {
		fmt.Fprintf(w, "%s %s\n", s.Red(s.Bold("Error:")), s.Bold(summary))
	} else {
		fmt.Fprintf(w, "%s %s\n", s.Yellow(s.Bold("Warning:")), s.Bold(summary))
	}
	if d.Subject != nil {
		snippet(w, *d.Subject, src, s)
	}
	if d.Detail != "" {
		fmt.Fprintln(w)
		for _, para := range strings.Split(clipDetail(d.Detail), "\n") {
			fmt.Fprintln(w, wordwrap.WrapString(para, 78))
		}
	}
}

func snippet(w io.Writer, r hcl.Range, src *sources, s Style) {
	fmt.Fprintln(w)
	ctx := ""
	if f := src.files[r.Filename]; f != nil {
		if b := f.OutermostBlockAtPos(r.Start); b != nil && b.DefRange.Start.Line != r.Start.Line {
			ctx = ", in " + blockHeader(f.Bytes, b.DefRange)
		}
	}
	fmt.Fprintf(w, "  on %s line %d%s:\n", Visible(r.Filename), r.Start.Line, ctx)
	line, start, ok := src.line(r.Filename, r.Start.Line)
	if !ok {
		return
	}
	num := fmt.Sprintf("%4d: ", r.Start.Line)
	if src.hidden(r.Filename, r.Start.Line, line) {
		fmt.Fprintf(w, "%s(source line not shown: it may hold a secret)\n", num)
		return
	}
	l := showLine(line, r.Start.Byte-start, highlightEnd(r, start, len(line)))
	text, from, to := l.text, l.from, l.to
	if s.Color {
		fmt.Fprintf(w, "%s%s%s%s\n", num, text[:from], s.Underline(text[from:to]), text[to:])
		return
	}
	fmt.Fprintf(w, "%s%s\n", num, text)
	if to > from {
		pad := strings.Map(func(r rune) rune {
			if r == '\t' {
				return '\t'
			}
			return ' '
		}, text[:from])
		fmt.Fprintf(w, "%s%s%s\n", strings.Repeat(" ", len(num)), pad, strings.Repeat("^", utf8.RuneCountInString(text[from:to])))
	}
}

// highlightEnd is where the range r ends on the line that starts at byte
// start and is n bytes long: the end of the line when r goes on past it.
func highlightEnd(r hcl.Range, start, n int) int {
	if r.End.Line != r.Start.Line {
		return n
	}
	return r.End.Byte - start
}

// blockHeader is the header of the block at r ("user "alice""), as a
// snippet shows a source line: cut to snippetWidth runes, with U+FFFD for a
// control character.
func blockHeader(src []byte, r hcl.Range) string {
	if r.End.Byte > len(src) || r.Start.Byte < 0 || r.Start.Byte > r.End.Byte {
		return ""
	}
	h := bytes.TrimSpace(bytes.TrimSuffix(bytes.TrimSpace(src[r.Start.Byte:r.End.Byte]), []byte("{")))
	return showLine(h, 0, 0).text
}

// clip cuts s to at most n runes, the last of them … when it cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return s[:byteOfRune(s, n-1)] + "…"
}

// clipDetail cuts a detail longer than maxDetail runes in its middle,
// keeping its start and its end (which often says what to do), each cut at
// a line when one is near, and says how much it left out.
func clipDetail(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= maxDetail {
		return s
	}
	headRunes, tailRunes := maxDetail*3/4, maxDetail/4
	head := s[:byteOfRune(s, headRunes)]
	tail := s[byteOfRune(s, n-tailRunes):]
	if i := strings.LastIndexByte(head, '\n'); i > len(head)/2 {
		head = head[:i]
	}
	if i := strings.IndexByte(tail, '\n'); i >= 0 && i < len(tail)/2 {
		tail = tail[i+1:]
	}
	left := n - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail)
	return fmt.Sprintf("%s\n[… %s left out …]\n%s", head, counted(left, "character"), tail)
}

// byteOfRune is the byte offset of rune i of s.
func byteOfRune(s string, i int) int {
	for off := range s {
		if i == 0 {
			return off
		}
		i--
	}
	return len(s)
}
