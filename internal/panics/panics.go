// Package panics turns a panic into an error. A panic in a goroutine that
// roster starts ends the process past any recover of the goroutine that
// started it (cli.Main's among them), with a stack trace and exit code 2,
// which roster's commands give meanings of their own ("changes", "drift"):
// the goroutines run their work through Catch and hand the error back.
package panics

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxMessage is the most runes of a panic's value an Error's message shows.
const maxMessage = 200

// Error is a panic recovered as an error: a bug in roster or in a library
// it calls, never a problem with its input.
type Error struct {
	// Value is what was passed to panic.
	Value any
}

// Error is "internal error: " and the panic's value, on one line and cut
// to 200 runes.
func (e *Error) Error() string {
	msg := strings.Join(strings.Fields(fmt.Sprint(e.Value)), " ")
	if utf8.RuneCountInString(msg) > maxMessage {
		msg = string([]rune(msg)[:maxMessage-1]) + "…"
	}
	return "internal error: " + msg
}

// Unwrap returns the panic's value when it is an error (a runtime.Error,
// say).
func (e *Error) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Catch calls f and returns its error; when f panics, it returns the
// panic as an *Error instead (the same *Error when f panicked with one, so
// that a panic carried from one goroutine to another is not wrapped twice).
func Catch(f func() error) (err error) {
	defer func() {
		if v := recover(); v != nil {
			e, ok := v.(*Error)
			if !ok {
				e = &Error{Value: v}
			}
			err = e
		}
	}()
	return f()
}
