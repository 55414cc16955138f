package schema

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/roster-project/roster/internal/account"
)

// A check over a large server is nearly always a filter of live.users
// ([for u in live.users : u.mfa if u.admin]) whose if clause keeps a few
// accounts of many. HCL evaluates that clause once per account, each time
// on an object it builds for the account: most of what a check costs. A
// prefilter decides the if clause in Go, on the account's row, where it can
// tell for sure that HCL would find it false, and the for expression then
// iterates only the accounts it keeps. HCL still evaluates the if clause on
// each of those, and every other part of the check: the outcome, its
// errors and its marks are HCL's. Where Go cannot tell (an attribute of a
// sensitive variable, a string that is not ASCII, an expression it does not
// know), it keeps the account, and HCL decides. Each for expression's
// objects hold only the attributes it reads, by name: a for expression
// that reads every account builds them small.

// prefilter is a for expression over live.users whose collection now
// reads the variable name, which EvalChecks sets to the accounts keep
// keeps (every account when keep is nil: the for expression has no if
// clause Go can decide), each an object of the attributes in attrs (nil:
// those of every list, Config.userAttrs).
type prefilter struct {
	name  string
	keep  func(u *LiveUser) bool
	attrs map[string]bool
	// expr is the for expression, rewritten.
	expr *hclsyntax.ForExpr
}

// prefilterChecks rewrites every for expression over live.users in exprs
// to read a list of its own, and returns their prefilters: one that keeps
// the accounts whose if clause Go cannot tell false, when the clause is one
// it knows, and each account as an object of only the attributes the for
// expression reads. It mutates the expressions: it runs once, after every
// other look at them.
func prefilterChecks(ev *evaluator, cfg *Config, exprs []hcl.Expression) []prefilter {
	var out []prefilter
	for _, e := range exprs {
		syn, ok := e.(hclsyntax.Expression)
		if !ok {
			continue
		}
		bound := map[string]bool{"live": true}
		scope := newLiveScope(syn)
		for _, b := range scope.binds {
			bound[b.name] = true
		}
		hclsyntax.VisitAll(syn, func(n hclsyntax.Node) hcl.Diagnostics {
			f, ok := n.(*hclsyntax.ForExpr)
			if !ok || !isType(scope.element(f.CollExpr), userType) {
				return nil
			}
			p := prefilter{name: fmt.Sprintf("live.users#%d", len(out)), expr: f, attrs: forAttrs(f)}
			rc := &rowCompiler{ctx: ev.context(), cfg: cfg, valVar: f.ValVar, bound: bound}
			// With a key variable, the key is the account's index in
			// live.users, which a shorter list would change.
			if f.CondExpr != nil && f.KeyVar == "" {
				if cond := rc.compile(f.CondExpr); cond != nil {
					p.keep = func(u *LiveUser) bool {
						v, ok := cond(u)
						return !ok || v.kind != rowBool || v.b
					}
				}
			}
			r := f.CollExpr.Range()
			f.CollExpr = &hclsyntax.ScopeTraversalExpr{Traversal: hcl.Traversal{hcl.TraverseRoot{Name: p.name, SrcRange: r}}, SrcRange: r}
			out = append(out, p)
			return nil
		})
	}
	return out
}

// forAttrs are the attributes of live.users' elements that f's variable
// reads by name in f (u.admin, u["mfa"]); nil when f uses it otherwise, as
// a whole value, which f may pass on. An inner for expression's variable of
// the same name adds what it reads, or makes it nil: more than f reads,
// never less.
func forAttrs(f *hclsyntax.ForExpr) map[string]bool {
	used := map[string]bool{}
	ok := true
	for _, x := range []hclsyntax.Expression{f.KeyExpr, f.ValExpr, f.CondExpr} {
		if x == nil {
			continue
		}
		hclsyntax.VisitAll(x, func(n hclsyntax.Node) hcl.Diagnostics {
			t, isTraversal := n.(*hclsyntax.ScopeTraversalExpr)
			if !isTraversal || t.Traversal.RootName() != f.ValVar {
				return nil
			}
			name, named := "", false
			if len(t.Traversal) >= 2 {
				name, named = attrName(t.Traversal[1])
			}
			ok = ok && named
			used[name] = true
			return nil
		})
	}
	if !ok {
		return nil
	}
	return used
}

