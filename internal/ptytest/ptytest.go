// Package ptytest opens pseudo-terminals for tests: a terminal roster can
// write its status line to and change the echo of, with the other end in
// the test's hands, as a person's keyboard and screen. Linux only; a test
// elsewhere is skipped.
package ptytest

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// PTY is a pseudo-terminal: Term is the terminal roster is given, Screen
// what a person sees of it (everything written to Term, in order) and
// Type what they type.
type PTY struct {
	Term   *os.File
	master *os.File
	mu     sync.Mutex
	screen bytes.Buffer
	read   chan struct{} // closed when the reader stops
}

// Open opens a pseudo-terminal, closed when the test ends, and starts
// reading what is written to it.
func Open(t testing.TB) *PTY {
	t.Helper()
	master, term, err := open()
	if err != nil {
		t.Skip("no pseudo-terminal:", err)
	}
	p := &PTY{Term: term, master: master, read: make(chan struct{})}
	go func() {
		defer close(p.read)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			p.mu.Lock()
			p.screen.Write(buf[:n])
			p.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		term.Close()
		master.Close()
		<-p.read
	})
	return p
}

// Screen is everything written to the terminal so far, with the terminal's
// \r\n for a newline turned back into \n.
func (p *PTY) Screen() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.ReplaceAll(p.screen.String(), "\r\n", "\n")
}

// endMark is what Sync writes to the terminal.
const endMark = "\x00ptytest sync\x00"

// Sync waits until the screen shows everything written to the terminal so
// far (by a program that ended, say): it writes a mark after it and waits
// for the mark, which it then removes.
func (p *PTY) Sync(t testing.TB) {
	t.Helper()
	if _, err := p.Term.WriteString(endMark); err != nil {
		t.Fatal(err)
	}
	p.WaitFor(t, endMark, 10*time.Second)
	p.mu.Lock()
	defer p.mu.Unlock()
	s := strings.Replace(p.screen.String(), endMark, "", 1)
	p.screen.Reset()
	p.screen.WriteString(s)
}

// Type types s on the keyboard.
func (p *PTY) Type(t testing.TB, s string) {
	t.Helper()
	if _, err := p.master.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// WaitFor waits up to timeout for the screen to contain s, and fails the
// test if it does not.
func (p *PTY) WaitFor(t testing.TB, s string, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(p.Screen(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed %q; it shows:\n%q", s, p.Screen())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// WaitForMatch waits up to timeout for the screen to match re, and fails
// the test if it does not.
func (p *PTY) WaitForMatch(t testing.TB, re *regexp.Regexp, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !re.MatchString(p.Screen()) {
		if time.Now().After(deadline) {
			t.Fatalf("the terminal never showed a match of %s; it shows:\n%q", re, p.Screen())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Echo reports whether the terminal echoes what is typed.
func (p *PTY) Echo(t testing.TB) bool {
	t.Helper()
	on, err := echo(p.Term)
	if err != nil {
		t.Fatal(err)
	}
	return on
}
