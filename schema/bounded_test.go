package schema_test

import (
	"strings"
	"testing"

	"github.com/roster-project/roster/schema"
)

// TestFunctionsBoundTheirResults: the functions that make a result far
// larger than their arguments in one allocation (indent, range,
// setproduct, replace, regex_replace) refuse past their bounds, before the
// allocation that would crash roster: an error, never an out-of-memory
// crash. Within the bounds they work as before.
func TestFunctionsBoundTheirResults(t *testing.T) {
	for expr, want := range map[string]string{
		`indent(40000000000, "a\nb")`:                                       "would make more than 64 MiB",
		`join(",", setproduct(range(1024), range(1024), range(1024)))`:      "setproduct would make more than 1000000 elements",
		`join(",", range(100000000))`:                                       "range would make more than 1000000 numbers",
		`join(",", range(0, 2e6, 1))`:                                       "range would make more than 1000000 numbers",
		`replace(local.mib, "", local.mib)`:                                 "would make more than 64 MiB",
		`replace(local.mib, "/./", local.mib)`:                              "would make more than 64 MiB",
		`regex_replace(local.mib, "x", local.mib)`:                          "would make more than 64 MiB",
		`indent(2, "a\nb")`:                                                 "",
		`join(",", range(3))`:                                               "",
		`replace("abc", "/b/", "x")`:                                        "",
		`join(",", [for p in setproduct(["a"], ["b", "c"]) : join("", p)])`: "",
	} {
		t.Run(expr, func(t *testing.T) {
			src := "locals {\n  mib = join(\"\", [for i in range(1024) : \"" + strings.Repeat("x", 1024) + "\"])\n}\nuser \"alice\" {\n  bio = " + expr + "\n}\n"
			dir := writeFiles(t, t.TempDir(), map[string]string{"users.hcl": src})
			_, diags := schema.Load(dir, schema.Inputs{})
			got := ""
			if diags.HasErrors() {
				got = diags.Error()
			}
			switch {
			case want == "" && got != "":
				t.Errorf("refused: %s", got)
			case want != "" && !strings.Contains(got, want):
				t.Errorf("diagnostics %q, want %q", got, want)
			}
		})
	}
}
