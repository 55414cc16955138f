package schema

import (
	"errors"
	"fmt"
	"time"

	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// timeFunctions are Terraform's plantimestamp and timecmp, and timestamp,
// refused: its value would change between plan and apply, and every plan
// would differ from the last.
func (ev *evaluator) timeFunctions() map[string]function.Function {
	return map[string]function.Function{
		"plantimestamp": function.New(&function.Spec{
			Description: "Returns the instant this run of roster began, as an RFC 3339 string in UTC: the same in every expression of a plan, a drift or an apply.",
			Params:      []function.Parameter{},
			Type:        function.StaticReturnType(cty.String),
			Impl: func([]cty.Value, cty.Type) (cty.Value, error) {
				return cty.StringVal(Timestamp(ev.now)), nil
			},
		}),
		"timecmp": timeCmpFunc,
		"alltrue": allAnyTrue(true),
		"anytrue": allAnyTrue(false),
		"timestamp": function.New(&function.Spec{
			Params: []function.Parameter{},
			Type: func([]cty.Value) (cty.Type, error) {
				return cty.NilType, errors.New("timestamp() is not available: its value changes every time it is evaluated, so no two plans would agree. Use plantimestamp(), the instant this run of roster began, the same in the whole plan, drift or apply")
			},
		}),
	}
}

// Timestamp is how checks see an instant: RFC 3339, UTC, whole seconds,
// as Terraform's timestamp functions write it.
func Timestamp(t time.Time) string { return t.UTC().Truncate(time.Second).Format(time.RFC3339) }

// timeCmpFunc is Terraform's timecmp: -1, 0 or 1 as the first RFC 3339
// timestamp is before, at or after the second.
var timeCmpFunc = function.New(&function.Spec{
	Description: "Compares two RFC 3339 timestamps: -1 when the first is before the second, 0 when they are the same instant, 1 when it is after.",
	Params: []function.Parameter{
		{Name: "timestamp_a", Type: cty.String},
		{Name: "timestamp_b", Type: cty.String},
	},
	Type:         function.StaticReturnType(cty.Number),
	RefineResult: func(b *cty.RefinementBuilder) *cty.RefinementBuilder { return b.NotNull() },
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		var ts [2]time.Time
		for i, a := range args {
			t, err := time.Parse(time.RFC3339, a.AsString())
			if err != nil {
				return cty.UnknownVal(cty.Number), function.NewArgError(i, fmt.Errorf("not a valid RFC 3339 timestamp: %q", shown(a.AsString(), false)))
			}
			ts[i] = t
		}
		return cty.NumberIntVal(int64(ts[0].Compare(ts[1]))), nil
	},
})

// allAnyTrue is Terraform's alltrue (all true: every element of the list
// is true, or the list is empty) or anytrue (any element is true). A null
// element counts as false; an element not known yet makes the result not
// known, unless the others decide it.
func allAnyTrue(all bool) function.Function {
	desc := "Returns true when any element of a list of bools is true."
	if all {
		desc = "Returns true when every element of a list of bools is true, or the list is empty."
	}
	return function.New(&function.Spec{
		Description: desc,
		Params:      []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if args[0].IsNull() {
				return cty.NullVal(cty.Bool), errors.New("the list must not be null")
			}
			if !args[0].IsKnown() {
				return cty.UnknownVal(cty.Bool), nil
			}
			known := true
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				switch {
				case !v.IsKnown():
					known = false
				case !v.IsNull() && v.True() != all:
					return cty.BoolVal(!all), nil
				case v.IsNull() && all:
					return cty.False, nil
				}
			}
			if !known {
				return cty.UnknownVal(cty.Bool), nil
			}
			return cty.BoolVal(all), nil
		},
	})
}
