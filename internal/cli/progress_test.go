package cli

import (
	"bytes"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/roster-project/roster/internal/progress"
	"github.com/roster-project/roster/internal/ptytest"
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
	p := startPhase(&console{w: &w, term: false, fd: -1}, true, "Reading the database", "Planned", time.Hour, time.Millisecond, 80, time.Now)
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
	p := startPhase(&console{w: &w, term: true, fd: -1}, true, "Reading the database", "Planned", time.Hour, time.Millisecond, 80, time.Now)
	p.end()
	if w.String() != "" {
		t.Errorf("on a terminal, short work printed %q, want nothing", w.String())
	}
	w = syncBuffer{}
	p = startPhase(&console{w: &w, term: false, fd: -1}, false, "Reading the database", "Planned", time.Hour, time.Millisecond, 80, time.Now)
	p.end()
	if w.String() != "" {
		t.Errorf("off a terminal outside automation, short work printed %q, want nothing", w.String())
	}
	// Long work off a terminal ends with the one timing line.
	w = syncBuffer{}
	p = startPhase(&console{w: &w, term: false, fd: -1}, false, "Reading the database", "Planned", time.Millisecond, time.Millisecond, 80, time.Now)
	time.Sleep(5 * time.Millisecond)
	p.end()
	if !regexp.MustCompile(`\APlanned in \d+\.\d\ds\.\n\z`).MatchString(w.String()) {
		t.Errorf("off a terminal, long work printed %q, want one line Planned in N.NNs.", w.String())
	}
}

func TestPhaseTerminal(t *testing.T) {
	var w syncBuffer
	p := startPhase(&console{w: &w, term: true, fd: -1}, true, "Applying: preparing 3 new accounts", "Applied", time.Millisecond, time.Millisecond, 80, time.Now)
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

// TestApplyDoing: what the status line says the applier prepares, as it
// counts them: new accounts, passwords, or both.
func TestApplyDoing(t *testing.T) {
	create := plans.Change{Type: "user", Action: plans.Create}
	password := plans.Change{Type: "user", Action: plans.Update, Attrs: []plans.Attr{{Name: "password"}}}
	other := []plans.Change{
		{Type: "user", Action: plans.Update, Attrs: []plans.Attr{{Name: "locked"}}},
		{Type: "invite", Action: plans.Create},
	}
	for _, tc := range []struct {
		changes []plans.Change
		want    string
	}{
		{[]plans.Change{create, create, password}, "Applying: preparing new accounts and passwords"},
		{[]plans.Change{create}, "Applying: preparing new accounts"},
		{[]plans.Change{password, password}, "Applying: hashing passwords"},
	} {
		p := &plans.Plan{Changes: append(tc.changes, other...)}
		if got := applyDoing(p); got != tc.want {
			t.Errorf("applyDoing of %d changes = %q, want %q", len(tc.changes), got, tc.want)
		}
	}
}

// TestInterrupts: the first interrupt cancels the context and says that an
// apply not yet committed is rolled back; the second exits at once.
func TestInterrupts(t *testing.T) {
	sigs := make(chan os.Signal, 2)
	var w syncBuffer
	exited := make(chan struct{})
	ctx, stop := onInterrupt(t.Context(), sigs, &console{w: &w, fd: -1}, "Apply", func() { close(exited) })
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
	ctx, stop := onInterrupt(t.Context(), sigs, &console{w: &w, fd: -1}, "Apply", func() { t.Error("exited after stop") })
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

// fakeClock is a clock a test moves.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestPhaseCounts: the status line says what is being done, its count
// once the work reports one, the time left at the rate so far once a few
// items are done, and what follows once all are; time comes from the
// phase's clock.
func TestPhaseCounts(t *testing.T) {
	clock := &fakeClock{t: time.Date(2027, 1, 4, 12, 0, 0, 0, time.UTC)}
	// The phase's own goroutine never draws: it waits an hour.
	p := startPhase(&console{w: io.Discard, term: true, fd: -1}, false, "Reading the database and planning", "Planned", time.Hour, time.Hour, 80, clock.now)
	defer p.end()
	progress := p.track("Planning: verifying passwords", "Planning")
	steps := []struct {
		advance     time.Duration
		done, total int // reported; total 0: nothing reported
		want        string
	}{
		{1200 * time.Millisecond, 0, 0, "Reading the database and planning… 1.20s"},
		{0, 0, 50, "Planning: verifying passwords 0/50… 1.20s"},
		{time.Second, 2, 50, "Planning: verifying passwords 2/50… 2.20s"},
		// 10 done in 5 s since counting began: 40 more take 20 s.
		{4 * time.Second, 10, 50, "Planning: verifying passwords 10/50, about 20s left… 6.20s"},
		{15 * time.Second, 48, 50, "Planning: verifying passwords 48/50, about 1s left… 21.2s"},
		{time.Second, 50, 50, "Planning… 22.2s"},
	}
	for _, s := range steps {
		clock.advance(s.advance)
		if s.total > 0 {
			progress(s.done, s.total)
		}
		if got := p.status(clock.now()); got != s.want {
			t.Errorf("after %d/%d: status %q, want %q", s.done, s.total, got, s.want)
		}
	}
}

// TestTrackConcurrent: the workers of the planner and the applier report
// from many goroutines (through package progress); the count they leave
// is the last.
func TestTrackConcurrent(t *testing.T) {
	p := startPhase(&console{w: io.Discard, fd: -1}, false, "Applying", "Applied", time.Hour, time.Hour, 80, time.Now)
	defer p.end()
	counter := progress.New(p.track("Applying: preparing new accounts", "Applying: writing"), 100)
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(counter.Done)
	}
	wg.Wait()
	if got := p.status(p.start); !strings.HasPrefix(got, "Applying: writing… ") {
		t.Errorf("status %q, want the work done", got)
	}
}

// TestStatusLineWidth: a status line never reaches the terminal's last
// column (it would wrap, and a wrapped line is not redrawn in place); what
// is cut is what is being done, never the time.
func TestStatusLineWidth(t *testing.T) {
	got := statusLine("Applying: preparing new accounts and passwords 12/50", 26*time.Second, 12*time.Second, 40)
	if want := "Applying: preparing new accounts… 12.0s"; got != want {
		t.Errorf("statusLine = %q, want %q", got, want)
	}
	if n := utf8.RuneCountInString(got); n != 39 {
		t.Errorf("%d columns, want 39", n)
	}
	// The time left in whole seconds, at least one; minutes as Go says them.
	if got := statusLine("Planning: verifying passwords 3/500", 134600*time.Millisecond, 21*time.Second, 80); got != "Planning: verifying passwords 3/500, about 2m15s left… 21.0s" {
		t.Errorf("minutes left: %q", got)
	}
	if got := statusLine("Planning: verifying passwords 49/50", 300*time.Millisecond, 21*time.Second, 80); got != "Planning: verifying passwords 49/50, about 1s left… 21.0s" {
		t.Errorf("under a second left: %q", got)
	}
	if got := statusLine("Planning", 0, time.Second, 4); got != "… 1.00s" {
		t.Errorf("in a terminal narrower than the time: %q", got)
	}
	if got := statusLine("Planning", 0, time.Second, 0); got != "Planning… 1.00s" {
		t.Errorf("without a width: %q", got)
	}
}

// TestHaltErasesStatusLine: what stops a run (an interrupt, a limit)
// erases the status line, and none is drawn after it.
func TestHaltErasesStatusLine(t *testing.T) {
	var w syncBuffer
	con := &console{w: &w, term: true, fd: -1}
	con.draw("Reading the database and planning… 1.20s")
	if !con.halt() {
		t.Error("halt did not say it erased the status line")
	}
	con.draw("Reading the database and planning… 1.30s")
	if con.halt() || con.erase() {
		t.Error("a status line was on screen after halt")
	}
	if want := "\r\x1b[KReading the database and planning… 1.20s\r\x1b[K"; w.String() != want {
		t.Errorf("console wrote %q, want %q", w.String(), want)
	}
}

// TestInterruptErasesStatusLine: the first interrupt's message replaces
// the status line, the context's cause names what it stopped, and what
// fails for it is reported as stopped.
func TestInterruptErasesStatusLine(t *testing.T) {
	sigs := make(chan os.Signal, 1)
	var w syncBuffer
	con := &console{w: &w, term: true, fd: -1}
	con.draw("Planning: verifying passwords 10/50… 5.40s")
	ctx, stop := onInterrupt(t.Context(), sigs, con, "Apply", func() { t.Error("exited") })
	defer stop()
	if stoppedEarly(ctx) != nil {
		t.Error("stopped before an interrupt")
	}
	sigs <- os.Interrupt
	<-ctx.Done()
	want := "\r\x1b[KPlanning: verifying passwords 10/50… 5.40s\r\x1b[K" +
		"Interrupt received: stopping; an apply not yet committed is rolled back. Press Ctrl-C again to exit at once.\n"
	if w.String() != want {
		t.Errorf("console wrote %q, want %q", w.String(), want)
	}
	d := stoppedEarly(ctx)
	if len(d) != 1 || d[0].Summary != "Apply interrupted" || d[0].Detail != "roster stopped before it began to write: nothing was written." {
		t.Errorf("stoppedEarly = %v", d)
	}
}

// TestConsoleEcho: on a terminal, echo is off while the status line is on
// screen, so that what is typed does not garble it, and back on once the
// line is erased.
func TestConsoleEcho(t *testing.T) {
	pty := ptytest.Open(t)
	con := newConsole(Streams{Err: pty.Term, ErrTerm: true})
	con.draw("Reading the database and planning… 1.00s")
	if pty.Echo(t) {
		t.Error("echo is on while the status line is on screen")
	}
	pty.Type(t, "typed\n")
	time.Sleep(50 * time.Millisecond) // the line discipline has it
	con.draw("Reading the database and planning… 1.10s")
	con.erase()
	if !pty.Echo(t) {
		t.Error("echo is off after the status line was erased")
	}
	pty.Sync(t)
	want := "\r\x1b[KReading the database and planning… 1.00s\r\x1b[KReading the database and planning… 1.10s\r\x1b[K"
	if got := pty.Screen(); got != want {
		t.Errorf("the terminal shows %q, want %q", got, want)
	}
	// A halt turns it back on too.
	con.draw("Applying… 2.00s")
	if pty.Echo(t) {
		t.Error("echo is on while the status line is on screen again")
	}
	con.halt()
	if !pty.Echo(t) {
		t.Error("echo is off after a halt")
	}
}
