package schema

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/roster-project/roster/internal/addrs"
)

// Check is a check block: assertions about the server's accounts and
// invites (live.users, live.invites) that must hold whoever changed what,
// in Terraform 1.5's grammar. Plan evaluates them on the state the plan
// would leave, drift on the live state, apply in its transaction before
// COMMIT.
type Check struct {
	// Name is the block's label, an identifier.
	Name string
	// Enforce is roster's enforce = true: a failing check rolls an apply
	// back. Without it, a failing check is a warning, as in Terraform.
	Enforce    bool
	Asserts    []*Assert
	DeclRange  hcl.Range
	LabelRange hcl.Range
}

// Address is check.NAME.
func (c *Check) Address() string { return addrs.Of("check", c.Name) }

// Assert is one assert block of a check: its condition and error message,
// evaluated with live in scope.
type Assert struct {
	DeclRange hcl.Range
	// ConditionRange is where the condition is, for the diagnostics of a
	// failing assertion.
	ConditionRange hcl.Range
	condition      hcl.Expression
	errorMessage   hcl.Expression
}

var checkSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "enforce"}},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "assert"},
		{Type: "data", LabelNames: []string{"type", "name"}},
	},
}

var assertSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "condition", Required: true}, {Name: "error_message", Required: true}},
}

// decodeChecks reads the check blocks, and checks what can be checked
// without a database: names, attribute types, references to attributes
// live's objects do not have, and conditions that are not bool (against
// objects of live's types whose values are not known).
func decodeChecks(ev *evaluator, blocks hcl.Blocks, cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	seen := map[string]*Check{}
	for _, b := range blocks {
		c := &Check{Name: b.Labels[0], DeclRange: b.DefRange, LabelRange: b.LabelRanges[0]}
		if !hclsyntax.ValidIdentifier(c.Name) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid check block name",
				Detail:  "A check name must start with a letter or underscore and may contain only letters, digits, underscores and dashes.",
				Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		if prev, ok := seen[c.Name]; ok {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate check block",
				Detail:  fmt.Sprintf("A check block named %q was already declared at %s. Check block names must be unique.", c.Name, rangeString(prev.DeclRange)),
				Subject: b.LabelRanges[0].Ptr()})
			continue
		}
		seen[c.Name] = c
		diags = append(diags, decodeCheck(ev, b, c)...)
		cfg.Checks = append(cfg.Checks, c)
	}
	var exprs []hcl.Expression
	for _, c := range cfg.Checks {
		for _, a := range c.Asserts {
			exprs = append(exprs, a.condition, a.errorMessage)
		}
	}
	cfg.userAttrs = userAttrsUsed(exprs)
	cfg.readsUsers, cfg.readsInvites = liveRead(exprs)
	cfg.sensitiveAttrs = map[string]bool{}
	for _, u := range cfg.Users {
		for name, s := range u.Sensitive {
			cfg.sensitiveAttrs[name] = cfg.sensitiveAttrs[name] || s
		}
	}
	cfg.prefilters = prefilterChecks(ev, cfg, exprs)
	cfg.usersWhole, _ = liveRead(exprs)
	return diags
}

func decodeCheck(ev *evaluator, b *hcl.Block, c *Check) hcl.Diagnostics {
	content, diags := b.Body.Content(checkSchema)
	if content == nil {
		return diags
	}
	if a, ok := content.Attributes["enforce"]; ok {
		if v, ok := ev.boolean(a, &diags); ok {
			c.Enforce = v
		}
	}
	for _, blk := range content.Blocks {
		if blk.Type == "data" {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Scoped data sources are not supported",
				Detail:  "roster's checks have no providers to read data from: they read the server's accounts and invites as live.users and live.invites. Remove the data block and refer to live instead.",
				Subject: blk.DefRange.Ptr()})
			continue
		}
		a, moreDiags := decodeAssert(ev, blk)
		diags = append(diags, moreDiags...)
		if a != nil {
			c.Asserts = append(c.Asserts, a)
		}
	}
	if len(c.Asserts) == 0 && !diags.HasErrors() {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Missing assert block",
			Detail:  fmt.Sprintf("%s has no assert block. A check holds one or more assert blocks, each with a condition and an error_message.", c.Address()),
			Subject: b.DefRange.Ptr()})
	}
	return diags
}

// decodeAssert reads an assert block and evaluates its expressions against
// a live value whose lists' contents are not known: what fails there fails
// whatever the server holds.
func decodeAssert(ev *evaluator, b *hcl.Block) (*Assert, hcl.Diagnostics) {
	content, diags := b.Body.Content(assertSchema)
	if diags.HasErrors() {
		return nil, diags
	}
	cond, msg := content.Attributes["condition"], content.Attributes["error_message"]
	a := &Assert{DeclRange: b.DefRange, ConditionRange: cond.Expr.Range(), condition: cond.Expr, errorMessage: msg.Expr}
	for _, attr := range []*hcl.Attribute{cond, msg} {
		if ev.refersToSensitive(attr.Expr) {
			diags = append(diags, valueBlind(attrError(attr, "Sensitive value not allowed", fmt.Sprintf(
				"The %s of a check refers to a sensitive variable, but whether a check fails, and its error message, are shown in every plan and drift report, "+
					"so roster could not keep the value secret. Refer to values that are not secret.", attr.Name))))
		}
		diags = append(diags, liveReferences(attr.Expr)...)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	ctx := ev.checkContext(map[string]cty.Value{"live": unknownLive})
	val, moreDiags := cond.Expr.Value(ctx)
	diags = append(diags, moreDiags...)
	if !moreDiags.HasErrors() {
		if d := conditionType(cond.Expr, val); d != nil {
			diags = append(diags, d)
		}
	}
	val, moreDiags = msg.Expr.Value(ctx)
	diags = append(diags, moreDiags...)
	if !moreDiags.HasErrors() {
		if _, err := convert.Convert(val, cty.String); err != nil {
			diags = append(diags, attrError(msg, "Invalid error message", fmt.Sprintf("error_message must be a string: %s.", err)))
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return a, diags
}

// conditionType refuses a condition whose value is not a bool, known or
// not: a string "true" is not a condition either.
func conditionType(e hcl.Expression, val cty.Value) *hcl.Diagnostic {
	ty := val.Type()
	if ty == cty.Bool || ty == cty.DynamicPseudoType {
		return nil
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid condition result",
		Detail:  fmt.Sprintf("The condition of a check must be a bool (true when the check passes), not %s.", ty.FriendlyName()),
		Subject: e.Range().Ptr()}
}

// userType is the type of live.users' elements (liveAttrs), and
// inviteType of live.invites'. Times are RFC 3339 strings in UTC, as
// timeadd and timecmp take them.
var (
	userType = func() cty.Type {
		types := make(map[string]cty.Type, len(liveAttrs))
		for name, a := range liveAttrs {
			types[name] = a.ty
		}
		return cty.Object(types)
	}()
	inviteType = cty.Object(map[string]cty.Type{
		"id": cty.Number, "name": cty.String, "invite_type": cty.String, "expires_at": cty.String,
		"uses": cty.Number, "max_use": cty.Number, "used": cty.Bool, "state": cty.String,
		"inserted_at": cty.String,
	})
	// unknownLive is live with lists of unknown contents, to check
	// expressions at validate.
	unknownLive = cty.ObjectVal(map[string]cty.Value{
		"users": cty.UnknownVal(cty.List(userType)), "invites": cty.UnknownVal(cty.List(inviteType)),
	})
)

// liveCollections are the lists of live, by name, and their elements' types.
var liveCollections = map[string]cty.Type{"users": userType, "invites": inviteType}

// checkContext is the evaluation context of check expressions: the
// configuration's, with live (and the prefilters' lists).
func (ev *evaluator) checkContext(vars map[string]cty.Value) *hcl.EvalContext {
	ctx := ev.context().NewChild()
	ctx.Variables = vars
	return ctx
}

// binding is a for expression's variable: its name, the type of the
// elements of live it stands for (cty.NilType for any other collection, or
// a key), and where it is in scope.
type binding struct {
	name  string
	ty    cty.Type
	scope []hcl.Range
}

// liveReferences reports every reference to an attribute that live's
// objects do not have, through a for expression over live.users or
// live.invites. Evaluating against lists of unknown contents does not get
// there: HCL evaluates no element of an unknown collection.
func liveReferences(e hcl.Expression) hcl.Diagnostics {
	syn, ok := e.(hclsyntax.Expression)
	if !ok {
		return nil
	}
	scope := newLiveScope(syn)
	binds := forBindings(syn, scope.element)
	var diags hcl.Diagnostics
	hclsyntax.VisitAll(syn, func(n hclsyntax.Node) hcl.Diagnostics {
		t, ok := n.(*hclsyntax.ScopeTraversalExpr)
		if !ok || len(t.Traversal) < 2 {
			return nil
		}
		// Where live is a for expression's variable, live.users[0] is not
		// an account.
		if d := indexedElement(t.Traversal); d != nil && !scope.hidden(t.SrcRange) {
			diags = append(diags, d)
		}
		ty := innermost(binds, t.Traversal.RootName(), t.SrcRange)
		if ty == cty.NilType {
			return nil
		}
		if d := unsupportedAttribute(t.Traversal[1], ty); d != nil {
			diags = append(diags, d)
		}
		return nil
	})
	return diags
}

// liveScope tells where, in one expression, live is the root live and
// not a for expression's variable of that name.
type liveScope struct{ binds []binding }

func newLiveScope(e hclsyntax.Expression) liveScope {
	return liveScope{binds: forBindings(e, func(hclsyntax.Expression) cty.Type { return cty.NilType })}
}

// hidden reports whether a for expression's variable named live is in
// scope at r.
func (s liveScope) hidden(r hcl.Range) bool {
	for _, b := range s.binds {
		if b.name != "live" {
			continue
		}
		for _, sc := range b.scope {
			if sc.Filename == r.Filename && sc.Start.Byte <= r.Start.Byte && r.End.Byte <= sc.End.Byte {
				return true
			}
		}
	}
	return false
}

// element is liveElement of x, where live is the root live.
func (s liveScope) element(x hclsyntax.Expression) cty.Type {
	if s.hidden(x.Range()) {
		return cty.NilType
	}
	return liveElement(x)
}

// liveElement is the type of the elements of e when e is live.users or
// live.invites, else cty.NilType.
func liveElement(e hclsyntax.Expression) cty.Type {
	t, ok := e.(*hclsyntax.ScopeTraversalExpr)
	if !ok || len(t.Traversal) != 2 || t.Traversal.RootName() != "live" {
		return cty.NilType
	}
	if a, ok := t.Traversal[1].(hcl.TraverseAttr); ok {
		return liveCollections[a.Name]
	}
	return cty.NilType
}

// indexedElement refuses live.users[N]["name"] (and live.invites') when the
// elements have no attribute of that name: indexing a value not known yet
// checks nothing.
func indexedElement(t hcl.Traversal) *hcl.Diagnostic {
	if len(t) < 4 || t.RootName() != "live" {
		return nil
	}
	a, ok := t[1].(hcl.TraverseAttr)
	if _, index := t[2].(hcl.TraverseIndex); !ok || !index || liveCollections[a.Name] == cty.NilType {
		return nil
	}
	return unsupportedAttribute(t[3], liveCollections[a.Name])
}

// innermost is the type the innermost binding of name in scope at r
// stands for; cty.NilType when it is no element of live.
func innermost(binds []binding, name string, r hcl.Range) cty.Type {
	best, size := cty.NilType, -1
	for _, b := range binds {
		if b.name != name {
			continue
		}
		for _, s := range b.scope {
			if s.Filename == r.Filename && s.Start.Byte <= r.Start.Byte && r.End.Byte <= s.End.Byte &&
				(size < 0 || s.End.Byte-s.Start.Byte < size) {
				best, size = b.ty, s.End.Byte-s.Start.Byte
			}
		}
	}
	return best
}

// unsupportedAttribute refuses the step of a traversal of an element of
// live that names an attribute the element does not have.
func unsupportedAttribute(step hcl.Traverser, ty cty.Type) *hcl.Diagnostic {
	name := ""
	switch s := step.(type) {
	case hcl.TraverseAttr:
		name = s.Name
	case hcl.TraverseIndex:
		if s.Key.Type() != cty.String || !s.Key.IsKnown() || s.Key.IsNull() {
			return nil
		}
		name = s.Key.AsString()
	default:
		return nil
	}
	if ty.HasAttribute(name) {
		return nil
	}
	var names []string
	for n := range ty.AttributeTypes() {
		names = append(names, n)
	}
	slices.Sort(names)
	what := "live.users"
	if ty.Equals(inviteType) {
		what = "live.invites"
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported attribute",
		Detail: fmt.Sprintf("The elements of %s have no attribute named %q. They have: %s.",
			what, shown(name, false), strings.Join(names, ", ")),
		Subject: step.SourceRange().Ptr()}
}

// userAttrsUsed returns the attributes of live.users' elements that the
// expressions use, when they use them only by name (u.admin, u["mfa"])
// through a for expression over live.users; nil, for every attribute,
// when one uses an element or live.users otherwise (as a whole value, by
// index, with a splat). Checks over many accounts then build only what
// they read.
func userAttrsUsed(exprs []hcl.Expression) map[string]bool {
	used := map[string]bool{}
	for _, e := range exprs {
		syn, ok := e.(hclsyntax.Expression)
		if !ok {
			return nil
		}
		if !attrsUsedIn(syn, used) {
			return nil
		}
	}
	return used
}

// attrsUsedIn adds to used the attributes of live.users' elements that e
// uses by name, and reports false when e uses them otherwise. A filter
// over live.users ([for a in live.users : a if a.admin]) as the
// collection of another for expression passes the elements through: the
// other's variable stands for them too.
func attrsUsedIn(e hclsyntax.Expression, used map[string]bool) bool {
	colls := map[hclsyntax.Expression]bool{}
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		if f, ok := n.(*hclsyntax.ForExpr); ok {
			colls[f.CollExpr] = true
		}
		return nil
	})
	passed := map[hclsyntax.Expression]bool{} // the value of each filter
	scope := newLiveScope(e)
	elementOf := func(coll hclsyntax.Expression) cty.Type {
		if f, ok := coll.(*hclsyntax.ForExpr); ok && f.KeyExpr == nil && isType(scope.element(f.CollExpr), userType) {
			if v, ok := f.ValExpr.(*hclsyntax.ScopeTraversalExpr); ok && len(v.Traversal) == 1 && v.Traversal.RootName() == f.ValVar {
				passed[v] = true
				return userType
			}
		}
		return scope.element(coll)
	}
	binds := forBindings(e, elementOf)
	ok := true
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		t, isTraversal := n.(*hclsyntax.ScopeTraversalExpr)
		if !isTraversal {
			return nil
		}
		if t.Traversal.RootName() == "live" && !scope.hidden(t.SrcRange) {
			// live.users as a for's collection binds its elements; any
			// other use of live may read every attribute.
			ok = ok && (colls[t] && isType(liveElement(t), userType) || isType(liveElement(t), inviteType))
			return nil
		}
		if !isType(innermost(binds, t.Traversal.RootName(), t.SrcRange), userType) || passed[t] {
			return nil
		}
		name := ""
		if len(t.Traversal) >= 2 {
			switch s := t.Traversal[1].(type) {
			case hcl.TraverseAttr:
				name = s.Name
			case hcl.TraverseIndex:
				if s.Key.Type() == cty.String && s.Key.IsKnown() && !s.Key.IsNull() {
					name = s.Key.AsString()
				}
			}
		}
		if name == "" {
			ok = false
		}
		used[name] = true
		return nil
	})
	return ok
}

// isType reports whether ty is want; cty.NilType is no type.
func isType(ty, want cty.Type) bool { return ty != cty.NilType && ty.Equals(want) }

// forBindings returns the variables each for expression in e binds, with
// where they are in scope: its value variable, of the type elementOf gives
// its collection's elements, and its key variable, of no known type.
func forBindings(e hclsyntax.Expression, elementOf func(hclsyntax.Expression) cty.Type) []binding {
	var binds []binding
	hclsyntax.VisitAll(e, func(n hclsyntax.Node) hcl.Diagnostics {
		f, ok := n.(*hclsyntax.ForExpr)
		if !ok {
			return nil
		}
		var scope []hcl.Range
		for _, x := range []hclsyntax.Expression{f.KeyExpr, f.ValExpr, f.CondExpr} {
			if x != nil {
				scope = append(scope, x.Range())
			}
		}
		binds = append(binds, binding{name: f.ValVar, ty: elementOf(f.CollExpr), scope: scope})
		if f.KeyVar != "" {
			binds = append(binds, binding{name: f.KeyVar, ty: cty.NilType, scope: scope})
		}
		return nil
	})
	return binds
}
