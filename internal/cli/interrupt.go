package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"sync"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/panics"
)

// exitInterrupted is the exit code of a second interrupt, as a shell gives a
// process killed by SIGINT.
const exitInterrupted = 130

// interruption is the cause of a context that an interrupt cancelled: what
// it stopped, as the diagnostic names it ("Apply", "Sign-out").
type interruption struct{ what string }

func (i *interruption) Error() string { return i.what + " interrupted" }

// interruptible returns a context derived from parent that the first
// interrupt (Ctrl-C) cancels, with an *interruption naming what as its
// cause; a second interrupt exits at once with code 130. stop ends the
// handling.
func (a *app) interruptible(parent context.Context, what string) (ctx context.Context, stop func()) {
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt)
	a.con.ownInterrupts()
	ctx, cancel := onInterrupt(parent, sigs, a.con, what, func() { os.Exit(exitInterrupted) })
	return ctx, func() {
		signal.Stop(sigs)
		cancel()
	}
}

// onInterrupt is interruptible with its signals and its exit given. The
// first interrupt ends the status line for good, so that its message and
// the error that follows are all that is on screen.
func onInterrupt(parent context.Context, sigs <-chan os.Signal, con *console, what string, exit func()) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
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
			if !con.halt() {
				fmt.Fprintln(con.w) // past the ^C the terminal echoed
			}
			fmt.Fprintln(con.w, "Interrupt received: stopping; an apply not yet committed is rolled back. Press Ctrl-C again to exit at once.")
			cancel(&interruption{what: what})
			if !wait() {
				return nil
			}
			fmt.Fprintln(con.w, "\nTwo interrupts received: exiting at once. PostgreSQL rolls back a transaction left open when the connection closes; run roster plan to see where the database stands.")
			exit()
			return nil
		})
		if failed != nil {
			cancel(failed) // stop the command, which reports the panic when it stops waiting
		}
	}()
	var once sync.Once
	return ctx, func() {
		once.Do(func() { close(done) })
		cancel(nil)
		<-ended
		if failed != nil {
			panic(failed) // on the caller's goroutine, where Main recovers it
		}
	}
}

// stoppedEarly is the diagnostic of work that an interrupt stopped before
// it began to write (reading, planning, connecting); nil when ctx was not
// interrupted. It stands for whatever error the interrupt caused, which
// says no more than "context canceled".
func stoppedEarly(ctx context.Context) hcl.Diagnostics {
	var i *interruption
	if !errors.As(context.Cause(ctx), &i) {
		return nil
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: i.what + " interrupted",
		Detail: "roster stopped before it began to write: nothing was written."}}
}
