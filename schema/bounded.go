package schema

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// The functions whose result may be far larger than their arguments make
// it in one allocation, before the memory limit could notice: indent(n),
// range, setproduct, and replace of a pattern that matches often with a
// long replacement. Each is checked first against these bounds.
const (
	// maxFunctionList is the most elements range and setproduct make.
	maxFunctionList = 1_000_000
	// maxFunctionString is the most bytes indent, replace and
	// regex_replace make: the largest file roster reads.
	maxFunctionString = MaxFileSize
)

// bounded returns f checked by check before it runs; check sees the
// arguments without their marks, and all of them known.
func bounded(f function.Function, check func(args []cty.Value) error) function.Function {
	spec := &function.Spec{Description: f.Description(), Params: f.Params(), VarParam: f.VarParam(),
		Type: f.ReturnTypeForValues,
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			known := true
			for _, a := range args {
				known = known && a.IsWhollyKnown()
			}
			if known {
				unmarked, _ := unmarkArgs(args)
				if err := check(unmarked); err != nil {
					return cty.DynamicVal, err
				}
			}
			return f.Call(args)
		}}
	return function.New(spec)
}

// boundedFunctions bounds the functions of fs that could make a result
// too large at once.
func boundedFunctions(fs map[string]function.Function) {
	fs["indent"] = bounded(fs["indent"], checkIndent)
	fs["range"] = bounded(fs["range"], checkRange)
	fs["setproduct"] = bounded(fs["setproduct"], checkSetProduct)
	fs["replace"] = bounded(fs["replace"], checkReplace(false))
	fs["regex_replace"] = bounded(fs["regex_replace"], checkReplace(true))
}

func checkIndent(args []cty.Value) error {
	if args[0].IsNull() || args[1].IsNull() {
		return nil
	}
	n, _ := args[0].AsBigFloat().Float64()
	lines := strings.Count(args[1].AsString(), "\n")
	if n*float64(lines)+float64(len(args[1].AsString())) > maxFunctionString {
		return function.NewArgErrorf(0, "indenting %d lines by that many spaces would make more than %s", lines, sizeOf(maxFunctionString))
	}
	return nil
}

func checkRange(args []cty.Value) error {
	start, limit, step := 0.0, 0.0, 1.0
	for _, a := range args {
		if a.IsNull() {
			return nil
		}
	}
	switch len(args) {
	case 1:
		limit, _ = args[0].AsBigFloat().Float64()
	case 2, 3:
		start, _ = args[0].AsBigFloat().Float64()
		limit, _ = args[1].AsBigFloat().Float64()
		if len(args) == 3 {
			step, _ = args[2].AsBigFloat().Float64()
		}
	default:
		return nil
	}
	if step == 0 || math.IsNaN(step) {
		return nil // range itself refuses it
	}
	if n := (limit - start) / step; n > maxFunctionList {
		return fmt.Errorf("range would make more than %d numbers", maxFunctionList)
	}
	return nil
}

func checkSetProduct(args []cty.Value) error {
	product := 1.0
	for _, a := range args {
		if a.IsNull() || !a.CanIterateElements() {
			return nil
		}
		product *= float64(a.LengthInt())
	}
	if product > maxFunctionList {
		return fmt.Errorf("setproduct would make more than %d elements", maxFunctionList)
	}
	return nil
}

// checkReplace bounds what replace (a plain substring, or a /regex/) and
// regex_replace make: the string with each match replaced, counted as if
// nothing were removed.
func checkReplace(always bool) func(args []cty.Value) error {
	return func(args []cty.Value) error {
		for _, a := range args {
			if a.IsNull() {
				return nil
			}
		}
		s, pattern, with := args[0].AsString(), args[1].AsString(), args[2].AsString()
		matches := 0
		if re := strings.HasPrefix(pattern, "/") && strings.HasSuffix(pattern, "/") && len(pattern) > 1; always || re {
			if !always {
				pattern = pattern[1 : len(pattern)-1]
			}
			r, err := regexp.Compile(pattern)
			if err != nil {
				return nil // the function reports it
			}
			matches = len(r.FindAllStringIndex(s, -1))
		} else if pattern == "" {
			matches = utf8.RuneCountInString(s) + 1
		} else {
			matches = strings.Count(s, pattern)
		}
		if float64(len(s))+float64(matches)*float64(len(with)) > maxFunctionString {
			return fmt.Errorf("replacing %d matches would make more than %s", matches, sizeOf(maxFunctionString))
		}
		return nil
	}
}

func sizeOf(n int) string { return fmt.Sprintf("%d MiB", n>>20) }
