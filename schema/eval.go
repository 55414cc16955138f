package schema

import (
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"

	"github.com/roster-project/roster/internal/confine"
)

// evaluator holds the evaluation state of one Load call.
type evaluator struct {
	// src reads the files that file() and templatefile() name.
	src      *sources
	declared map[string]*variable
	// vars is the var object, once variables have their values.
	vars      cty.Value
	locals    map[string]cty.Value
	functions map[string]function.Function
	// tainted says which locals derive from a sensitive value (oracle.go).
	tainted map[string]bool
	// frozen is the evaluation context once variables and locals are all
	// known.
	frozen *hcl.EvalContext
	// now is the instant the run began, plantimestamp().
	now time.Time
}

type variable struct {
	name      string
	sensitive bool
	value     cty.Value // cty.NilVal until assigned
	// fromEnv is true when the value came from a ROSTER_VAR_ environment
	// variable: it is sensitive, whatever the declaration says.
	fromEnv bool
	decl    hcl.Range
}

func newEvaluator(src *sources) *evaluator {
	ev := &evaluator{src: src, declared: map[string]*variable{}, vars: cty.EmptyObjectVal, locals: map[string]cty.Value{}, tainted: map[string]bool{}}
	ev.functions = ev.makeFunctions()
	return ev
}

// context is the evaluation context of the blocks, once freeze has fixed
// it; until then, of variables alone.
func (ev *evaluator) context() *hcl.EvalContext {
	if ev.frozen != nil {
		return ev.frozen
	}
	return ev.contextWith(nil)
}

// contextWith is an evaluation context holding the variables and the given
// locals.
func (ev *evaluator) contextWith(locals map[string]cty.Value) *hcl.EvalContext {
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"var": ev.vars, "local": cty.ObjectVal(locals)},
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
			v.value, v.fromEnv = cty.StringVal(value), true
		}
	}
	for _, path := range in.VarFiles {
		diags = append(diags, ev.assignVarFile(p, path)...)
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
		v.value, v.fromEnv = cty.StringVal(value), false
	}
	values := map[string]cty.Value{}
	for _, v := range ev.inOrder() {
		if v.value == cty.NilVal && !in.Partial {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "No value for required variable",
				Detail:  fmt.Sprintf("The variable %q is required but has no value. Give it one with --var %s=..., a --var-file, or the environment variable %s%s.", v.name, v.name, EnvPrefix, v.name),
				Subject: v.decl.Ptr()})
		}
		if v.value == cty.NilVal {
			v.value = cty.DynamicVal
		}
		// A sensitive variable without a value is marked too, so that
		// validate already refuses it where sensitive values are not
		// allowed. A value from the environment is sensitive whatever the
		// declaration says: a CI job keeps its secrets there, and a pull
		// request writes the declarations.
		if v.sensitive || v.fromEnv {
			v.value = v.value.Mark(sensitiveMark)
		}
		values[v.name] = v.value
	}
	ev.vars = cty.ObjectVal(values)
	return diags
}

