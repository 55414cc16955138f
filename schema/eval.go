package schema

import (
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
)

// evaluator holds the evaluation state of one Load call.
type evaluator struct {
	dir       string
	declared  map[string]*variable
	locals    map[string]cty.Value
	functions map[string]function.Function
	// frozen is the evaluation context once variables and locals are all
	// known; until then it is rebuilt on each use.
	frozen *hcl.EvalContext
}

type variable struct {
	name      string
	sensitive bool
	value     cty.Value // cty.NilVal until assigned
	decl      hcl.Range
}

func newEvaluator(dir string) *evaluator {
	ev := &evaluator{dir: dir, declared: map[string]*variable{}, locals: map[string]cty.Value{}}
	ev.functions = ev.makeFunctions()
	return ev
}

func (ev *evaluator) context() *hcl.EvalContext {
	if ev.frozen != nil {
		return ev.frozen
	}
	vars := map[string]cty.Value{}
	for n, v := range ev.declared {
		if v.value != cty.NilVal {
			vars[n] = v.value
		}
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": cty.ObjectVal(vars), "local": cty.ObjectVal(ev.locals)},
		Functions: ev.functions,
	}
}

func (ev *evaluator) declareVariables(blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, b := range blocks {
		name := b.Labels[0]
		if !hclsyntax.ValidIdentifier(name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid variable name",
				Detail: "A variable name must start with a letter or underscore and contain only letters, digits, underscores and dashes.", Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		if prev, ok := ev.declared[name]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate variable declaration",
				Detail: fmt.Sprintf("A variable named %q was already declared at %s. Variable names must be unique.", name, rangeString(prev.decl)), Subject: b.DefRange.Ptr()})
			continue
		}
		v := &variable{name: name, decl: b.DefRange}
		as, moreDiags := attrs(b.Body, "default", "sensitive", "description")
		diags = append(diags, moreDiags...)
		if a, ok := as["sensitive"]; ok {
			val, moreDiags := a.Expr.Value(nil)
			diags = append(diags, moreDiags...)
			if !moreDiags.HasErrors() {
				if bv, err := convert.Convert(val, cty.Bool); err != nil || bv.IsNull() {
					diags = append(diags, attrError(a, "Invalid value for sensitive", "sensitive must be true or false."))
				} else {
					v.sensitive = bv.True()
				}
			}
		}
		if a, ok := as["default"]; ok {
			val, moreDiags := a.Expr.Value(nil)
			diags = append(diags, moreDiags...)
			if !moreDiags.HasErrors() {
				v.value = val
			}
		}
		ev.declared[name] = v
	}
	return diags
}

func (ev *evaluator) assignVariables(p *hclparse.Parser, in Inputs) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, kv := range in.Environ {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || !strings.HasPrefix(name, EnvPrefix) {
			continue
		}
		if v, ok := ev.declared[strings.TrimPrefix(name, EnvPrefix)]; ok {
			v.value = cty.StringVal(value)
		}
	}
	for _, path := range in.VarFiles {
		src, err := os.ReadFile(path)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Failed to read variables file",
				Detail: fmt.Sprintf("Given variables file %s does not exist or cannot be read: %v.", path, err)})
			continue
		}
		f, moreDiags := p.ParseHCL(src, path)
		diags = append(diags, moreDiags...)
		if f == nil {
			continue
		}
		as, moreDiags := f.Body.JustAttributes()
		diags = append(diags, moreDiags...)
		for _, a := range sortedAttrs(as) {
			val, moreDiags := a.Expr.Value(nil)
			diags = append(diags, moreDiags...)
			v, ok := ev.declared[a.Name]
			if !ok {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Value for undeclared variable",
					Detail:  fmt.Sprintf("The configuration does not declare a variable named %q but a value was found in file %q. If you meant to use this value, add a variable block to the configuration.", a.Name, path),
					Subject: a.NameRange.Ptr()})
				continue
			}
			if !moreDiags.HasErrors() {
				v.value = val
			}
		}
	}
	for _, kv := range in.Vars {
		name, value, ok := strings.Cut(kv, "=")
		if !ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid --var option",
				Detail: fmt.Sprintf("The given --var option %q is not correctly specified. It must be a variable name and value separated by an equals sign, like --var name=value.", name)})
			continue
		}
		v, declared := ev.declared[name]
		if !declared {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value for undeclared variable",
				Detail: fmt.Sprintf("A variable named %q was assigned on the command line, but the configuration does not declare a variable of that name. To use this value, add a variable %q {} block.", name, name)})
			continue
		}
		v.value = cty.StringVal(value)
	}
	for _, v := range ev.inOrder() {
		if v.value == cty.NilVal && in.Partial {
			v.value = cty.DynamicVal
			continue
		}
		if v.value == cty.NilVal {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No value for required variable",
				Detail:  fmt.Sprintf("The variable %q is required but has no value. Give it one with --var %s=..., a --var-file, or the environment variable %s%s.", v.name, v.name, EnvPrefix, v.name),
				Subject: v.decl.Ptr()})
			v.value = cty.DynamicVal
			continue
		}
		if v.sensitive {
			v.value = v.value.Mark(sensitiveMark)
		}
	}
	return diags
}

