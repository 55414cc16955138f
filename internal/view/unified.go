package view

import (
	"fmt"
	"io"
	"strings"

	"github.com/sergi/go-diff/diffmatchpatch"
)

// diffContext is how many unchanged lines a hunk shows around a change, as
// diff -u does.
const diffContext = 3

// UnifiedDiff prints the change from before to after as diff -u does, with
// terraform fmt's old/ and new/ prefixes, so that patch -p1 can apply it.
func UnifiedDiff(w io.Writer, name, before, after string) {
	type line struct {
		op   byte // ' ', '-' or '+'
		text string
	}
	dmp := diffmatchpatch.New()
	x, y, table := dmp.DiffLinesToChars(before, after)
	var lines []line
	for _, d := range dmp.DiffCharsToLines(dmp.DiffMain(x, y, false), table) {
		op := map[diffmatchpatch.Operation]byte{diffmatchpatch.DiffEqual: ' ', diffmatchpatch.DiffDelete: '-', diffmatchpatch.DiffInsert: '+'}[d.Type]
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l != "" {
				lines = append(lines, line{op, l})
			}
		}
	}
	name = Visible(name)
	fmt.Fprintf(w, "--- old/%s\n+++ new/%s\n", name, name)
	for start := 0; start < len(lines); {
		// The next hunk runs from diffContext lines before a change to
		// diffContext lines after the last change that is no more than
		// 2*diffContext unchanged lines from the one before it.
		first := start
		for first < len(lines) && lines[first].op == ' ' {
			first++
		}
		if first == len(lines) {
			break
		}
		end, gap := first, 0
		for i := first; i < len(lines) && gap <= 2*diffContext; i++ {
			if lines[i].op == ' ' {
				gap++
			} else {
				end, gap = i+1, 0
			}
		}
		from, to := max(start, first-diffContext), min(len(lines), end+diffContext)
		// Line numbers of the hunk in the old and the new file.
		oldLine, newLine := 1, 1
		for _, l := range lines[:from] {
			if l.op != '+' {
				oldLine++
			}
			if l.op != '-' {
				newLine++
			}
		}
		oldN, newN := 0, 0
		for _, l := range lines[from:to] {
			if l.op != '+' {
				oldN++
			}
			if l.op != '-' {
				newN++
			}
		}
		fmt.Fprintf(w, "@@ -%s +%s @@\n", hunkRange(oldLine, oldN), hunkRange(newLine, newN))
		for _, l := range lines[from:to] {
			// A line of the file is the pull request's: its control
			// characters are shown, not sent to the terminal or log.
			text, nl := strings.CutSuffix(l.text, "\n")
			fmt.Fprintf(w, "%c%s\n", l.op, Visible(text))
			if !nl {
				fmt.Fprint(w, "\\ No newline at end of file\n")
			}
		}
		start = to
	}
}

// hunkRange is a hunk's start,count as diff -u writes it: an empty range
// starts at the line before it.
func hunkRange(start, n int) string {
	switch n {
	case 0:
		return fmt.Sprintf("%d,0", start-1)
	case 1:
		return fmt.Sprint(start)
	}
	return fmt.Sprintf("%d,%d", start, n)
}
