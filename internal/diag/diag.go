// Package diag turns errors into diagnostics, the one form in which roster
// reports a problem (HCL's hcl.Diagnostic: a short summary, a detail in
// full sentences with the fix, and a source range when there is one).
//
// An error that knows how it is reported implements Diagnoser; any other
// error becomes a diagnostic with the summary its caller gives and the
// error's message as the detail. No error message is cut apart: errors
// carry no package prefix to cut.
package diag

import (
	"errors"

	"github.com/hashicorp/hcl/v2"
)

// Diagnoser is an error that knows how roster reports it.
type Diagnoser interface {
	error
	Diagnostic() *hcl.Diagnostic
}

// Of reports err: as its own Diagnostic when it, or an error it wraps, is a
// Diagnoser; else as an error diagnostic with summary and the message as
// detail, ending with a period.
func Of(err error, summary string) *hcl.Diagnostic {
	var d Diagnoser
	if errors.As(err, &d) {
		return d.Diagnostic()
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: sentence(err.Error())}
}

// List is Of as diagnostics.
func List(err error, summary string) hcl.Diagnostics { return hcl.Diagnostics{Of(err, summary)} }

// sentence ends a message with a period.
func sentence(msg string) string {
	if msg == "" || msg[len(msg)-1] == '.' {
		return msg
	}
	return msg + "."
}