// rowKind is the kind of a rowValue.
type rowKind int

const (
	rowOther rowKind = iota
	rowNull
	rowBool
	rowString
)

// rowValue is the value of part of an if clause for one account, as Go
// holds it: a bool, a string (ASCII, as cty holds it: cty normalizes
// strings to NFC, which changes no ASCII string) or null.
type rowValue struct {
	kind rowKind
	b    bool
	s    string
}

// rowExpr evaluates part of an if clause for an account; false when it
// cannot tell what HCL would make of it.
type rowExpr func(u *LiveUser) (rowValue, bool)

// rowCompiler compiles the if clause of a for expression over live.users
// whose variable is valVar.
type rowCompiler struct {
	// ctx evaluates the parts that refer to no account: the configuration's
	// variables, locals and functions.
	ctx    *hcl.EvalContext
	cfg    *Config
	valVar string
	// bound are live and the variables of every for expression of the
	// check: a part that refers to one is not the same for every account.
	bound map[string]bool
}

// compile is e as a rowExpr, or nil when it is not one this compiler
// knows.
func (rc *rowCompiler) compile(e hclsyntax.Expression) rowExpr {
	if !rc.refersToBound(e) {
		return rc.constant(e)
	}
	switch e := e.(type) {
	case *hclsyntax.ParenthesesExpr:
		return rc.compile(e.Expression)
	case *hclsyntax.ScopeTraversalExpr:
		return rc.attribute(e.Traversal)
	case *hclsyntax.UnaryOpExpr:
		if e.Op != hclsyntax.OpLogicalNot {
			return nil
		}
		if x := rc.compile(e.Val); x != nil {
			return func(u *LiveUser) (rowValue, bool) {
				v, ok := x(u)
				return rowValue{kind: rowBool, b: !v.b}, ok && v.kind == rowBool
			}
		}
	case *hclsyntax.BinaryOpExpr:
		return rc.binary(e)
	case *hclsyntax.FunctionCallExpr:
		return rc.contains(e)
	}
	return nil
}

// refersToBound reports whether e refers to live or to a for expression's
// variable.
func (rc *rowCompiler) refersToBound(e hclsyntax.Expression) bool {
	for _, t := range e.Variables() {
		if rc.bound[t.RootName()] {
			return true
		}
	}
	return false
}

// constant is e, which refers to no account, evaluated once; nil when HCL
// finds an error there, or a value that is not a plain bool, string or
// null.
func (rc *rowCompiler) constant(e hclsyntax.Expression) rowExpr {
	val, diags := e.Value(rc.ctx)
	if diags.HasErrors() || val.IsMarked() || !val.IsKnown() {
		return nil
	}
	var v rowValue
	switch {
	case val.IsNull():
		v = rowValue{kind: rowNull}
	case val.Type() == cty.Bool:
		v = rowValue{kind: rowBool, b: val.True()}
	case val.Type() == cty.String && ascii(val.AsString()):
		v = rowValue{kind: rowString, s: val.AsString()}
	default:
		return nil
	}
	return func(*LiveUser) (rowValue, bool) { return v, true }
}

// attribute is valVar.NAME (or valVar["NAME"]) of an attribute a row holds
// as a bool, string or null; nil for anything else.
func (rc *rowCompiler) attribute(t hcl.Traversal) rowExpr {
	if len(t) != 2 || t.RootName() != rc.valVar {
		return nil
	}
	name, ok := attrName(t[1])
	if !ok {
		return nil
	}
	read := liveAttrs[name].row
	if read == nil {
		return nil
	}
	if !rc.cfg.sensitiveAttrs[name] {
		return func(u *LiveUser) (rowValue, bool) { return read(u) }
	}
	return func(u *LiveUser) (rowValue, bool) {
		if d := rc.cfg.User(u.Nickname); d != nil && d.Sensitive[name] {
			return rowValue{}, false // HCL marks it, and the marks are the outcome's
		}
		return read(u)
	}
}

