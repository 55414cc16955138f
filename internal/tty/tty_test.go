package tty_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/ptytest"
	"github.com/roster-project/roster/internal/tty"
)

// TestQuiet: echo goes off, what is typed is not echoed, and restore turns
// echo back on.
func TestQuiet(t *testing.T) {
	pty := ptytest.Open(t)
	restore := tty.Quiet(int(pty.Term.Fd()))
	if restore == nil {
		t.Fatal("Quiet changed nothing")
	}
	if pty.Echo(t) {
		t.Error("echo is on")
	}
	pty.Type(t, "typed\n")
	time.Sleep(50 * time.Millisecond) // the line discipline has it
	// Quiet again changes nothing: echo is off already.
	if tty.Quiet(int(pty.Term.Fd())) != nil {
		t.Error("Quiet of a quiet terminal returned a restore")
	}
	restore()
	if !pty.Echo(t) {
		t.Error("echo is off after restore")
	}
	pty.Sync(t)
	if strings.Contains(pty.Screen(), "typed") {
		t.Errorf("what was typed was echoed: %q", pty.Screen())
	}
}

// TestQuietNotATerminal: a file that is no terminal is left alone.
func TestQuietNotATerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if tty.Quiet(int(f.Fd())) != nil {
		t.Error("Quiet of a file returned a restore")
	}
}

// TestRestoreDrops: what was typed while echo was off, unseen, is dropped
// when it goes back on; what is typed after is read.
func TestRestoreDrops(t *testing.T) {
	pty := ptytest.Open(t)
	restore := tty.Quiet(int(pty.Term.Fd()))
	if restore == nil {
		t.Fatal("Quiet changed nothing")
	}
	pty.Type(t, "yes\n")
	time.Sleep(50 * time.Millisecond) // the line discipline has it
	restore()
	pty.Type(t, "no\n")
	buf := make([]byte, 64)
	n, err := pty.Term.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(buf[:n]); got != "no\n" {
		t.Errorf("read %q after restore, want the line typed after it", got)
	}
}