// inOrder returns the declared variables in declaration order, so that
// their diagnostics come out in a stable order.
func (ev *evaluator) inOrder() []*variable {
	return inSourceOrder(ev.declared, func(v *variable) hcl.Range { return v.decl })
}

// freeze fixes the evaluation context: variables and locals no longer change.
func (ev *evaluator) freeze() { ev.frozen = ev.context() }

// evalLocals evaluates locals in dependency order by repeated passes: a local
// whose references are not yet known waits for the next pass.
func (ev *evaluator) evalLocals(blocks hcl.Blocks) hcl.Diagnostics {
	var diags hcl.Diagnostics
	pending := map[string]*hcl.Attribute{}
	for _, b := range blocks {
		as, moreDiags := b.Body.JustAttributes()
		diags = append(diags, moreDiags...)
		for _, a := range sortedAttrs(as) {
			name := a.Name
			if prev, ok := pending[name]; ok {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate local value definition",
					Detail: fmt.Sprintf("A local value named %q was already defined at %s. Local value names must be unique.", name, rangeString(prev.Range)), Subject: a.NameRange.Ptr()})
				continue
			}
			pending[name] = a
		}
	}
	for len(pending) > 0 {
		progress := false
		for _, a := range sortedAttrs(pending) {
			if !ev.localsReady(a.Expr, pending) {
				continue
			}
			val, moreDiags := a.Expr.Value(ev.context())
			diags = append(diags, moreDiags...)
			if moreDiags.HasErrors() {
				val = cty.DynamicVal
			}
			ev.locals[a.Name] = val
			delete(pending, a.Name)
			progress = true
		}
		if !progress {
			// What is left is either in a cycle or waits on one; report only
			// the former, the latter has no error of its own.
			for _, a := range sortedAttrs(pending) {
				if inCycle(a.Name, pending) {
					diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cycle in local values",
						Detail: fmt.Sprintf("The local value %q refers, directly or through other locals, to itself.", a.Name), Subject: a.Expr.Range().Ptr()})
				}
				ev.locals[a.Name] = cty.DynamicVal
			}
			break
		}
	}
	return diags
}

// inCycle reports whether the pending local name refers, through pending
// locals, back to itself.
func inCycle(name string, pending map[string]*hcl.Attribute) bool {
	seen := map[string]bool{}
	var reaches func(from string) bool
	reaches = func(from string) bool {
		for _, to := range localRefs(pending[from].Expr) {
			if to == name {
				return true
			}
			if _, ok := pending[to]; ok && !seen[to] {
				seen[to] = true
				if reaches(to) {
					return true
				}
			}
		}
		return false
	}
	return reaches(name)
}

