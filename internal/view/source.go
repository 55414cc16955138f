package view

import (
	"bytes"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// snippetWidth is the most runes of a source line a snippet shows, the
// ellipses included: a longer line is cut to a window around the range it
// highlights.
const snippetWidth = 120

// highlightLead is how many runes before a highlighted range too long for
// the window the window still shows.
const highlightLead = 16

// sources finds the source lines that the diagnostics of one rendering
// point at. It remembers where the last line it found in each file starts,
// so that diagnostics in source order cost one pass over a file between
// them, and whether each line it was asked about may hold a secret, so that
// many diagnostics on one long line scan it once.
type sources struct {
	files map[string]*hcl.File
	last  map[string]lineAt
	hide  map[lineKey]bool
}

// lineAt is where line n of a file starts, and where it ends (before its
// newline) once found.
type lineAt struct{ n, off, end int }

type lineKey struct {
	file string
	n    int
}

func newSources(files map[string]*hcl.File) *sources {
	return &sources{files: files, last: map[string]lineAt{}, hide: map[lineKey]bool{}}
}

// line returns line n (1-based) of the named file, without its line ending,
// and the byte offset it starts at; ok is false when there is no such file
// or line (the end of a file that ends in a newline starts none).
func (s *sources) line(name string, n int) (line []byte, start int, ok bool) {
	f := s.files[name]
	if f == nil || n < 1 {
		return nil, 0, false
	}
	at := lineAt{1, 0, -1}
	if last, found := s.last[name]; found && last.n <= n {
		at = last
	}
	src := f.Bytes
	for at.n < n {
		i := bytes.IndexByte(src[at.off:], '\n')
		if i < 0 {
			return nil, 0, false
		}
		at = lineAt{at.n + 1, at.off + i + 1, -1}
	}
	if at.off >= len(src) {
		return nil, 0, false // after the last newline: no line
	}
	if at.end < 0 {
		at.end = len(src)
		if i := bytes.IndexByte(src[at.off:], '\n'); i >= 0 {
			at.end = at.off + i
		}
	}
	s.last[name] = at
	return bytes.TrimSuffix(src[at.off:at.end], []byte("\r")), at.off, true
}

// hidden reports whether line n of the named file may hold a secret, and
// so is never shown: it sets a secret attribute, or lies within the value
// of one.
func (s *sources) hidden(name string, n int, line []byte) bool {
	k := lineKey{name, n}
	if h, ok := s.hide[k]; ok {
		return h
	}
	h := mayHoldSecret(line) || inSecretAttribute(s.files[name], n)
	s.hide[k] = h
	return h
}

// secretAttributes are the attributes whose value is a secret; a source
// line inside one, or one that sets one (also in a one-line block, or in a
// file that did not parse), is never printed.
var secretAttributes = map[string]bool{"password": true, "initial_password": true, "password_hash": true, "token": true, "invite_secret": true}

// mayHoldSecret reports whether line sets a secret attribute: one of
// secretAttributes as a whole word, then "=" after optional spaces. It
// matches what the regular expression
// \b(password|initial_password|password_hash|token|invite_secret)\s*=
// matches, in time linear in the line's length.
func mayHoldSecret(line []byte) bool {
	for name := range secretAttributes {
		for i := 0; i < len(line); {
			j := bytes.Index(line[i:], []byte(name))
			if j < 0 {
				break
			}
			j += i
			if (j == 0 || !isWordByte(line[j-1])) && assigns(line[j+len(name):]) {
				return true
			}
			i = j + 1
		}
	}
	return false
}

// assigns reports whether b starts with "=" after optional spaces (\s in
// a regular expression: tab, newline, form feed, carriage return, space).
func assigns(b []byte) bool {
	for _, c := range b {
		switch c {
		case '\t', '\n', '\f', '\r', ' ':
			continue
		case '=':
			return true
		}
		return false
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

// inSecretAttribute reports whether line falls within a secret attribute
// of the parsed file.
func inSecretAttribute(f *hcl.File, line int) bool {
	if f == nil {
		return false
	}
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

// shownLine is a source line as a snippet shows it.
type shownLine struct {
	// text is at most snippetWidth runes of the line, with … where it was
	// cut and U+FFFD for a control character (other than a tab) or a byte
	// that is not UTF-8.
	text string
	// from and to are the highlighted range, as byte offsets into text.
	from, to int
}

// showLine cuts line to at most snippetWidth runes around the range
// [from, to) it highlights (byte offsets into line; to past the end
// highlights to the end of the line), so that the range stays visible. It
// reads at most about snippetWidth runes on either side of from, however
// long the line.
func showLine(line []byte, from, to int) shownLine {
	from = runeStart(line, min(max(from, 0), len(line)))
	to = runeStart(line, min(max(to, from), len(line)))
	// The neighbourhood of from: snippetWidth runes either side, enough for
	// any window that holds from.
	start := from
	for i := 0; i < snippetWidth && start > 0; i++ {
		_, size := utf8.DecodeLastRune(line[:start])
		start -= size
	}
	start = runeStart(line, start)
	end := from
	for i := 0; i < snippetWidth && end < len(line); i++ {
		_, size := utf8.DecodeRune(line[end:])
		end += size
	}
	// Decoded in pieces cut at rune starts, the pieces decode as the whole
	// line would.
	before := []rune(string(line[start:from]))
	rs := append(before, []rune(string(line[from:end]))...)
	hf := len(before)
	ht := hf + utf8.RuneCount(line[from:min(to, end)])
	moreBefore, moreAfter := start > 0, end < len(line)
	s, e := window(len(rs), hf, ht, moreBefore, moreAfter)

	var b strings.Builder
	if s > 0 || moreBefore {
		b.WriteString("…")
	}
	out := shownLine{from: -1}
	for i := s; i < e; i++ {
		if i == hf {
			out.from = b.Len()
		}
		if i == ht {
			out.to = b.Len()
		}
		r := rs[i]
		if r != '\t' && unicode.IsControl(r) {
			r = utf8.RuneError
		}
		b.WriteRune(r)
	}
	if out.from < 0 {
		out.from = b.Len()
	}
	if ht >= e {
		out.to = b.Len()
	}
	if e < len(rs) || moreAfter {
		b.WriteString("…")
	}
	out.text = b.String()
	return out
}

// window chooses the runes [s, e) of n runes that a snippet shows, so that
// with an ellipsis on each side that is cut (also the sides beyond the n
// runes, when more says there are more) it takes at most snippetWidth runes
// and shows the range [hf, ht): centred when it fits, else its start after
// highlightLead runes of what comes before it.
func window(n, hf, ht int, moreBefore, moreAfter bool) (s, e int) {
	if !moreBefore && !moreAfter && n <= snippetWidth {
		return 0, n
	}
	avail := snippetWidth - 2
	if hl := ht - hf; hl <= avail {
		s = hf - (avail-hl)/2
	} else {
		s = hf - min(hf, highlightLead)
	}
	s = min(max(s, 0), max(n-avail, 0))
	e = min(n, s+avail)
	if s == 0 && !moreBefore {
		e = min(n, e+1) // no ellipsis before: room for one more rune
	}
	if e == n && !moreAfter {
		s = max(0, s-1) // none after
	}
	return s, e
}

// runeStart moves i back to the start of the UTF-8 sequence it falls in.
func runeStart(b []byte, i int) int {
	for j := 0; j < utf8.UTFMax-1 && i > 0 && i < len(b) && !utf8.RuneStart(b[i]); j++ {
		i--
	}
	return i
}