// attrName is the attribute a traversal step names.
func attrName(step hcl.Traverser) (string, bool) {
	switch s := step.(type) {
	case hcl.TraverseAttr:
		return s.Name, true
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() && !s.Key.IsMarked() {
			return s.Key.AsString(), true
		}
	}
	return "", false
}

// binary is &&, || (of bools), == and != (of bools, strings and nulls, as
// cty's Equals compares them: nulls are equal whatever their types, a null
// equals nothing else, values of other types are not equal).
func (rc *rowCompiler) binary(e *hclsyntax.BinaryOpExpr) rowExpr {
	op := e.Op
	if op != hclsyntax.OpLogicalAnd && op != hclsyntax.OpLogicalOr && op != hclsyntax.OpEqual && op != hclsyntax.OpNotEqual {
		return nil
	}
	lhs, rhs := rc.compile(e.LHS), rc.compile(e.RHS)
	if lhs == nil || rhs == nil {
		return nil
	}
	return func(u *LiveUser) (rowValue, bool) {
		l, ok := lhs(u)
		if !ok {
			return l, false
		}
		r, ok := rhs(u)
		if !ok {
			return r, false
		}
		switch op {
		case hclsyntax.OpLogicalAnd:
			return rowValue{kind: rowBool, b: l.b && r.b}, l.kind == rowBool && r.kind == rowBool
		case hclsyntax.OpLogicalOr:
			return rowValue{kind: rowBool, b: l.b || r.b}, l.kind == rowBool && r.kind == rowBool
		}
		eq, ok := equal(l, r)
		return rowValue{kind: rowBool, b: eq == (op == hclsyntax.OpEqual)}, ok
	}
}

// equal is cty's Equals of two row values.
func equal(l, r rowValue) (bool, bool) {
	switch {
	case l.kind == rowOther || r.kind == rowOther:
		return false, false
	case l.kind == rowNull || r.kind == rowNull:
		return l.kind == r.kind, true
	case l.kind != r.kind:
		return false, true
	case l.kind == rowBool:
		return l.b == r.b, true
	}
	return l.s == r.s, true
}

// contains is contains(valVar.tags, s), for a string s: whether the
// account has the tag. A tag that is not ASCII could equal s once cty has
// normalized it: when s is not among the others, Go cannot tell.
func (rc *rowCompiler) contains(e *hclsyntax.FunctionCallExpr) rowExpr {
	if e.Name != "contains" || len(e.Args) != 2 || e.ExpandFinal {
		return nil
	}
	t, ok := e.Args[0].(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(t.Traversal) != 2 || t.Traversal.RootName() != rc.valVar {
		return nil
	}
	if name, ok := attrName(t.Traversal[1]); !ok || name != account.Tags || rc.cfg.sensitiveAttrs[account.Tags] {
		return nil
	}
	arg := rc.compile(e.Args[1])
	if arg == nil {
		return nil
	}
	return func(u *LiveUser) (rowValue, bool) {
		s, ok := arg(u)
		if !ok || s.kind != rowString {
			return rowValue{}, false
		}
		sure := true
		for _, tag := range u.Tags {
			if tag == s.s {
				return rowValue{kind: rowBool, b: true}, true
			}
			sure = sure && ascii(tag)
		}
		return rowValue{kind: rowBool}, sure
	}
}

func stringValue(s string) (rowValue, bool) { return rowValue{kind: rowString, s: s}, ascii(s) }

func optStringValue(p *string) (rowValue, bool) {
	if p == nil {
		return rowValue{kind: rowNull}, true
	}
	return stringValue(*p)
}

// ascii reports whether s is all ASCII.
func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
