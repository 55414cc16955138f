package cli

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/plans"
)

const reportLine = "This is a bug in roster: please report it, with the command you ran and what roster version prints.\n"

// TestRun: the exit code and the message of each way a run's body ends.
func TestRun(t *testing.T) {
	for name, tc := range map[string]struct {
		body   func() error
		code   int
		stderr string
	}{
		"success":       {func() error { return nil }, 0, ""},
		"exit code 2":   {func() error { return exitCode(2) }, 2, ""},
		"exit code 3":   {func() error { return exitCode(3) }, 3, ""},
		"an error":      {func() error { return errors.New("cannot read the database") }, 1, "\nError: cannot read the database\n"},
		"kong's exit 0": {func() error { panic(kongExit(0)) }, 0, ""},
		"a panic":       {func() error { panic("boom") }, 1, "\nError: internal error: boom\n\n" + reportLine},
		"a runtime error": {func() error {
			var p *plans.Plan
			_ = p.Changes
			return nil
		}, 1, "\nError: internal error: runtime error: invalid memory address or nil pointer dereference\n\n" + reportLine},
		// A panic whose value is an exitCode is still a bug, not changes.
		"a panic with exit code 2": {func() error { panic(exitCode(2)) }, 1, "\nError: internal error: exit status 2\n\n" + reportLine},
		// A panic that a goroutine handed back as an error.
		"a goroutine's panic": {func() error {
			return panics.Catch(func() error { panic("in a worker") })
		}, 1, "\nError: internal error: in a worker\n\n" + reportLine},
	} {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if code := run(&b, tc.body); code != tc.code {
				t.Errorf("exit code %d, want %d", code, tc.code)
			}
			if b.String() != tc.stderr {
				t.Errorf("stderr %q, want %q", b.String(), tc.stderr)
			}
		})
	}
}

// TestRunLongPanic: a panic's value is printed on one line, cut.
func TestRunLongPanic(t *testing.T) {
	var b bytes.Buffer
	code := run(&b, func() error { panic(strings.Repeat("a very long\nvalue ", 10_000)) })
	lines := strings.Split(strings.TrimPrefix(b.String(), "\n"), "\n")
	if code != 1 || len(lines) != 4 || len(lines[0]) > 300 || !strings.HasPrefix(lines[0], "Error: internal error: a very long value a very long") {
		t.Errorf("exit code %d, stderr:\n%s", code, b.String())
	}
}

// panicWriter panics on its first write, closing called first when set.
type panicWriter struct{ called chan struct{} }

func (w panicWriter) Write([]byte) (int, error) {
	if w.called != nil {
		close(w.called)
	}
	panic("the writer broke")
}

// TestPhasePanic: a panic in the goroutine that draws a phase's status
// line comes back on the goroutine that ends the phase, where run reports
// it.
func TestPhasePanic(t *testing.T) {
	var b bytes.Buffer
	code := run(&b, func() error {
		w := panicWriter{make(chan struct{})}
		p := startPhase(&console{w: w, term: true, fd: -1}, false, "Reading", "Read", time.Millisecond, time.Millisecond, 80, time.Now)
		<-w.called
		p.end()
		return nil
	})
	if code != 1 || b.String() != "\nError: internal error: the writer broke\n\n"+reportLine {
		t.Errorf("exit code %d, stderr %q", code, b.String())
	}
}

// TestInterruptPanic: a panic in the goroutine that waits for interrupts
// still stops the command, and comes back when the command stops waiting.
func TestInterruptPanic(t *testing.T) {
	var b bytes.Buffer
	code := run(&b, func() error {
		sigs := make(chan os.Signal, 1)
		w := panicWriter{make(chan struct{})}
		ctx, stop := onInterrupt(t.Context(), sigs, &console{w: w, fd: -1}, "Apply", func() { t.Error("exited") })
		defer stop()
		sigs <- os.Interrupt
		<-w.called
		select {
		case <-ctx.Done():
		case <-time.After(5 * time.Second):
			t.Error("the interrupt did not cancel the command's context")
		}
		return nil
	})
	if code != 1 || b.String() != "\nError: internal error: the writer broke\n\n"+reportLine {
		t.Errorf("exit code %d, stderr %q", code, b.String())
	}
}
