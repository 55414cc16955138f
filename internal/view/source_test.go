package view

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
)

// TestShowLineKeepsTheHighlight cuts lines of one-, two-, three- and
// four-byte runes, tabs, control characters and bytes that are not UTF-8
// around every rune in turn: the cut line is valid UTF-8 of at most
// snippetWidth runes, and the highlight offsets fall on the rune
// highlighted.
func TestShowLineKeepsTheHighlight(t *testing.T) {
	pieces := []string{"a", "é", "日", "😀", "\t", "\x1b", "\xff", "\xe2\x82"}
	for _, n := range []int{0, 1, snippetWidth - 1, snippetWidth, snippetWidth + 1, 3 * snippetWidth} {
		rng := rand.New(rand.NewPCG(uint64(n), 1))
		var b strings.Builder
		var starts []int // where each piece starts
		for range n {
			starts = append(starts, b.Len())
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		line := []byte(b.String())
		starts = append(starts, len(line))
		for i := 0; i+1 < len(starts); i++ {
			from, to := starts[i], starts[i+1]
			got := showLine(line, from, to)
			checkShown(t, line, from, to, got)
			want := string(line[from:to])
			if h := got.text[got.from:got.to]; h != want && !(h == strings.Repeat("\uFFFD", utf8.RuneCountInString(want)) && !isPlain(want)) {
				t.Errorf("%d runes, highlight %d..%d: highlighted %q, want %q (line shown %q)", n, from, to, h, want, got.text)
			}
		}
	}
}

// isPlain reports whether s is shown as it is: valid UTF-8 without control
// characters other than tabs.
func isPlain(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f) })
}

func checkShown(t *testing.T, line []byte, from, to int, got shownLine) {
	t.Helper()
	if !utf8.ValidString(got.text) {
		t.Errorf("highlight %d..%d: %q is not UTF-8", from, to, got.text)
	}
	if n := utf8.RuneCountInString(got.text); n > snippetWidth {
		t.Errorf("highlight %d..%d: %d runes shown, more than %d", from, to, n, snippetWidth)
	}
	if got.from < 0 || got.from > got.to || got.to > len(got.text) {
		t.Fatalf("highlight %d..%d: offsets %d..%d out of %q", from, to, got.from, got.to, got.text)
	}
	if strings.ContainsFunc(got.text, func(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f) }) {
		t.Errorf("highlight %d..%d: a control character is shown: %q", from, to, got.text)
	}
	if utf8.RuneCount(line) <= snippetWidth && strings.Contains(got.text, "…") {
		t.Errorf("a line of %d runes was cut: %q", utf8.RuneCount(line), got.text)
	}
}

func TestShowLineWindows(t *testing.T) {
	x := strings.Repeat("x", 1000)
	for name, tc := range map[string]struct {
		line           string
		from, to       int
		want, wantMark string
	}{
		"short line": {"a = b", 4, 5, "a = b", "b"},
		"start of a long line": {"TARGET" + x, 0, 6,
			"TARGET" + x[:113] + "…", "TARGET"},
		"end of a long line": {x + "TARGET", 1000, 1006,
			"…" + x[:113] + "TARGET", "TARGET"},
		"middle of a long line": {x + "TARGET" + x, 1000, 1006,
			"…" + x[:56] + "TARGET" + x[:56] + "…", "TARGET"},
		"a range longer than the window": {x + strings.Repeat("T", 500) + x, 1000, 1500,
			"…" + x[:highlightLead] + strings.Repeat("T", snippetWidth-2-highlightLead) + "…", strings.Repeat("T", snippetWidth-2-highlightLead)},
		"to the end of the line": {x + "TARGET", 1000, 1 << 30,
			"…" + x[:113] + "TARGET", "TARGET"},
		"multi-byte runes at the cut": {strings.Repeat("é", 200) + "T" + strings.Repeat("日", 200), 400, 401,
			"…" + strings.Repeat("é", 58) + "T" + strings.Repeat("日", 59) + "…", "T"},
		"a range starting inside a rune": {strings.Repeat("é", 200), 201, 203,
			"…" + strings.Repeat("é", 118) + "…", "é"},
		"control characters": {"a\x1b[2Jb\x00c", 1, 2, "a\uFFFD[2Jb\uFFFDc", "\uFFFD"},
	} {
		t.Run(name, func(t *testing.T) {
			got := showLine([]byte(tc.line), tc.from, tc.to)
			checkShown(t, []byte(tc.line), tc.from, tc.to, got)
			if got.text != tc.want {
				t.Errorf("shown\n%q, want\n%q", got.text, tc.want)
			}
			if mark := got.text[got.from:got.to]; mark != tc.wantMark {
				t.Errorf("highlighted %q, want %q", mark, tc.wantMark)
			}
		})
	}
}

