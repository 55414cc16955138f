package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/roster-project/roster/schema"
)

const (
	chainLocals   = 20_000
	localsTarget  = 3.0             // schema.Load within 3x of parsing plus evaluating
	localsLimit   = 5 * time.Second // and well under this, whatever the floor
	localsRounds  = 5
	localsPerLine = "  l%d = local.l%d + 1\n"
)

// BenchmarkLocals times schema.Load of a chain of 20,000 locals, each
// referring to the one before and written before it, against a floor: HCL
// parsing the same file plus evaluating each local's expression once,
// with the local it refers to given as a constant (no ordering, no
// dependencies). Loading evaluates locals in linear time, so the ratio
// stays flat as the chain grows; it took 107 s when each pass re-sorted
// every local. No database is needed.
func BenchmarkLocals(b *testing.B) {
	dir := b.TempDir()
	src := localsChain(chainLocals)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
		b.Fatal(err)
	}
	var loads, floors []time.Duration
	for range localsRounds {
		runtime.GC()
		d, err := loadChain(dir, chainLocals)
		if err != nil {
			b.Fatal(err)
		}
		loads = append(loads, d)
		runtime.GC()
		if d, err = chainFloor([]byte(src), chainLocals); err != nil {
			b.Fatal(err)
		}
		floors = append(floors, d)
	}
	r := &result{scenario: fmt.Sprintf("validate, %d chained locals", chainLocals), took: median(loads), floor: median(floors),
		target: fmt.Sprintf("≤ %.1fx, < %s", localsTarget, dur(localsLimit)), limit: localsTarget}
	r.notes = append(r.notes, fmt.Sprintf("schema.Load of l(i) = local.l(i-1) + 1, in reverse order; floor = hclsyntax.ParseConfig "+
		"plus each expression evaluated once with its reference given as a constant; medians of %d interleaved rounds", localsRounds))
	r.report(b)
	if r.took > localsLimit {
		b.Errorf("%s: %s, want under %s", r.scenario, dur(r.took), dur(localsLimit))
	}
	fmt.Fprintln(os.Stdout)
	printTable(os.Stdout, []*result{r})
}

// localsChain is a configuration of n locals l0…l(n-1), l(i) = l(i-1) + 1,
// each written before the one it refers to, and a user whose bio is the
// last.
func localsChain(n int) string {
	var b strings.Builder
	b.WriteString("locals {\n")
	for i := n - 1; i > 0; i-- {
		fmt.Fprintf(&b, localsPerLine, i, i-1)
	}
	fmt.Fprintf(&b, "  l0 = 0\n}\n\nuser \"alice\" {\n  bio = \"${local.l%d}\"\n}\n", n-1)
	return b.String()
}

// loadChain times schema.Load of dir, a chain of n locals, and checks the
// result.
func loadChain(dir string, n int) (time.Duration, error) {
	start := time.Now()
	cfg, diags := schema.Load(dir, schema.Inputs{})
	took := time.Since(start)
	if diags.HasErrors() {
		return 0, errors.New(diags.Error())
	}
	if u := cfg.User("alice"); u == nil || u.Bio == nil || *u.Bio != fmt.Sprint(n-1) {
		return 0, errors.New("the chain of locals did not evaluate to its length")
	}
	return took, nil
}

// chainFloor parses src, a chain of want locals, and evaluates each local's
// expression once, the local it refers to given as a constant.
func chainFloor(src []byte, want int) (time.Duration, error) {
	start := time.Now()
	f, diags := hclsyntax.ParseConfig(src, "main.hcl", hcl.InitialPos)
	if diags.HasErrors() {
		return 0, diags
	}
	content, diags := f.Body.Content(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "locals"}, {Type: "user", LabelNames: []string{"nickname"}}}})
	if diags.HasErrors() {
		return 0, diags
	}
	n := 0
	for _, blk := range content.Blocks.OfType("locals") {
		attrs, diags := blk.Body.JustAttributes()
		if diags.HasErrors() {
			return 0, diags
		}
		for _, a := range attrs {
			refs := map[string]cty.Value{}
			for _, t := range a.Expr.Variables() {
				if step, ok := t[len(t)-1].(hcl.TraverseAttr); ok {
					refs[step.Name] = cty.Zero
				}
			}
			ctx := &hcl.EvalContext{Variables: map[string]cty.Value{"local": cty.ObjectVal(refs)}}
			if _, diags := a.Expr.Value(ctx); diags.HasErrors() {
				return 0, diags
			}
			n++
		}
	}
	if n != want {
		return 0, fmt.Errorf("the floor evaluated %d locals, want %d", n, want)
	}
	return time.Since(start), nil
}

// TestLocalsChainLoads checks the benchmark's configuration, fast: a short
// chain loads to its length, and the floor evaluates every local.
func TestLocalsChainLoads(t *testing.T) {
	const n = 2_000
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(localsChain(n)), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := loadChain(dir, n); err != nil {
		t.Fatal(err)
	}
	if _, err := chainFloor([]byte(localsChain(n)), n); err != nil {
		t.Fatal(err)
	}
}
