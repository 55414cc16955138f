package schema

import (
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// ShowSensitiveErrorsEnv names the environment variable that shows each
// error about a sensitive value (still without the value), for whoever
// runs roster where the secrets are theirs.
const ShowSensitiveErrorsEnv = "ROSTER_SHOW_SENSITIVE_ERRORS"

// Which expressions fail tells something of the values they compute: a
// configuration of a pull request could test a secret character by
// character (p_h = [1][substr(var.pw, 0, 1) == "h" ? 5 : 0] fails only when
// the guess is right) and read the answer from which errors validate
// reports, though none of them shows a value. So the diagnostics about
// values that derive from a sensitive variable are not shown one by one:
// errors become a single error with no place, warnings are dropped, and
// a CI run tells one bit at the most.

// sensitiveExtra marks a diagnostic that compares a sensitive value with
// another (a duplicate e-mail address or invite token) although its place
// is not in a sensitive expression.
type sensitiveExtra struct{}

// blindExtra marks a diagnostic about a sensitive expression that does not
// depend on its value (a sensitive value where none is allowed): it tells
// nothing of the value, and is shown as it is.
type blindExtra struct{}

// valueBlind marks d as independent of the value it is about.
func valueBlind(d *hcl.Diagnostic) *hcl.Diagnostic {
	d.Extra = blindExtra{}
	return d
}

// taint records, for each local, whether its expression refers to a
// sensitive variable, or to a local that does. It runs in the order
// locals are evaluated (every reference first); a local left in a cycle is
// tainted by its own references.
func (ev *evaluator) taint(defs []*localDef, i int) {
	d := defs[i]
	tainted := ev.refersToSensitive(d.attr.Expr)
	for _, r := range d.refs {
		tainted = tainted || ev.tainted[defs[r].attr.Name]
	}
	ev.tainted[d.attr.Name] = tainted
}

// refersToSensitive reports whether e refers to a sensitive variable
// (declared so, or given by the environment) or a tainted local; the local
// object as a whole counts as tainted when any local is.
func (ev *evaluator) refersToSensitive(e hcl.Expression) bool {
	for _, t := range e.Variables() {
		name := ""
		if len(t) >= 2 {
			if a, ok := t[1].(hcl.TraverseAttr); ok {
				name = a.Name
			}
		}
		switch t.RootName() {
		case "var":
			if v := ev.declared[name]; v != nil && (v.sensitive || v.fromEnv) || name == "" {
				return true
			}
		case "local":
			if name == "" {
				for _, tainted := range ev.tainted {
					if tainted {
						return true
					}
				}
			}
			if ev.tainted[name] {
				return true
			}
		}
	}
	return false
}

// hideSensitive replaces the diagnostics about sensitive values with one
// error without a place (when any of them is an error), unless show.
func (ev *evaluator) hideSensitive(diags hcl.Diagnostics, files map[string]*hcl.File, show bool) hcl.Diagnostics {
	var ranges []hcl.Range
	for _, f := range files {
		if body, ok := f.Body.(*hclsyntax.Body); ok {
			ranges = ev.sensitiveRanges(body, ranges)
		}
	}
	if show {
		// HCL's own messages of evaluation may quote a value (a duplicate
		// key of a for expression, an attribute name in a type): theirs
		// are replaced; roster's own show no sensitive value.
		for _, d := range diags {
			if (d.Expression != nil || d.EvalContext != nil) && ev.aboutSensitive(d, ranges) {
				d.Detail = "The details are not shown: the expression uses a value of a sensitive variable, and they may quote it."
			}
		}
		return diags
	}
	out := diags[:0:0]
	failed := false
	for _, d := range diags {
		if !ev.aboutSensitive(d, ranges) {
			out = append(out, d)
			continue
		}
		failed = failed || d.Severity == hcl.DiagError
	}
	if failed {
		out = append(out, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Error in a sensitive value",
			Detail: "An expression that uses a value of a sensitive variable (or of a ROSTER_VAR_ environment variable) is invalid. " +
				"roster says neither where nor why, nor how many such expressions fail: in the CI job of a pull request, which of them fail " +
				"could tell the value. Where the secrets are yours, run roster validate with " + ShowSensitiveErrorsEnv + "=1 to see each " +
				"error, still without its value."})
	}
	return out
}

// sensitiveRanges adds the ranges of the expressions of body, and of the
// blocks in it, that refer to sensitive values. Every expression of a users
// block whose for_each does may: each.value carries the values of a map
// whose values, not the map, are sensitive.
func (ev *evaluator) sensitiveRanges(body *hclsyntax.Body, ranges []hcl.Range) []hcl.Range {
	for _, a := range body.Attributes {
		if ev.refersToSensitive(a.Expr) {
			ranges = append(ranges, a.Expr.Range())
		}
	}
	for _, b := range body.Blocks {
		if a, ok := b.Body.Attributes["for_each"]; ok && b.Type == "users" && ev.refersToSensitive(a.Expr) {
			ranges = append(ranges, b.Range())
			continue
		}
		ranges = ev.sensitiveRanges(b.Body, ranges)
	}
	return ranges
}

// aboutSensitive reports whether d is about a sensitive value: marked so,
// placed in an expression that refers to one, or raised by evaluating one.
func (ev *evaluator) aboutSensitive(d *hcl.Diagnostic, ranges []hcl.Range) bool {
	switch d.Extra.(type) {
	case sensitiveExtra:
		return true
	case blindExtra:
		return false
	}
	if d.Expression != nil && ev.refersToSensitive(d.Expression) {
		return true
	}
	for _, r := range []*hcl.Range{d.Subject, d.Context} {
		if r == nil {
			continue
		}
		for _, s := range ranges {
			if r.Filename == s.Filename && r.Start.Byte >= s.Start.Byte && r.End.Byte <= s.End.Byte {
				return true
			}
		}
	}
	return false
}

// getenv looks key up in environ.
func getenv(environ []string, key string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}