// TestShowLineCopiesOnlyTheWindow: on a line of 64 MiB, cutting a window
// copies only the runes around it, never the line.
func TestShowLineCopiesOnlyTheWindow(t *testing.T) {
	line := bytes.Repeat([]byte("x"), 64<<20)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range 100 {
		showLine(line, i<<18, i<<18+1)
	}
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
		t.Errorf("100 windows of a 64 MiB line allocated %d bytes", n)
	}
}

// TestMayHoldSecret checks the scan against the regular expression it
// replaces, on lines made of the pieces that matter to it.
func TestMayHoldSecret(t *testing.T) {
	re := regexp.MustCompile(`\b(password|initial_password|password_hash|token|invite_secret)\s*=`)
	pieces := []string{"password", "initial_", "_hash", "token", "invite_secret", "x", "_", " ", "\t", "=", "==", "\"", "é", ".", "0"}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b strings.Builder
		for range rng.IntN(8) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		line := []byte(b.String())
		if got, want := mayHoldSecret(line), re.Match(line); got != want {
			t.Errorf("mayHoldSecret(%q) = %v, the regular expression says %v", line, got, want)
		}
	}
}

// TestSourcesLine finds lines in any order, with CRLF line endings, and
// reports those that do not exist.
func TestSourcesLine(t *testing.T) {
	src := "one\r\ntwo\n\nfour\r\nfive"
	s := newSources(map[string]*hcl.File{"f.hcl": {Bytes: []byte(src)}})
	for _, tc := range []struct {
		n     int
		want  string
		start int
		ok    bool
	}{
		{4, "four", 10, true}, {2, "two", 5, true}, {5, "five", 16, true}, {5, "five", 16, true},
		{1, "one", 0, true}, {3, "", 9, true}, {6, "", 0, false}, {0, "", 0, false},
	} {
		line, start, ok := s.line("f.hcl", tc.n)
		if string(line) != tc.want || start != tc.start || ok != tc.ok {
			t.Errorf("line %d: %q at %d, %v; want %q at %d, %v", tc.n, line, start, ok, tc.want, tc.start, tc.ok)
		}
	}
	if _, _, ok := s.line("other.hcl", 1); ok {
		t.Error("a line of a file not parsed")
	}
	s = newSources(map[string]*hcl.File{"f.hcl": {Bytes: []byte("one\n")}, "empty.hcl": {Bytes: nil}})
	if line, _, ok := s.line("f.hcl", 2); ok {
		t.Errorf("line 2 of a one-line file: %q", line)
	}
	if line, _, ok := s.line("empty.hcl", 1); ok {
		t.Errorf("line 1 of an empty file: %q", line)
	}
}

func TestClip(t *testing.T) {
	for _, tc := range []struct {
		s    string
		n    int
		want string
	}{
		{"short", 10, "short"},
		{"exactly", 7, "exactly"},
		{"one more", 7, "one mo…"},
		{"ééééé", 4, "ééé…"},
		{"ééé", 3, "ééé"},
	} {
		if got := clip(tc.s, tc.n); got != tc.want {
			t.Errorf("clip(%q, %d) = %q, want %q", tc.s, tc.n, got, tc.want)
		}
	}
}

// TestClipDetail keeps a long detail's start and end, which says what to
// do, cut at lines, and counts what it left out.
func TestClipDetail(t *testing.T) {
	var b strings.Builder
	b.WriteString("These rows moved:\n")
	for i := range 1000 {
		fmt.Fprintf(&b, "  user.u%03d: name changed\n", i)
	}
	b.WriteString("\nNothing was written. Run roster plan again.")
	got := clipDetail(b.String())
	if n := utf8.RuneCountInString(got); n > maxDetail+50 {
		t.Errorf("%d runes left", n)
	}
	for _, want := range []string{"These rows moved:\n  user.u000: name changed\n", "\nNothing was written. Run roster plan again.", " characters left out …]\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q missing from\n%s", want, got)
		}
	}
	for _, line := range strings.Split(got, "\n") {
		if strings.HasPrefix(line, "  user.") && !strings.HasSuffix(line, ": name changed") {
			t.Errorf("a line cut in its middle: %q", line)
		}
	}
	head, tail, _ := strings.Cut(got, "\n[… ")
	_, tail, _ = strings.Cut(tail, "]\n")
	leftOut := utf8.RuneCountInString(b.String()) - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail)
	if !strings.Contains(got, "[… "+counted(leftOut, "character")+" left out …]") {
		t.Errorf("the count of what was left out is not %d:\n%s", leftOut, got)
	}
	if short := "Give an address."; clipDetail(short) != short {
		t.Errorf("a short detail changed: %q", clipDetail(short))
	}
}

func TestCounted(t *testing.T) {
	for n, want := range map[int]string{1: "1 error", 2: "2 errors", 999: "999 errors", 1000: "1,000 errors", 2345: "2,345 errors", 1234567: "1,234,567 errors"} {
		if got := counted(n, "error"); got != want {
			t.Errorf("counted(%d) = %q, want %q", n, got, want)
		}
	}
}