// localRefs returns the names of the locals e refers to as local.<name>.
func localRefs(e hcl.Expression) []string {
	var out []string
	for _, t := range e.Variables() {
		if t.RootName() != "local" || len(t) < 2 {
			continue
		}
		if a, ok := t[1].(hcl.TraverseAttr); ok {
			out = append(out, a.Name)
		}
	}
	return out
}

func (ev *evaluator) localsReady(e hcl.Expression, pending map[string]*hcl.Attribute) bool {
	for _, name := range localRefs(e) {
		if _, waiting := pending[name]; waiting {
			return false
		}
	}
	return true
}

func (ev *evaluator) eval(a *hcl.Attribute, diags *hcl.Diagnostics) (cty.Value, bool) {
	val, moreDiags := a.Expr.Value(ev.context())
	*diags = append(*diags, moreDiags...)
	if moreDiags.HasErrors() || !val.IsWhollyKnown() {
		return cty.NilVal, false
	}
	return val, true
}

func (ev *evaluator) convert(a *hcl.Attribute, val cty.Value, ty cty.Type, want string, diags *hcl.Diagnostics) (cty.Value, bool) {
	val, _ = val.UnmarkDeep()
	out, err := convert.Convert(val, ty)
	if err != nil {
		*diags = append(*diags, attrError(a, "Incorrect attribute value type",
			fmt.Sprintf("Inappropriate value for attribute %q: %s required.", a.Name, want)))
		return cty.NilVal, false
	}
	return out, !out.IsNull()
}

func (ev *evaluator) asString(a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) (string, bool) {
	v, ok := ev.convert(a, val, cty.String, "string", diags)
	if !ok {
		return "", false
	}
	return v.AsString(), true
}

func (ev *evaluator) asBool(a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) (bool, bool) {
	v, ok := ev.convert(a, val, cty.Bool, "bool", diags)
	if !ok {
		return false, false
	}
	return v.True(), true
}

func (ev *evaluator) asStrings(a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) ([]string, bool) {
	v, ok := ev.convert(a, val, cty.List(cty.String), "list of string", diags)
	if !ok {
		return nil, false
	}
	out := []string{}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() {
			*diags = append(*diags, attrError(a, "Invalid list element", fmt.Sprintf("The list %q must not contain null.", a.Name)))
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

func (ev *evaluator) str(a *hcl.Attribute, diags *hcl.Diagnostics) (string, bool) {
	val, ok := ev.eval(a, diags)
	if !ok || val.IsNull() {
		return "", false
	}
	return ev.asString(a, val, diags)
}

func (ev *evaluator) boolean(a *hcl.Attribute, diags *hcl.Diagnostics) (bool, bool) {
	val, ok := ev.eval(a, diags)
	if !ok || val.IsNull() {
		return false, false
	}
	return ev.asBool(a, val, diags)
}

func (ev *evaluator) strings(a *hcl.Attribute, diags *hcl.Diagnostics) ([]string, bool) {
	val, ok := ev.eval(a, diags)
	if !ok || val.IsNull() {
		return nil, false
	}
	return ev.asStrings(a, val, diags)
}

// whole evaluates a whole number from lo to 2147483647 (an int column).
func (ev *evaluator) whole(a *hcl.Attribute, lo int64, diags *hcl.Diagnostics) (int64, bool) {
	val, ok := ev.eval(a, diags)
	if !ok || val.IsNull() {
		return 0, false
	}
	v, ok := ev.convert(a, val, cty.Number, "number", diags)
	if !ok {
		return 0, false
	}
	i, acc := v.AsBigFloat().Int64()
	if acc != big.Exact || i < lo || i > 1<<31-1 {
		*diags = append(*diags, attrError(a, "Invalid number", fmt.Sprintf("%s must be a whole number from %d to 2147483647.", a.Name, lo)))
		return 0, false
	}
	return i, true
}

func (ev *evaluator) resolve(path string) string {
	if filepath.IsAbs(path) {
		return path
	}
	return filepath.Join(ev.dir, path)
}
