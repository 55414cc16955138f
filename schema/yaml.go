package schema

import (
	"fmt"

	yaml "github.com/zclconf/go-cty-yaml"
	"github.com/zclconf/go-cty/cty"
)

// yamldecode is go-cty-yaml's, the YAML decoder of cty's author, whose
// parser is a port of libyaml. Two of its costs grow faster than its input,
// so checkYAML bounds them before it parses anything:
//
//   - its scanner looks at every open flow collection ([ or {) for every
//     token: a text of 100,000 nested [ takes about a hundred seconds;
//   - its decoder recurses once for each level of nesting, flow or block
//     (- - - x), so a text nested about a million levels deep overflows
//     Go's stack, which is a crash and not an error.
//
// After decoding, checkDecoded bounds what aliases can make of a small
// text: an alias repeats its anchor's value, so a few lines of anchors can
// stand for billions of values, which any later step would walk.

// maxYAMLBlockLevels bounds the block nesting checkYAML allows for: the
// indentation of a line plus the indicators on it. Far beyond any real
// document, it keeps the decoder's recursion to a few megabytes of stack.
const maxYAMLBlockLevels = MaxValueNesting

// yamlType is the type yamldecode makes of s.
func yamlType(s, _ string) (cty.Type, error) {
	if err := checkYAML(s); err != nil {
		return cty.NilType, err
	}
	return yaml.Standard.ImpliedType([]byte(s))
}

// yamlDecode is yamldecode. Of a file's text, every value is marked with
// the file only: the decoder does not tell lines.
func yamlDecode(s, file string) (cty.Value, error) {
	ty, err := yamlType(s, file)
	if err != nil {
		return cty.DynamicVal, err
	}
	v, err := yaml.Standard.Unmarshal([]byte(s), ty)
	if err != nil {
		return cty.DynamicVal, err
	}
	if err := checkDecoded(v, "yamldecode"); err != nil {
		return cty.DynamicVal, err
	}
	if file == "" {
		return v, nil
	}
	return markFile(v, file), nil
}

// checkDecoded refuses a value of more than maxFunctionList values or
// nested more than MaxNesting levels, counting a value each time it is
// reached: what a later step that walks it would count. It stops at the
// first value past a bound, so it takes at most maxFunctionList steps.
func checkDecoded(v cty.Value, function string) error {
	type item struct {
		v     cty.Value
		depth int
	}
	stack := []item{{v, 0}}
	for n := 0; len(stack) > 0; n++ {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		switch {
		case n >= maxFunctionList:
			return fmt.Errorf("%s would make more than %d values", function, maxFunctionList)
		case it.depth > MaxNesting:
			return fmt.Errorf("%s would make a value nested more than %d levels deep", function, MaxNesting)
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
	return nil
}

// markFile marks v and every value in it as coming from file, at no known
// line. checkDecoded has bounded v's size and depth.
func markFile(v cty.Value, file string) cty.Value {
	mark := dataMark{file: file}
	ty := v.Type()
	if v.IsNull() || !v.IsKnown() || !v.CanIterateElements() {
		return v.Mark(mark)
	}
	mark.whole = true
	switch {
	case ty.IsObjectType():
		if v.LengthInt() == 0 {
			return v.Mark(mark)
		}
		attrs := make(map[string]cty.Value, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			attrs[k.AsString()] = markFile(e, file)
		}
		return cty.ObjectVal(attrs).Mark(mark)
	case ty.IsTupleType():
		if v.LengthInt() == 0 {
			return v.Mark(mark)
		}
		elems := make([]cty.Value, 0, v.LengthInt())
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			elems = append(elems, markFile(e, file))
		}
		return cty.TupleVal(elems).Mark(mark)
	}
	return v.Mark(mark)
}
