package view

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/hashicorp/hcl/v2"
)

// validateJSON is Terraform's `validate -json` shape.
type validateJSON struct {
	FormatVersion string     `json:"format_version"`
	Valid         bool       `json:"valid"`
	ErrorCount    int        `json:"error_count"`
	WarningCount  int        `json:"warning_count"`
	Diagnostics   []diagJSON `json:"diagnostics"`
}

type diagJSON struct {
	Severity string       `json:"severity"`
	Summary  string       `json:"summary"`
	Detail   string       `json:"detail"`
	Range    *rangeJSON   `json:"range,omitempty"`
	Snippet  *snippetJSON `json:"snippet,omitempty"`
}

type posJSON struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Byte   int `json:"byte"`
}

type rangeJSON struct {
	Filename string  `json:"filename"`
	Start    posJSON `json:"start"`
	End      posJSON `json:"end"`
}

type snippetJSON struct {
	Context              *string `json:"context"`
	Code                 string  `json:"code"`
	StartLine            int     `json:"start_line"`
	HighlightStartOffset int     `json:"highlight_start_offset"`
	HighlightEndOffset   int     `json:"highlight_end_offset"`
	Values               []any   `json:"values"`
}

// ValidateJSON writes the result of validate as Terraform's `validate
// -json` does. A source line that may hold a secret is left out of the
// snippet, as in the text form.
//
// The counts are of every diagnostic, but the list holds only the first
// 100, cut as the text form cuts them, and then, when some were left out,
// a warning that says how many.
func ValidateJSON(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) error {
	out := validateJSON{FormatVersion: "1.0", Diagnostics: []diagJSON{}}
	out.ErrorCount, out.WarningCount = count(diags)
	out.Valid = out.ErrorCount == 0
	src := newSources(files)
	shown := diags[:min(len(diags), maxDiagnostics)]
	for _, d := range shown {
		dj := diagJSON{Severity: "warning", Summary: clip(d.Summary, maxSummary), Detail: clipDetail(d.Detail)}
		if d.Severity == hcl.DiagError {
			dj.Severity = "error"
		}
		if r := d.Subject; r != nil {
			dj.Range = &rangeJSON{Filename: r.Filename,
				Start: posJSON{r.Start.Line, r.Start.Column, r.Start.Byte}, End: posJSON{r.End.Line, r.End.Column, r.End.Byte}}
			dj.Snippet = snippetOf(*r, src)
		}
		out.Diagnostics = append(out.Diagnostics, dj)
	}
	if errs, warns := count(diags[len(shown):]); errs+warns > 0 {
		out.Diagnostics = append(out.Diagnostics, diagJSON{Severity: "warning",
			Summary: leftOut(errs, warns, "") + " not listed",
			Detail: fmt.Sprintf("Only the first %d diagnostics are listed; error_count and warning_count count them all. Fix the ones listed and run again.",
				maxDiagnostics)})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// snippetOf is the snippet of the range r, its code cut as the text form
// cuts a source line, with the highlight offsets into the cut line.
func snippetOf(r hcl.Range, src *sources) *snippetJSON {
	line, start, ok := src.line(r.Filename, r.Start.Line)
	if !ok {
		return nil
	}
	s := &snippetJSON{StartLine: r.Start.Line, Values: []any{}}
	if b := src.files[r.Filename].OutermostBlockAtPos(r.Start); b != nil {
		h := blockHeader(src.files[r.Filename].Bytes, b.DefRange)
		s.Context = &h
	}
	if src.hidden(r.Filename, r.Start.Line, line) {
		s.Code = "(source line not shown: it may hold a secret)"
		return s
	}
	l := showLine(line, r.Start.Byte-start, highlightEnd(r, start, len(line)))
	s.Code, s.HighlightStartOffset, s.HighlightEndOffset = l.text, l.from, l.to
	return s
}
