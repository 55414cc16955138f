package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
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

// interruptible returns a context that the first interrupt (Ctrl-C)
// cancels; a second interrupt exits at once with code 130. stop ends the
// handling.
func (a *app) interruptible() (ctx context.Context, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	ctx, cancel := onInterrupt(a.ctx, sigs, a.Err, func() { os.Exit(exitInterrupted) })
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

// readAndPlan reads the server and plans, with progress for a large server.
func (a *app) readAndPlan(conn *pgx.Conn, cfg *schema.Config, opts planner.Options) (*plans.Plan, hcl.Diagnostics) {
	ph := a.startPhase("Reading the database and planning", "Planned")
	defer ph.end()
	return planner.Make(a.ctx, conn, cfg, opts)
}

// applyPlan applies p, with progress for the key generation and hashing that
// come before the writes.
func (a *app) applyPlan(ctx context.Context, conn *pgx.Conn, p *plans.Plan, cfg *schema.Config, opts applier.Options) (applier.Result, error) {
	ph := a.startPhase(applyDoing(p), "Applied")
	defer ph.end()
	return applier.Apply(ctx, conn, p, cfg, opts)
}

// applyDoing says what an apply of p does before its writes.
func applyDoing(p *plans.Plan) string {
	accounts, passwords := 0, 0
	for i := range p.Changes {
		c := &p.Changes[i]
		switch {
		case c.Type != plans.TypeUser:
		case c.Action == plans.Create:
			accounts++
		case c.Action == plans.Update && (c.Attr("password") != nil || c.Attr("password_hash") != nil):
			passwords++
		}
	}
	var work []string
	if accounts > 0 {
		work = append(work, plural(accounts, "new account")+" (keys, password hashes)")
	}
	if passwords > 0 {
		work = append(work, plural(passwords, "password change"))
	}
	if len(work) == 0 {
		return "Applying"
	}
	return "Applying: preparing " + strings.Join(work, " and ") + ", then writing"
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}
