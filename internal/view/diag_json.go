package view

import (
	"encoding/json"
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
func ValidateJSON(w io.Writer, diags hcl.Diagnostics, files map[string]*hcl.File) error {
	out := validateJSON{FormatVersion: "1.0", Diagnostics: []diagJSON{}}
	for _, d := range diags {
		dj := diagJSON{Severity: "warning", Summary: d.Summary, Detail: d.Detail}
		if d.Severity == hcl.DiagError {
			dj.Severity = "error"
			out.ErrorCount++
		} else {
			out.WarningCount++
		}
		if r := d.Subject; r != nil {
			dj.Range = &rangeJSON{Filename: r.Filename,
				Start: posJSON{r.Start.Line, r.Start.Column, r.Start.Byte}, End: posJSON{r.End.Line, r.End.Column, r.End.Byte}}
			dj.Snippet = snippetOf(r, files[r.Filename])
		}
		out.Diagnostics = append(out.Diagnostics, dj)
	}
	out.Valid = out.ErrorCount == 0
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func snippetOf(r *hcl.Range, f *hcl.File) *snippetJSON {
	if f == nil {
		return nil
	}
	line, start := sourceLine(f.Bytes, r.Start.Line)
	if start < 0 {
		return nil
	}
	s := &snippetJSON{StartLine: r.Start.Line, Values: []any{}}
	if b := f.OutermostBlockAtPos(r.Start); b != nil {
		h := blockHeader(f.Bytes, b.DefRange)
		s.Context = &h
	}
	if secretLine.MatchString(line) || inSecretAttribute(f, r.Start.Line) {
		s.Code = "(source line not shown: it may hold a secret)"
		return s
	}
	s.Code = line
	s.HighlightStartOffset = min(max(r.Start.Byte-start, 0), len(line))
	s.HighlightEndOffset = len(line)
	if r.End.Line == r.Start.Line {
		s.HighlightEndOffset = min(max(r.End.Byte-start, s.HighlightStartOffset), len(line))
	}
	return s
}
