package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/roster-project/roster/internal/panics"
)

// longWork is how long work runs before roster shows its progress on a
// terminal: short runs stay quiet.
const longWork = time.Second

// phase is one piece of possibly long work (reading the server and
// planning; preparing keys and hashes, then writing): on a terminal, a
// status line on standard error with the time spent, redrawn until the work
// ends and then erased. Elsewhere, one line once the work ended says how
// long it took, when it took longer than after (short runs keep standard
// error for diagnostics), and always in automation (ROSTER_IN_AUTOMATION),
// where a log with the time of every step is what a CI job wants.
type phase struct {
	w          io.Writer
	term       bool
	timing     bool   // always print the timing line off a terminal (in automation)
	doing      string // "Reading the database"
	done       string // "Planned"
	after      time.Duration
	tick       time.Duration
	start      time.Time
	stop, gone chan struct{}
	mu         sync.Mutex
	shown      bool
	failed     error // a panic of the status line's goroutine, as an error
}

// startPhase begins a phase on standard error.
func (a *app) startPhase(doing, done string) *phase {
	after := a.LongWork
	if after == 0 {
		after = longWork
	}
	return startPhase(a.Err, a.ErrTerm, a.inAutomation(), doing, done, after, 100*time.Millisecond)
}

func startPhase(w io.Writer, term, timing bool, doing, done string, after, tick time.Duration) *phase {
	p := &phase{w: w, term: term, timing: timing, doing: doing, done: done, after: after, tick: tick,
		start: time.Now(), stop: make(chan struct{}), gone: make(chan struct{})}
	if !term {
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
					p.mu.Lock()
					p.shown = true
					fmt.Fprintf(p.w, "\r\x1b[K%s… %s", p.doing, seconds(time.Since(p.start)))
					p.mu.Unlock()
					t.Reset(tick)
				}
			}
		})
	}()
	return p
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
	if p.failed != nil {
		panic(p.failed) // on the caller's goroutine, where Main recovers it
	}
	elapsed := time.Since(p.start)
	switch {
	case p.term && p.shown:
		fmt.Fprint(p.w, "\r\x1b[K")
	case !p.term && (p.timing || elapsed >= p.after):
		fmt.Fprintf(p.w, "%s in %s.\n", p.done, seconds(elapsed))
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

// exitInterrupted is the exit code of a second interrupt, as a shell gives a
// process killed by SIGINT.
const exitInterrupted = 130

// interruptible returns a context derived from parent that the first
// interrupt (Ctrl-C) cancels; a second interrupt exits at once with code
// 130. stop ends the handling.
func (a *app) interruptible(parent context.Context) (ctx context.Context, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	ctx, cancel := onInterrupt(parent, sigs, a.Err, func() { os.Exit(exitInterrupted) })
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}

// onInterrupt is interruptible with its signals and its exit given.
func onInterrupt(parent context.Context, sigs <-chan os.Signal, w io.Writer, exit func()) (context.Context, func()) {
	ctx, cancel := context.WithCancel(parent)
	done := make(chan struct{})
	// wait waits for an interrupt; false when the command ended first.
	wait := func() bool {
		select {
		case <-sigs:
		case <-done:
			return false
		}
		select {
		case <-done: // ended meanwhile: the interrupt came too late
			return false
		default:
			return true
		}
	}
	ended := make(chan struct{})
	var failed error // a panic of the goroutine, as an error
	go func() {
		defer close(ended)
		failed = panics.Catch(func() error {
			if !wait() {
				return nil
			}
			fmt.Fprintln(w, "\nInterrupt received: stopping; an apply not yet committed is rolled back. Press Ctrl-C again to exit at once.")
			cancel()
			if !wait() {
				return nil
			}
			fmt.Fprintln(w, "\nTwo interrupts received: exiting at once. PostgreSQL rolls back a transaction left open when the connection closes; run roster plan to see where the database stands.")
			exit()
			return nil
		})
		if failed != nil {
			cancel() // stop the command, which reports the panic when it stops waiting
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() { close(done) })
		cancel()
		<-ended
		if failed != nil {
			panic(failed) // on the caller's goroutine, where Main recovers it
		}
	}
}
