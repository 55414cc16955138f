package schema

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// localDef is one local value: its definition and the locals it refers to,
// by index.
type localDef struct {
	attr *hcl.Attribute
	refs []int
	// depth bounds how deeply the value nests (see boundDepth); growth
	// bounds how many levels the expression adds to what it refers to.
	depth, growth int
	// tooDeep is set when the value, or one it refers to, nests deeper
	// than MaxValueNesting.
	tooDeep bool
	// badRef is set when the local refers to the local object as a whole:
	// an error already, it is not evaluated.
	badRef bool
}

// evalLocals evaluates the locals in linear time: one topological sort
// (Kahn's algorithm) orders them, each is evaluated once, in a context that
// holds only the locals it refers to. What the sort leaves over is in a
// cycle or waits on one: only the former is an error.
func (ev *evaluator) evalLocals(blocks hcl.Blocks) hcl.Diagnostics {
	defs, diags := collectLocals(blocks)
	waiting := make([]int, len(defs)) // references not evaluated yet
	users := make([][]int, len(defs)) // who refers to each local
	var queue []int
	for i, d := range defs {
		waiting[i] = len(d.refs)
		for _, r := range d.refs {
			users[r] = append(users[r], i)
		}
		if waiting[i] == 0 {
			queue = append(queue, i)
		}
	}
	done := make([]bool, len(defs))
	for len(queue) > 0 {
		i := queue[0]
		queue = queue[1:]
		diags = append(diags, ev.evalLocal(defs, i)...)
		ev.taint(defs, i)
		done[i] = true
		for _, u := range users[i] {
			if waiting[u]--; waiting[u] == 0 {
				queue = append(queue, u)
			}
		}
	}
	cyclic := inCycles(defs, done)
	for i, d := range defs {
		if done[i] {
			continue
		}
		ev.taint(defs, i)
		if cyclic[i] {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cycle in local values",
				Detail:  fmt.Sprintf("The local value %q refers, directly or through other locals, to itself.", d.attr.Name),
				Subject: d.attr.Expr.Range().Ptr()})
		}
		ev.locals[d.attr.Name] = cty.DynamicVal
	}
	return diags
}

// collectLocals returns the locals of blocks in source order, with the
// references of each; a duplicate name is an error, and only its first
// definition counts.
func collectLocals(blocks hcl.Blocks) ([]*localDef, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	var defs []*localDef
	index := map[string]int{}
	for _, b := range blocks {
		as, moreDiags := b.Body.JustAttributes()
		diags = append(diags, moreDiags...)
		for _, a := range sortedAttrs(as) {
			if prev, ok := index[a.Name]; ok {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate local value definition",
					Detail:  fmt.Sprintf("A local value named %q was already defined at %s. Local value names must be unique.", a.Name, rangeString(defs[prev].attr.Range)),
					Subject: a.NameRange.Ptr()})
				continue
			}
			index[a.Name] = len(defs)
			defs = append(defs, &localDef{attr: a, growth: growth(a.Expr)})
		}
	}
	for _, d := range defs {
		names, moreDiags := localRefs(d.attr.Expr)
		diags = append(diags, moreDiags...)
		d.badRef = moreDiags.HasErrors()
		seen := map[int]bool{}
		for _, n := range names {
			// A reference to no local is left to evaluation to report.
			if r, ok := index[n]; ok && !seen[r] {
				seen[r] = true
				d.refs = append(d.refs, r)
			}
		}
	}
	return defs, diags
}

// localRefs returns the names of the locals e refers to, as local.NAME or
// local["NAME"]. The local object as a whole, or indexed by an expression,
// would hide what a local depends on: it is an error.
func localRefs(e hcl.Expression) ([]string, hcl.Diagnostics) {
	var out []string
	var diags hcl.Diagnostics
	for _, t := range e.Variables() {
		if t.RootName() != "local" {
			continue
		}
		if len(t) >= 2 {
			switch step := t[1].(type) {
			case hcl.TraverseAttr:
				out = append(out, step.Name)
				continue
			case hcl.TraverseIndex:
				if k := step.Key; k.Type() == cty.String && k.IsKnown() && !k.IsNull() {
					out = append(out, k.AsString())
					continue
				}
			}
		}
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid reference to local values",
			Detail:  "A local value refers to another by its name, as local.NAME: the local object as a whole, or a local chosen by an expression, is not available there.",
			Subject: t.SourceRange().Ptr()})
	}
	return out, diags
}

// evalLocal evaluates local i, whose references all have their values.
func (ev *evaluator) evalLocal(defs []*localDef, i int) hcl.Diagnostics {
	d := defs[i]
	locals := make(map[string]cty.Value, len(d.refs))
	for _, r := range d.refs {
		name := defs[r].attr.Name
		locals[name] = ev.locals[name]
		d.tooDeep = d.tooDeep || defs[r].tooDeep
	}
	// After an error of its own or of a local it refers to (reported
	// there), a local is not evaluated.
	if d.badRef || d.tooDeep {
		ev.locals[d.attr.Name] = cty.DynamicVal
		return nil
	}
	val, diags := d.attr.Expr.Value(ev.contextWith(locals))
	if diags.HasErrors() {
		val = cty.DynamicVal
	}
	if !boundDepth(defs, i, val) {
		d.tooDeep = true
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Value nested too deep",
			Detail: fmt.Sprintf("The value of local %q nests lists, maps and objects more than %d levels deep, through the locals it refers to. "+
				"No real configuration needs so deep a value, and roster's evaluation could not handle it.", d.attr.Name, MaxValueNesting),
			Subject: d.attr.Expr.Range().Ptr()})
		val = cty.DynamicVal
	}
	ev.locals[d.attr.Name] = val
	return diags
}

// boundDepth sets the depth bound of local i, whose value is val, and
// reports whether val nests at most MaxValueNesting levels. Chained locals
// can build a value deeper than any source, and cty walks values
// recursively. Measuring every value would cost its size for each local,
// so the bound is the deepest local referred to (or MaxNesting, what a
// variable or a jsondecode result may nest), plus the expression's growth;
// the value is measured only when that passes the limit.
func boundDepth(defs []*localDef, i int, val cty.Value) bool {
	d := defs[i]
	d.depth = MaxNesting
	for _, r := range d.refs {
		d.depth = max(d.depth, defs[r].depth)
	}
	d.depth += d.growth
	if d.depth <= MaxValueNesting {
		return true
	}
	d.depth = valueDepth(val, MaxValueNesting)
	return d.depth <= MaxValueNesting
}

// growth bounds how many levels of lists, maps and objects e adds to the
// values it refers to: along each path of its syntax tree, one for a tuple
// or object, one for a splat (it may wrap a value in a tuple), two for a
// for expression (grouping makes a map of lists) and two for a function
// call (setproduct, chunklist, regexall nest their results at most two
// levels deeper than their arguments; jsondecode's result is no deeper
// than MaxNesting). The source nests at most MaxNesting levels, so walking
// its tree recursively is safe.
func growth(e hcl.Expression) int {
	node, ok := e.(hclsyntax.Node)
	if !ok {
		return 2 * MaxNesting
	}
	w := &growthWalker{}
	hclsyntax.Walk(node, w)
	return w.deepest
}

type growthWalker struct {
	path    []int // the weight of each node from the root
	sum     int
	deepest int
}

func (w *growthWalker) Enter(n hclsyntax.Node) hcl.Diagnostics {
	weight := 0
	switch n.(type) {
	case *hclsyntax.TupleConsExpr, *hclsyntax.ObjectConsExpr, *hclsyntax.SplatExpr:
		weight = 1
	case *hclsyntax.ForExpr, *hclsyntax.FunctionCallExpr:
		weight = 2
	}
	w.path = append(w.path, weight)
	w.sum += weight
	w.deepest = max(w.deepest, w.sum)
	return nil
}

func (w *growthWalker) Exit(hclsyntax.Node) hcl.Diagnostics {
	w.sum -= w.path[len(w.path)-1]
	w.path = w.path[:len(w.path)-1]
	return nil
}

// valueDepth returns how many levels of collections and structures v
// nests, or limit+1 once it finds more than limit; without recursion.
func valueDepth(v cty.Value, limit int) int {
	type item struct {
		v     cty.Value
		depth int
	}
	deepest := 0
	stack := []item{{v, 0}}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		deepest = max(deepest, it.depth)
		if deepest > limit {
			return limit + 1
		}
		inner, _ := it.v.Unmark()
		if !inner.IsKnown() || inner.IsNull() || !inner.CanIterateElements() {
			continue
		}
		for e := inner.ElementIterator(); e.Next(); {
			_, ev := e.Element()
			stack = append(stack, item{ev, it.depth + 1})
		}
	}
	return deepest
}

// inCycles marks the locals not done that lie on a cycle: those of a
// strongly connected component of more than one local, or that refer to
// themselves. It is Tarjan's algorithm with an explicit stack, so that a
// long chain cannot overflow Go's.
func inCycles(defs []*localDef, done []bool) []bool {
	const unvisited = -1
	n := len(defs)
	order, low := make([]int, n), make([]int, n)
	onStack, cyclic := make([]bool, n), make([]bool, n)
	for i := range order {
		order[i] = unvisited
	}
	var stack []int // Tarjan's stack of visited locals
	type frame struct{ v, next int }
	counter := 0
	for root := range defs {
		if done[root] || order[root] != unvisited {
			continue
		}
		calls := []frame{{v: root}}
		order[root], low[root] = counter, counter
		counter++
		stack = append(stack, root)
		onStack[root] = true
		for len(calls) > 0 {
			f := &calls[len(calls)-1]
			v := f.v
			if f.next < len(defs[v].refs) {
				w := defs[v].refs[f.next]
				f.next++
				switch {
				case done[w]:
				case order[w] == unvisited:
					order[w], low[w] = counter, counter
					counter++
					stack = append(stack, w)
					onStack[w] = true
					calls = append(calls, frame{v: w})
				case onStack[w]:
					low[v] = min(low[v], order[w])
				}
				continue
			}
			calls = calls[:len(calls)-1]
			if len(calls) > 0 {
				p := calls[len(calls)-1].v
				low[p] = min(low[p], low[v])
			}
			if low[v] != order[v] {
				continue
			}
			// v is the root of a component: pop it.
			k := len(stack) - 1
			for stack[k] != v {
				k--
			}
			component := stack[k:]
			stack = stack[:k]
			for _, w := range component {
				onStack[w] = false
				cyclic[w] = len(component) > 1 || refersTo(defs[w], w)
			}
		}
	}
	return cyclic
}

func refersTo(d *localDef, i int) bool {
	for _, r := range d.refs {
		if r == i {
			return true
		}
	}
	return false
}
