package diag_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/diag"
)

type known struct{}

func (known) Error() string { return "known" }
func (known) Diagnostic() *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Known", Detail: "How to fix it."}
}

func TestOf(t *testing.T) {
	if d := diag.Of(fmt.Errorf("reading: %w", known{}), "Cannot read"); d.Summary != "Known" || d.Detail != "How to fix it." {
		t.Errorf("a wrapped Diagnoser: %+v", d)
	}
	if d := diag.Of(errors.New("connection refused"), "Cannot read the database"); d.Summary != "Cannot read the database" || d.Detail != "connection refused." {
		t.Errorf("another error: %+v", d)
	}
	if d := diag.Of(errors.New("done."), "S"); d.Detail != "done." {
		t.Errorf("a message with its period: %q", d.Detail)
	}
}
