package schema

import (
	"fmt"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// sensitiveMark marks values that derive from a sensitive variable.
const sensitiveMark = "sensitive"

// maxShown is how many characters of a value a diagnostic quotes.
const maxShown = 64

// shown is the one way a diagnostic quotes a value from the configuration
// (format it with %q): "(sensitive value)" for a value that derives from a
// sensitive variable, else the value, cut to its first maxShown characters
// and "…", so that a huge value is never printed whole.
func shown(s string, sensitive bool) string {
	if sensitive {
		return "(sensitive value)"
	}
	if utf8.RuneCountInString(s) <= maxShown {
		return s
	}
	n := 0
	for i := range s {
		if n == maxShown {
			return s[:i] + "…"
		}
		n++
	}
	return s
}

// isSensitive reports whether v, or a value inside it, derives from a
// sensitive variable. Values carry other marks too (where a file's data
// came from), which are no secret.
func isSensitive(v cty.Value) bool {
	if v.Type().IsPrimitiveType() {
		return v.HasMark(sensitiveMark)
	}
	return v.HasMarkDeep(sensitiveMark)
}

// elementsSensitive says, for each of the n elements of the list, set or
// tuple v, whether it derives from a sensitive variable: all of them when v
// itself does.
func elementsSensitive(v cty.Value, n int) []bool {
	out := make([]bool, n)
	inner, marks := v.Unmark()
	if marks.Has(sensitiveMark) || !inner.CanIterateElements() {
		for i := range out {
			out[i] = marks.Has(sensitiveMark)
		}
		return out
	}
	i := 0
	for it := inner.ElementIterator(); it.Next() && i < n; i++ {
		_, e := it.Element()
		out[i] = isSensitive(e)
	}
	return out
}

// sensitiveError refuses a value from a sensitive variable where plans
// and diagnostics would show it.
func sensitiveError(a *hcl.Attribute) *hcl.Diagnostic {
	return valueBlind(attrError(a, "Sensitive value not allowed", fmt.Sprintf(
		"The value of %s derives from a sensitive variable, but %s shapes what plans and diagnostics show (addresses, reasons, counts), "+
			"so roster could not keep it secret. Give it a value that is not secret, or, if the variable holds no secret, remove its "+
			"sensitive = true; a value given by a ROSTER_VAR_ environment variable is always sensitive, so give that one with --var, "+
			"a --var-file or a default. Sensitive values belong in user attributes, invite tokens, server.invite_secret and server.after_apply.",
		a.Name, a.Name)))
}

// nulError refuses a string with U+0000; what names it ("The value of
// bio").
func nulError(a *hcl.Attribute, what string) *hcl.Diagnostic {
	return attrError(a, "NUL character", what+" contains a NUL character, which PostgreSQL cannot store. Remove it.")
}

// nulLabel refuses a block label with U+0000.
func nulLabel(b *hcl.Block) *hcl.Diagnostic {
	for i, l := range b.Labels {
		for j := range len(l) {
			if l[j] == 0 {
				return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "NUL character",
					Detail:  fmt.Sprintf("The label of this %s block contains a NUL character, which PostgreSQL cannot store. Remove it.", b.Type),
					Subject: b.LabelRanges[i].Ptr()}
			}
		}
	}
	return nil
}
