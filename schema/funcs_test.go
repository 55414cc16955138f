package schema

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// TestFastListsAsCty evaluates calls of the functions that take lists and
// sets, given tuples of every kind (of one type, of several, empty, with
// nulls, unknowns and sensitive values, large) and other values, through
// fastLists and without it: the values, their marks and the diagnostics
// must be the same.
func TestFastListsAsCty(t *testing.T) {
	plain := map[string]function.Function{
		"alltrue": allAnyTrue(true), "anytrue": allAnyTrue(false), "join": stdlib.JoinFunc, "sort": stdlib.SortFunc,
		"distinct": stdlib.DistinctFunc, "compact": stdlib.CompactFunc, "chunklist": stdlib.ChunklistFunc,
		"coalescelist": stdlib.CoalesceListFunc, "index": stdlib.IndexFunc, "slice": stdlib.SliceFunc,
		"formatlist": stdlib.FormatListFunc, "zipmap": stdlib.ZipmapFunc, "setunion": stdlib.SetUnionFunc,
		"flatten": stdlib.FlattenFunc, "length": stdlib.LengthFunc, "range": stdlib.RangeFunc,
		"tostring": stdlib.MakeToFunc(cty.String),
	}
	wrapped, unwrapped := map[string]function.Function{}, map[string]function.Function{}
	changed := 0
	for n, f := range plain {
		unwrapped[n] = redacting(f)
		wrapped[n] = fastLists(redacting(f))
		if w := wrapped[n]; len(w.Params()) > 0 && w.Params()[0].Type != f.Params()[0].Type {
			changed++
		}
	}
	if changed < 5 {
		t.Fatalf("fastLists wrapped %d functions: the test compares too little", changed)
	}
	vars := map[string]cty.Value{
		"secret":  cty.StringVal("hunter2").Mark(sensitiveMark),
		"unknown": cty.UnknownVal(cty.String),
		"maybe":   cty.UnknownVal(cty.Bool),
		"nothing": cty.NullVal(cty.List(cty.String)),
		"ulist":   cty.UnknownVal(cty.List(cty.String)),
		"dyn":     cty.DynamicVal,
		"ubools":  cty.UnknownVal(cty.List(cty.Bool)),
		"hidden":  cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}).Mark(sensitiveMark),
		"some":    cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b").Mark(sensitiveMark)}),
	}
	calls := []string{
		`alltrue([true, false])`, `alltrue([for x in range(2000) : x >= 0])`, `anytrue([for x in range(2000) : x > 1998])`,
		`alltrue([])`, `alltrue([true, "true"])`, `alltrue([true, null])`, `alltrue([true, maybe])`, `alltrue(["yes"])`,
		`alltrue([true, 1])`, `alltrue(nothing)`, `alltrue(true)`,
		`join(",", ["a", "b"])`, `join(",", [for x in range(1500) : x])`, `join(",", ["a", 1, true])`,
		`join(",", [secret, "b"])`, `join(",", [unknown, "b"])`, `join(",", ["a"], [for x in range(3) : x], [])`,
		`join(",", [null, "a"])`, `join(",", [for x in range(3) : { a = x }])`, `join(",", [["a"]])`,
		`sort([for x in range(500) : tostring(500 - x)])`, `sort([3, 1, 2])`, `sort(["b", secret])`,
		`distinct([1, 1, 2, "2"])`, `distinct([for x in range(1000) : x % 7])`, `distinct([{ a = 1 }, { a = 1 }, { b = 2 }])`,
		`compact(["a", "", null, "b"])`, `chunklist([for x in range(10) : x], 3)`, `coalescelist([], [1, 2])`,
		`index(["a", "b"], "b")`, `index([1, "b"], "b")`, `slice([for x in range(10) : x], 2, 4)`,
		`formatlist("%s!", ["a", "b"])`, `zipmap(["a", "b"], [1, "x"])`, `zipmap([for x in range(3) : x], [1, 2, 3])`,
		`setunion([1, 2], ["3"])`, `flatten([[1], [2, [3]]])`, `length([for x in range(100) : x])`,
		`join(",", [[for x in range(3) : x], ["a"]]...)`,
		// Unknowns, nulls and values of no type yet; marks on the tuple and
		// on its elements; which argument is blamed; type errors beside a
		// sensitive value.
		`join(",", ulist)`, `join(",", dyn) == null`, `sort(ulist) == null`, `alltrue(ubools) == null`,
		`chunklist([1, [2]], null)`, `chunklist(null, null)`, `chunklist(null, 2)`, `join(",", hidden)`,
		`join(",", some)`, `sort(hidden)`, `distinct(some)`, `sort([secret, 1, [2]])`, `zipmap([1, [2]], [1, 2])`,
	}
	// HCL reports every argument it cannot convert; through fastLists, the
	// call reports one of them.
	fewer := []string{`chunklist([1, [2]], "x")`, `join(",", [1, [2]], [3, [4]])`}
	ctx := func(fs map[string]function.Function) *hcl.EvalContext {
		return &hcl.EvalContext{Variables: vars, Functions: fs}
	}
	for _, call := range append(calls, fewer...) {
		expr, diags := hclsyntax.ParseExpression([]byte(call), "call.hcl", hcl.InitialPos)
		if diags.HasErrors() {
			t.Fatalf("%s: %s", call, diags.Error())
		}
		got, gotDiags := expr.Value(ctx(wrapped))
		want, wantDiags := expr.Value(ctx(unwrapped))
		if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
			t.Errorf("%s = %s, want %s", call, clipped(g), clipped(w))
		}
		g, w := diagText(gotDiags), diagText(wantDiags)
		if slices.Contains(fewer, call) {
			if len(gotDiags) == 0 || len(wantDiags) < 2 || !strings.Contains(w, g) {
				t.Errorf("%s: diagnostics\n%s\nwant one of\n%s", call, g, w)
			}
		} else if g != w {
			t.Errorf("%s: diagnostics\n%s\nwant\n%s", call, g, w)
		}
	}
}

func diagText(diags hcl.Diagnostics) string {
	s := ""
	for _, d := range diags {
		s += fmt.Sprintf("%s: %s (%v)\n", d.Summary, d.Detail, d.Subject)
	}
	return s
}

func clipped(s string) string {
	if len(s) > 300 {
		return s[:300] + "…"
	}
	return s
}
