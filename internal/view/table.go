package view

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/apparentlymart/go-textseg/v15/textseg"
	"golang.org/x/text/width"
)

// column is a column of a table.
type column struct {
	Head string
	// Min is the width down to which the column may be cut to fit the
	// terminal, its cells then ending in "…"; 0 means it is never cut.
	Min int
}

// table prints rows in aligned columns, two spaces apart, under a header
// in capitals. It keeps no row: the caller hands it every row twice, first
// to Measure (the columns' widths), then, after Fit and Header, to Row. So
// a listing of 100,000 accounts holds one account at a time.
//
// Cells are sanitized: a control character (a newline, an escape sequence
// in a tag) is printed as its Go escape, so that no value can move the
// cursor or colour the terminal.
type table struct {
	w      io.Writer
	s      Style
	cols   []column
	widths []int
}

// newTable returns a table of the columns, writing to w.
func newTable(w io.Writer, s Style, cols ...column) *table {
	t := &table{w: w, s: s, cols: cols, widths: make([]int, len(cols))}
	for i, c := range cols {
		t.widths[i] = cellWidth(c.Head)
	}
	return t
}

// Measure widens the columns to hold the cells of one row.
func (t *table) Measure(cells ...string) {
	for i, c := range cells {
		if i < len(t.widths) {
			t.widths[i] = max(t.widths[i], cellWidth(sanitize(c)))
		}
	}
}

// Fit narrows the columns that may be cut until a row fits in width
// cells, the widest first; a width of 0 or less leaves them whole. A table
// whose columns cannot be cut enough stays wider than width.
func (t *table) Fit(width int) {
	if width <= 0 {
		return
	}
	total := 2 * (len(t.widths) - 1)
	for _, w := range t.widths {
		total += w
	}
	for ; total > width; total-- {
		widest := -1
		for i, c := range t.cols {
			if c.Min > 0 && t.widths[i] > max(c.Min, cellWidth(c.Head)) && (widest < 0 || t.widths[i] > t.widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			return
		}
		t.widths[widest]--
	}
}

// Header prints the column heads, in bold with colour.
func (t *table) Header() {
	heads := make([]string, len(t.cols))
	for i, c := range t.cols {
		heads[i] = c.Head
	}
	fmt.Fprintln(t.w, t.s.Bold(t.line(heads)))
}

// Row prints one row.
func (t *table) Row(cells ...string) {
	fmt.Fprintln(t.w, t.line(cells))
}

func (t *table) line(cells []string) string {
	var b strings.Builder
	last := len(t.widths) - 1
	for i := range t.widths {
		c := ""
		if i < len(cells) {
			c = cut(sanitize(cells[i]), t.widths[i])
		}
		b.WriteString(c)
		if i < last {
			b.WriteString(strings.Repeat(" ", t.widths[i]-cellWidth(c)+2))
		}
	}
	return strings.TrimRight(b.String(), " ")
}

// sanitize replaces each control or format character with its Go escape
// (\n, \x1b, \u202e): a bidi override or a zero-width character in a tag
// would spoof the table or throw off its columns, and an escape sequence in
// a bio's line or an invite's name would recolour, hide or fake lines of a
// plan in a terminal or a CI log.
func sanitize(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unsafeRune(r) {
			q := fmt.Sprintf("%+q", r) // '\x1b', '\n', '\u0085'
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// cellWidth is how many terminal cells s takes: one per grapheme cluster,
// two for an East Asian wide or fullwidth one (CJK, most emoji).
func cellWidth(s string) int {
	n := 0
	for b := []byte(s); len(b) > 0; {
		adv, g := nextGrapheme(b)
		n += graphemeWidth(g)
		b = b[adv:]
	}
	return n
}

// cut shortens s to at most n cells, ending it in "…" when it was longer.
func cut(s string, n int) string {
	if cellWidth(s) <= n {
		return s
	}
	var out []byte
	used := 0
	for b := []byte(s); len(b) > 0; {
		adv, g := nextGrapheme(b)
		if used+graphemeWidth(g) > n-1 {
			break
		}
		out = append(out, g...)
		used += graphemeWidth(g)
		b = b[adv:]
	}
	return string(out) + "…"
}

func nextGrapheme(b []byte) (int, []byte) {
	adv, g, err := textseg.ScanGraphemeClusters(b, true)
	if err != nil || adv <= 0 {
		_, size := utf8.DecodeRune(b)
		return size, b[:size]
	}
	return adv, g
}

func graphemeWidth(g []byte) int {
	r, _ := utf8.DecodeRune(g)
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// Visible is text that came from outside (a file name, a line of a file)
// with each control or format character but the tab shown as its Go
// escape, as sanitize does: no escape sequence reaches a terminal or a CI
// log.
func Visible(text string) string {
	if strings.IndexFunc(text, func(r rune) bool { return r != '\t' && unsafeRune(r) }) < 0 {
		return text
	}
	var b strings.Builder
	for _, r := range text {
		if r != '\t' && unsafeRune(r) {
			q := fmt.Sprintf("%+q", r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// unsafeRune reports a control (Cc) or format (Cf) character.
func unsafeRune(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }
