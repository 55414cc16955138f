package cli

import (
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"golang.org/x/term"

	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/internal/tty"
)

// longWork is how long work runs before roster shows its progress on a
// terminal: short runs stay quiet.
const longWork = time.Second

// estimateAfter is how many items of countable work must be done before
// the status line estimates the time left from their rate.
const estimateAfter = 3

// console is standard error as one run shares it: at most one status line
// of long work, drawn only on a terminal, with the terminal's echo off while
// it is on screen (package tty); and the messages that stop the run (an
// interrupt, a limit), which erase it for good. The run's goroutines share
// it.
type console struct {
	w    io.Writer
	term bool // standard error is a terminal
	fd   int  // its descriptor; -1 when it has none (a test's buffer): echo is left alone

	mu        sync.Mutex
	shown     bool   // a status line is on screen
	halted    bool   // the run is stopping: no more status lines
	ownsInt   bool   // the command handles interrupts (interruptible)
	restore   func() // turns echo back on; nil while it is on
	stopWatch func() // ends the watch of the signals that would leave echo off
}

func newConsole(st Streams) *console {
	c := &console{w: st.Err, term: st.ErrTerm, fd: -1}
	if f, ok := st.Err.(interface{ Fd() uintptr }); ok && st.ErrTerm {
		c.fd = int(f.Fd())
	}
	return c
}

// draw shows line as the status line, on a terminal.
func (c *console) draw(line string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.halted || !c.term {
		return
	}
	if !c.shown {
		c.quiet()
	}
	fmt.Fprint(c.w, "\r\x1b[K"+line)
	c.shown = true
}

// erase erases the status line, if one is on screen, and turns echo back
// on; it reports whether there was one.
func (c *console) erase() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.eraseLocked()
}

func (c *console) eraseLocked() bool {
	was := c.shown
	if c.shown {
		fmt.Fprint(c.w, "\r\x1b[K")
		c.shown = false
	}
	c.loud()
	return was
}

// halt stops the status line for good: it erases it, if one is on screen
// (true), and turns echo back on. What stops the run prints its message
// after.
func (c *console) halt() (erased bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.halted = true
	return c.eraseLocked()
}

// ownInterrupts says that the command handles interrupts itself: an
// interrupt is then not one of the signals quiet watches.
func (c *console) ownInterrupts() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ownsInt = true
}

// quiet turns echo off, and watches for the signals that would end roster
// with echo off (SIGTERM, SIGHUP, and an interrupt the command does not
// handle): one that arrives erases the status line and turns echo back on,
// then ends roster as the signal would have.
func (c *console) quiet() {
	if c.fd < 0 {
		return
	}
	if c.restore = tty.Quiet(c.fd); c.restore == nil {
		return
	}
	sigs := []os.Signal{syscall.SIGTERM, syscall.SIGHUP}
	if !c.ownsInt {
		sigs = append(sigs, os.Interrupt)
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			c.halt()
			tty.Reraise(sig)
		case <-done:
			select {
			case sig := <-ch: // arrived as the watch ended
				tty.Reraise(sig)
			default:
			}
		}
	}()
	c.stopWatch = func() {
		signal.Stop(ch)
		close(done)
	}
}

// loud turns echo back on, and ends the watch quiet began.
func (c *console) loud() {
	if c.restore == nil {
		return
	}
	c.restore()
	c.stopWatch()
	c.restore, c.stopWatch = nil, nil
}

// errWidth is the width of the terminal of standard error: COLUMNS when
// set, else the terminal's width, else 80.
func (a *app) errWidth() int {
	if n, err := strconv.Atoi(a.getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if a.con.fd >= 0 {
		if w, _, err := term.GetSize(a.con.fd); err == nil && w > 0 {
			return w
		}
	}
	return 80
}

// phase is one piece of possibly long work (reading the server and
// planning; preparing keys and hashes, then writing): on a terminal, a
// status line on standard error with what is being done, how far its
// countable part has come and the time spent, redrawn until the work ends
// and then erased. Elsewhere, one line once the work ended says how long it
// took, when it took longer than after (short runs keep standard error for
// diagnostics), and always in automation (ROSTER_IN_AUTOMATION), where a
// log with the time of every step is what a CI job wants.
type phase struct {
	con         *console
	timing      bool   // always print the timing line off a terminal (in automation)
	doing       string // "Reading the database and planning"
	done        string // "Planned"
	after, tick time.Duration
	width       int // of the terminal: the status line never wraps
	now         func() time.Time
	start       time.Time
	stop, gone  chan struct{}
	failed      error // a panic of the status line's goroutine, as an error

	mu    sync.Mutex
	count tally
}

// tally is the countable part of a phase's work, as the planner and the
// applier report it: "verifying passwords 10/50".
type tally struct {
	doing, then string // "Planning: verifying passwords" while it runs; then what follows
	done, total int
	start       time.Time
}

// startPhase begins a phase on standard error.
func (a *app) startPhase(doing, done string) *phase {
	after := a.LongWork
	if after == 0 {
		after = longWork
	}
	return startPhase(a.con, a.inAutomation(), doing, done, after, 100*time.Millisecond, a.errWidth(), time.Now)
}

func startPhase(con *console, timing bool, doing, done string, after, tick time.Duration, width int, now func() time.Time) *phase {
	p := &phase{con: con, timing: timing, doing: doing, done: done, after: after, tick: tick, width: width,
		now: now, start: now(), stop: make(chan struct{}), gone: make(chan struct{})}
	if !con.term {
		close(p.gone)
		return p
	}
	go func() {
		defer close(p.gone)
		p.failed = panics.Catch(func() error {
			t := time.NewTimer(after)
			defer t.Stop()
			for {
				select {
				case <-p.stop:
					return nil
				case <-t.C:
					con.draw(p.status(p.now()))
					t.Reset(tick)
				}
			}
		})
	}()
	return p
}

// track returns the function that counts the phase's countable work, as
// planner.Options.Progress and applier.Options.Progress take it: the
// status line says doing and the count while it runs, then then. It is
// safe for concurrent use.
func (p *phase) track(doing, then string) func(done, total int) {
	return func(done, total int) {
		p.mu.Lock()
		defer p.mu.Unlock()
		if p.count.doing != doing || done < p.count.done {
			p.count = tally{doing: doing, then: then, start: p.now()}
		}
		p.count.done, p.count.total = done, total
	}
}

// status is the status line at now: what is being done (with its count,
// and once a few items are done, the time left at their rate) and the time
// spent, in the terminal's width.
func (p *phase) status(now time.Time) string {
	p.mu.Lock()
	c := p.count
	p.mu.Unlock()
	doing := p.doing
	var left time.Duration
	switch {
	case c.total > 0 && c.done >= c.total:
		doing = c.then
	case c.total > 0:
		doing = fmt.Sprintf("%s %d/%d", c.doing, c.done, c.total)
		if c.done >= estimateAfter {
			left = now.Sub(c.start) * time.Duration(c.total-c.done) / time.Duration(c.done)
		}
	}
	return statusLine(doing, left, now.Sub(p.start), p.width)
}

// statusLine is "doing, about 21s left… 5.40s", cut to fit in width
// columns (the last one left empty, so that the line never wraps: a
// wrapped line could not be redrawn in place).
func statusLine(doing string, left, elapsed time.Duration, width int) string {
	if left > 0 {
		doing += ", about " + max(left.Round(time.Second), time.Second).String() + " left"
	}
	tail := "… " + seconds(elapsed)
	if room := width - 1 - utf8.RuneCountInString(tail); width > 0 && utf8.RuneCountInString(doing) > room {
		doing = string([]rune(doing)[:max(room, 0)])
	}
	return doing + tail
}

// end ends the phase: it erases the status line, or prints the timing
// line.
func (p *phase) end() {
	select {
	case <-p.stop:
		return // ended already
	default:
	}
	close(p.stop)
	<-p.gone
	if p.con.term {
		p.con.erase()
	}
	if p.failed != nil {
		panic(p.failed) // on the caller's goroutine, where Main recovers it
	}
	if elapsed := p.now().Sub(p.start); !p.con.term && (p.timing || elapsed >= p.after) {
		fmt.Fprintf(p.con.w, "%s in %s.\n", p.done, seconds(elapsed))
	}
}

// seconds formats a duration as 0.42s or 12.3s.
func seconds(d time.Duration) string {
	if d < 10*time.Second {
		return fmt.Sprintf("%.2fs", d.Seconds())
	}
	return fmt.Sprintf("%.1fs", d.Seconds())
}

// inAutomation reports ROSTER_IN_AUTOMATION, which, like Terraform's
// TF_IN_AUTOMATION, drops the hints meant for a person at a terminal.
func (a *app) inAutomation() bool {
	return a.getenv("ROSTER_IN_AUTOMATION") != ""
}
