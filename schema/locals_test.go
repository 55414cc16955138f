package schema_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/roster-project/roster/schema"
)

// chain writes n locals l0…l(n-1), each l(i) = next(i-1) for i > 0, in
// reverse order so that no local comes after those it refers to, split
// over two locals blocks.
func chain(n int, first string, next func(prev string) string) string {
	var b strings.Builder
	b.WriteString("locals {\n")
	for i := n - 1; i > 0; i-- {
		if i == n/2 {
			b.WriteString("}\nlocals {\n")
		}
		fmt.Fprintf(&b, "  l%d = %s\n", i, next(fmt.Sprintf("local.l%d", i-1)))
	}
	fmt.Fprintf(&b, "  l0 = %s\n}\n", first)
	return b.String()
}

// TestLocalsLongChain: 20,000 locals, each referring to the one before,
// evaluate in dependency order whatever their source order.
func TestLocalsLongChain(t *testing.T) {
	src := chain(20_000, "0", func(prev string) string { return prev + " + 1" }) +
		"user \"alice\" {\n  bio = \"${local.l19999}\"\n}\n"
	dir := writeFiles(t, t.TempDir(), map[string]string{"main.hcl": src})
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%.2000s", diagList(diags))
	}
	if got := *cfg.User("alice").Bio; got != "19999" {
		t.Errorf("bio = %q, want 19999", got)
	}
}

// TestLocalsCycles: every local of a cycle, however long, is an error;
// a local that waits on a cycle is not, nor is one that does not.
func TestLocalsCycles(t *testing.T) {
	const n = 10_000
	var b strings.Builder
	b.WriteString("locals {\n")
	for i := range n {
		fmt.Fprintf(&b, "  c%d = local.c%d\n", i, (i+1)%n) // lines 2 to n+1
	}
	fmt.Fprintf(&b, "  self = [local.self]\n")        // line n+2
	fmt.Fprintf(&b, "  waits = \"${local.c5}!\"\n")   // line n+3: waits on the cycle
	fmt.Fprintf(&b, "  waits2 = local.waits\n")       // line n+4
	fmt.Fprintf(&b, "  fine = upper(local.base)\n")   // line n+5
	fmt.Fprintf(&b, "  base = \"x\"\n")               // line n+6
	fmt.Fprintf(&b, "  a = local.b\n  b = local.a\n") // lines n+7, n+8
	b.WriteString("}\nuser \"alice\" {\n  name = local.fine\n  bio = local.waits2\n}\n")
	dir := writeFiles(t, t.TempDir(), map[string]string{"main.hcl": b.String()})
	cfg, diags := schema.Load(dir, schema.Inputs{})
	want := map[int]bool{n + 2: true, n + 7: true, n + 8: true}
	for i := range n {
		want[i+2] = true
	}
	for _, d := range diags {
		k := keyOf(d)
		if k.summary != "Cycle in local values" || !want[k.line] {
			t.Errorf("unexpected %s (%s)", k, d.Detail)
			continue
		}
		delete(want, k.line)
	}
	if len(want) > 0 {
		t.Errorf("%d locals of a cycle without an error, e.g. on some of lines %v", len(want), firstKeys(want, 5))
	}
	if u := cfg.User("alice"); u.Name == nil || *u.Name != "X" || u.Bio != nil {
		t.Errorf("alice: name %v, bio %v; want X and no bio (it waits on the cycle)", u.Name, u.Bio)
	}
}

// TestLocalsDeepValue: locals wrapping each other's value in a list build
// a value deeper than any source; one past MaxValueNesting is an error at
// that local, the ones waiting on it are not.
func TestLocalsDeepValue(t *testing.T) {
	tests := map[string]struct {
		n     int
		error bool
	}{
		"at the limit": {schema.MaxValueNesting + 1, false}, // l(n-1) nests n-1 lists
		"past it":      {schema.MaxValueNesting + 500, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			src := chain(tc.n, `"x"`, func(prev string) string { return "[" + prev + "]" }) +
				fmt.Sprintf("user \"alice\" {\n  tags = flatten(local.l%d)\n}\n", tc.n-1)
			dir := writeFiles(t, t.TempDir(), map[string]string{"main.hcl": src})
			cfg, diags := schema.Load(dir, schema.Inputs{})
			if !tc.error {
				if len(diags) > 0 || strings.Join(cfg.User("alice").Tags, ",") != "x" {
					t.Fatalf("tags %q, diagnostics:\n%s", cfg.User("alice").Tags, diagList(diags))
				}
				return
			}
			if len(diags) != 1 || diags[0].Summary != "Value nested too deep" {
				t.Fatalf("diagnostics:\n%.2000s\nwant one Value nested too deep", diagList(diags))
			}
			// l(i) nests i lists: l(MaxValueNesting+1) is the first too
			// deep.
			if want := fmt.Sprintf("local %q", fmt.Sprintf("l%d", schema.MaxValueNesting+1)); !strings.Contains(diags[0].Detail, want) {
				t.Errorf("detail %q does not name %s", diags[0].Detail, want)
			}
		})
	}
}

// TestLocalObjectAsAWhole: a local refers to others by name; the local
// object as a whole, or indexed by an expression, would hide its
// dependencies.
func TestLocalObjectAsAWhole(t *testing.T) {
	src := "locals {\n  a = \"x\"\n  b = local[\"a\"]\n  k = \"a\"\n  c = local[local.k]\n  d = keys(local)\n}\n" +
		"user \"alice\" {\n  name = local.b\n}\n"
	dir := writeFiles(t, t.TempDir(), map[string]string{"main.hcl": src})
	cfg, diags := schema.Load(dir, schema.Inputs{})
	var got []diagKey
	for _, d := range errorsOf(diags) {
		got = append(got, keyOf(d))
	}
	want := []diagKey{{"main.hcl", 5, "Invalid reference to local values"}, {"main.hcl", 6, "Invalid reference to local values"}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("errors %v, want %v", got, want)
	}
	if u := cfg.User("alice"); u.Name == nil || *u.Name != "x" {
		t.Errorf("local[\"a\"] does not refer to local a")
	}
}

func firstKeys(m map[int]bool, n int) []int {
	var out []int
	for k := range m {
		if len(out) == n {
			break
		}
		out = append(out, k)
	}
	return out
}