// assignVarFile reads the variables file at path, which the operator named:
// it may be anywhere, but must be a regular file within MaxFileSize and
// MaxNesting.
func (ev *evaluator) assignVarFile(p *hclparse.Parser, path string) hcl.Diagnostics {
	src, err := confine.ReadFile(path, MaxFileSize)
	if err != nil {
		return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read variables file",
			Detail: fmt.Sprintf("The variables file %s was not read: %v. A variables file must be a regular file of at most %s.", path, err, confine.Size(MaxFileSize))}}
	}
	if diags := CheckNesting(src, path); diags.HasErrors() {
		return diags
	}
	f, diags := p.ParseHCL(src, path)
	if f == nil {
		return diags
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
			v.value, v.fromEnv = val, false
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
func (ev *evaluator) freeze() { ev.frozen = ev.contextWith(ev.locals) }

// value evaluates a, refusing a value that derives from a sensitive
// variable unless secretOK, before anything else checks it, so that no
// message ever quotes it. It returns false, the diagnostics reported, when
// there is no value to check: an error, an unknown value (a variable
// without one, for validate) or null.
func (ev *evaluator) value(a *hcl.Attribute, secretOK bool, diags *hcl.Diagnostics) (cty.Value, bool) {
	val, moreDiags := a.Expr.Value(ev.context())
	*diags = append(*diags, moreDiags...)
	switch {
	case moreDiags.HasErrors():
		return cty.NilVal, false
	case !secretOK && isSensitive(val):
		*diags = append(*diags, sensitiveError(a))
		return cty.NilVal, false
	case !val.IsWhollyKnown() || val.IsNull():
		return cty.NilVal, false
	}
	return val, true
}

func (ev *evaluator) convert(a *hcl.Attribute, val cty.Value, ty cty.Type, want string, diags *hcl.Diagnostics) (cty.Value, bool) {
	val, _ = unmarkAll(val)
	out, err := convert.Convert(val, ty)
	if err != nil {
		*diags = append(*diags, attrError(a, "Incorrect attribute value type",
			fmt.Sprintf("Inappropriate value for attribute %q: %s required.", a.Name, want)))
		return cty.NilVal, false
	}
	return out, !out.IsNull()
}

// asString converts val to a string, refusing one that PostgreSQL could
// not store.
func (ev *evaluator) asString(a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) (string, bool) {
	v, ok := ev.convert(a, val, cty.String, "string", diags)
	if !ok {
		return "", false
	}
	if strings.ContainsRune(v.AsString(), 0) {
		*diags = append(*diags, nulError(a, "The value of "+a.Name))
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

// asStrings converts val to a list of strings, refusing null elements and
// strings that PostgreSQL could not store.
func (ev *evaluator) asStrings(a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) ([]string, bool) {
	v, ok := ev.convert(a, val, cty.List(cty.String), "list of string", diags)
	if !ok {
		return nil, false
	}
	out := []string{}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		switch {
		case e.IsNull():
			*diags = append(*diags, attrError(a, "Invalid list element", fmt.Sprintf("The list %q must not contain null.", a.Name)))
			return nil, false
		case strings.ContainsRune(e.AsString(), 0):
			*diags = append(*diags, nulError(a, "An element of "+a.Name))
			return nil, false
		}
		out = append(out, e.AsString())
	}
	return out, true
}

// str evaluates a string that must not derive from a sensitive variable.
func (ev *evaluator) str(a *hcl.Attribute, diags *hcl.Diagnostics) (string, bool) {
	val, ok := ev.value(a, false, diags)
	if !ok {
		return "", false
	}
	return ev.asString(a, val, diags)
}

// secret evaluates a string that may derive from a sensitive variable.
func (ev *evaluator) secret(a *hcl.Attribute, diags *hcl.Diagnostics) (string, bool) {
	val, ok := ev.value(a, true, diags)
	if !ok {
		return "", false
	}
	return ev.asString(a, val, diags)
}

func (ev *evaluator) boolean(a *hcl.Attribute, diags *hcl.Diagnostics) (bool, bool) {
	val, ok := ev.value(a, false, diags)
	if !ok {
		return false, false
	}
	return ev.asBool(a, val, diags)
}

func (ev *evaluator) strings(a *hcl.Attribute, diags *hcl.Diagnostics) ([]string, bool) {
	val, ok := ev.value(a, false, diags)
	if !ok {
		return nil, false
	}
	return ev.asStrings(a, val, diags)
}

// command evaluates a list of strings whose elements may derive from
// sensitive variables, and says which do.
func (ev *evaluator) command(a *hcl.Attribute, diags *hcl.Diagnostics) ([]string, []bool, bool) {
	val, ok := ev.value(a, true, diags)
	if !ok {
		return nil, nil, false
	}
	out, ok := ev.asStrings(a, val, diags)
	if !ok {
		return nil, nil, false
	}
	return out, elementsSensitive(val, len(out)), true
}

// whole evaluates a whole number from lo to 2147483647 (an int column).
func (ev *evaluator) whole(a *hcl.Attribute, lo int64, diags *hcl.Diagnostics) (int64, bool) {
	val, ok := ev.value(a, false, diags)
	if !ok {
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
