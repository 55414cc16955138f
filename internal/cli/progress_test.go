package cli

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/roster-project/roster/plans"
)

// syncBuffer is a bytes.Buffer that the phase's goroutine and the test may
// use at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestPhaseTimingLine(t *testing.T) {
	var w syncBuffer
	p := startPhase(&w, false, true, "Reading the database", "Planned", time.Hour, time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	p.end()
	p.end() // a second end prints nothing more
	if !regexp.MustCompile(`\APlanned in \d+\.\d\ds\.\n\z`).MatchString(w.String()) {
		t.Errorf("timing line = %q, want one line Planned in N.NNs.", w.String())
	}
}

// TestPhaseQuiet: short work prints nothing outside automation, on a
// terminal or not; long work off a terminal prints its timing line.
func TestPhaseQuiet(t *testing.T) {
	var w syncBuffer
	p := startPhase(&w, true, true, "Reading the database", "Planned", time.Hour, time.Millisecond)
	p.end()
	if w.String() != "" {
		t.Errorf("on a terminal, short work printed %q, want nothing", w.String())
	}
	w = syncBuffer{}
	p = startPhase(&w, false, false, "Reading the database", "Planned", time.Hour, time.Millisecond)
	p.end()
	if w.String() != "" {
		t.Errorf("off a terminal outside automation, short work printed %q, want nothing", w.String())
	}
	// Long work off a terminal ends with the one timing line.
	w = syncBuffer{}
	p = startPhase(&w, false, false, "Reading the database", "Planned", time.Millisecond, time.Millisecond)
	time.Sleep(5 * time.Millisecond)
	p.end()
	if !regexp.MustCompile(`\APlanned in \d+\.\d\ds\.\n\z`).MatchString(w.String()) {
		t.Errorf("off a terminal, long work printed %q, want one line Planned in N.NNs.", w.String())
	}
}

func TestPhaseTerminal(t *testing.T) {
	var w syncBuffer
	p := startPhase(&w, true, true, "Applying: preparing 3 new accounts", "Applied", time.Millisecond, time.Millisecond)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(w.String(), "\r\x1b[K") < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	p.end()
	out := w.String()
	if !regexp.MustCompile(`\A(\r\x1b\[KApplying: preparing 3 new accounts… \d+\.\d\ds){2,}\r\x1b\[K\z`).MatchString(out) {
		t.Errorf("status lines = %q, want redrawn status lines, then the line erased", out)
	}
	if strings.Contains(out, "Applied in") {
		t.Errorf("a terminal got the timing line: %q", out)
	}
}

func TestApplyDoing(t *testing.T) {
	p := &plans.Plan{Changes: []plans.Change{
		{Type: "user", Action: plans.Create},
		{Type: "user", Action: plans.Create},
		{Type: "user", Action: plans.Update, Attrs: []plans.Attr{{Name: "password"}}},
		{Type: "user", Action: plans.Update, Attrs: []plans.Attr{{Name: "locked"}}},
		{Type: "invite", Action: plans.Create},
	}}
	want := "Applying: preparing 2 new accounts (keys, password hashes) and 1 password change, then writing"
	if got := applyDoing(p); got != want {
		t.Errorf("applyDoing = %q, want %q", got, want)
	}
	if got := applyDoing(&plans.Plan{Changes: []plans.Change{{Type: "user", Action: plans.Update}}}); got != "Applying" {
		t.Errorf("applyDoing of an update = %q, want Applying", got)
	}
}

// TestInterrupts: the first interrupt cancels the context and says that an
// apply not yet committed is rolled back; the second exits at once.
func TestInterrupts(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	var w syncBuffer
	exited := make(chan struct{})
	ctx, stop := onInterrupt(t.Context(), sigs, &w, func() { close(exited) })
	defer stop()

	sigs <- os.Interrupt
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the first interrupt did not cancel the context")
	}
	if !strings.Contains(w.String(), "Interrupt received: stopping; an apply not yet committed is rolled back. Press Ctrl-C again to exit at once.") {
		t.Errorf("first interrupt printed %q", w.String())
	}
	select {
	case <-exited:
		t.Fatal("the first interrupt exited")
	case <-time.After(20 * time.Millisecond):
	}

	sigs <- os.Interrupt
	select {
	case <-exited:
	case <-time.After(5 * time.Second):
		t.Fatal("the second interrupt did not exit")
	}
	if !strings.Contains(w.String(), "Two interrupts received: exiting at once.") {
		t.Errorf("second interrupt printed %q", w.String())
	}
}

// TestInterruptAfterStop: once the command ended, an interrupt does
// nothing.
func TestInterruptAfterStop(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	var w syncBuffer
	ctx, stop := onInterrupt(t.Context(), sigs, &w, func() { t.Error("exited after stop") })
	stop()
	stop()
	sigs <- os.Interrupt
	time.Sleep(20 * time.Millisecond)
	if w.String() != "" {
		t.Errorf("printed %q after stop", w.String())
	}
	if ctx.Err() == nil {
		t.Error("stop did not cancel the context")
	}
}
