package schema

import (
	"fmt"
	"strings"
	"testing"
	"time"

	yaml "github.com/zclconf/go-cty-yaml"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// rowsOf returns the cells of a csvdecode result, row by row in header
// order, with the line each cell and each row is marked with.
func rowsOf(t *testing.T, v cty.Value, header []string) (cells [][]string, lines [][]int) {
	t.Helper()
	for it := v.ElementIterator(); it.Next(); {
		_, row := it.Element()
		row, marks := row.Unmark()
		var rowLine []int
		for m := range marks {
			rowLine = append(rowLine, m.(dataMark).line)
		}
		var cs []string
		ls := rowLine
		for _, h := range header {
			c, marks := row.GetAttr(h).Unmark()
			cs = append(cs, c.AsString())
			for m := range marks {
				ls = append(ls, m.(dataMark).line)
			}
		}
		cells = append(cells, cs)
		lines = append(lines, ls)
	}
	return cells, lines
}

// TestCSVDecode: a spreadsheet's export as it comes (a byte order mark,
// CRLF line ends, quoted fields with commas, quotes and line breaks) is
// read as RFC 4180 says, and each cell of a file's text is marked with the
// line it starts on.
func TestCSVDecode(t *testing.T) {
	src := "\ufeffnickname,name,bio\r\n" +
		"ann,\"Liddell, Ann\",\"She said \"\"hi\"\"\"\r\n" +
		"\r\n" + // a blank line is skipped
		"ben,Ben,\"two\r\nlines\"\r\n" +
		"cat,Cat,\r\n"
	v, err := csvDecode(src, "staff.csv")
	if err != nil {
		t.Fatal(err)
	}
	header := []string{"nickname", "name", "bio"}
	cells, lines := rowsOf(t, v, header)
	wantCells := [][]string{{"ann", "Liddell, Ann", `She said "hi"`}, {"ben", "Ben", "two\nlines"}, {"cat", "Cat", ""}}
	// Each cell's line; the rows are not marked.
	wantLines := [][]int{{2, 2, 2}, {4, 4, 4}, {6, 6, 6}}
	if fmt.Sprint(cells) != fmt.Sprint(wantCells) {
		t.Errorf("cells %q, want %q", cells, wantCells)
	}
	if fmt.Sprint(lines) != fmt.Sprint(wantLines) {
		t.Errorf("lines %v, want %v", lines, wantLines)
	}
	ty, err := csvType(src, "")
	if err != nil || !ty.Equals(v.Type()) {
		t.Errorf("csvType = %#v, %v; the value's type is %#v", ty, err, v.Type())
	}
	// A text that is not a file's has no marks.
	if v, _ := csvDecode(src, ""); v.ContainsMarked() {
		t.Errorf("a text not read from a file is marked: %#v", v)
	}
}

func TestCSVDecodeErrors(t *testing.T) {
	for src, want := range map[string]string{
		"":                  "staff.csv is empty: csvdecode needs a first line that names the columns",
		"\ufeff":            "staff.csv is empty",
		"a,b\n1,2\n3\n":     "staff.csv line 3: the row has a different number of fields than the header line",
		"a,b\n1,\"2\n3,4\n": `staff.csv line 3: extraneous or missing " in quoted-field`,
		"a,a\n":             `staff.csv line 1: the column name "a" is given twice`,
		"a\n" + strings.Repeat("x\n", maxFunctionList): "csvdecode would make more than 1000000 values",
	} {
		_, err := csvDecode(src, "staff.csv")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("csvDecode(%.40q) = %v, want %q", src, err, want)
		}
	}
	// A header line alone is no rows: an empty list of its objects.
	v, err := csvDecode("a,b\r\n", "staff.csv")
	if err != nil || v.LengthInt() != 0 || !v.Type().Equals(cty.List(cty.Object(map[string]cty.Type{"a": cty.String, "b": cty.String}))) {
		t.Errorf("csvDecode of a header = %#v, %v", v, err)
	}
}

// TestJSONDecodeMarks: each value of a file's JSON text is marked with the
// line it is on, an object or array as a whole with its opening bracket's.
func TestJSONDecodeMarks(t *testing.T) {
	src := "[\n  {\n    \"nickname\": \"ann\",\n    \"tags\": [\n      \"staff\"\n    ],\n    \"admin\": true, \"n\": null\n  },\n  {\"nickname\": \"b\\\"en\"}\n]\n"
	v, err := jsonDecode(src, "staff.json")
	if err != nil {
		t.Fatal(err)
	}
	// own is the line a value is marked with, its container unmarked
	// first: a value taken from a marked one has the container's marks
	// too.
	own := func(v cty.Value) int {
		for m := range cty.ValueMarksOfType[dataMark](v) {
			return m.line
		}
		return 0
	}
	at := func(v cty.Value, path ...any) cty.Value {
		for _, step := range path {
			v, _ = v.Unmark()
			switch step := step.(type) {
			case int:
				v = v.Index(cty.NumberIntVal(int64(step)))
			case string:
				v = v.GetAttr(step)
			}
		}
		return v
	}
	for name, want := range map[string]int{"nickname": 3, "tags": 4, "admin": 7, "n": 7} {
		if got := own(at(v, 0, name)); got != want {
			t.Errorf("%s on line %d, want %d", name, got, want)
		}
	}
	if got := own(at(v, 0)); got != 2 {
		t.Errorf("the first object on line %d, want 2", got)
	}
	if got := own(at(v, 0, "tags", 0)); got != 5 {
		t.Errorf("the tag on line %d, want 5", got)
	}
	if got := own(at(v, 1, "nickname")); got != 9 {
		t.Errorf("the second nickname on line %d, want 9", got)
	}
	// cty keeps the last of a key given twice, and so do the marks.
	dup, err := jsonDecode("{\"a\": 1,\n\"a\": 2}", "d.json")
	if err != nil || own(at(dup, "a")) != 2 || !at(dup, "a").HasMark(dataMark{file: "d.json", line: 2}) {
		t.Errorf("a key given twice: %#v, %v", dup, err)
	}
	plain, _ := v.UnmarkDeep()
	want, _ := stdlib.JSONDecode(cty.StringVal(src))
	if !plain.RawEquals(want) {
		t.Errorf("jsonDecode = %#v, want %#v", plain, want)
	}
}

func TestJSONDecodeBounded(t *testing.T) {
	for src, want := range map[string]string{
		strings.Repeat("[", MaxNesting+1):                                 "nests more than 128 levels",
		"[" + strings.Repeat("1,", maxFunctionList) + "1]":                "jsondecode would make more than 1000000 values",
		`["` + strings.Repeat("[", 200) + `", ` + `"\"[[[["]`:             "",
		"[" + strings.Repeat("1,", maxFunctionList/2) + "1]":              "",
		strings.Repeat("[", MaxNesting) + strings.Repeat("]", MaxNesting): "",
	} {
		_, err := jsonDecode(src, "x.json")
		switch {
		case want == "" && err != nil:
			t.Errorf("jsonDecode(%.40q): %v", src, err)
		case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
			t.Errorf("jsonDecode(%.40q) = %v, want %q", src, err, want)
		}
	}
}

// yamlDepth is how many levels v nests.
func yamlDepth(v cty.Value) int {
	v, _ = v.Unmark()
	if !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
		return 0
	}
	deepest := 0
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		deepest = max(deepest, yamlDepth(e))
	}
	return deepest + 1
}

// TestCheckYAML: checkYAML refuses the texts that nest deeper than the
// limits, however they hide it (closing brackets in quotes, comments, block
// scalars, tags), and takes real documents, which are ambiguous in none of
// these ways.
func TestCheckYAML(t *testing.T) {
	deep := strings.Repeat("[", MaxNesting+1)
	for name, src := range map[string]string{
		"flow":                   deep + strings.Repeat("]", MaxNesting+1),
		"flow objects":           strings.Repeat("{a: ", MaxNesting+1) + "1" + strings.Repeat("}", MaxNesting+1),
		"block":                  strings.Repeat("- ", maxYAMLBlockLevels+1) + "x\n",
		"indentation":            "a:\n" + strings.Repeat(" ", maxYAMLBlockLevels+1) + "b: 1\n",
		"closers in quotes":      strings.Repeat(`[a, "]]]]]", `, 130),
		"closers in '":           strings.Repeat(`[a, ']]'']]', `, 130),
		"closers in a comment":   strings.Repeat("[a, # ]]]]\n", 130),
		"closers in a tag":       strings.Repeat("[!<]]]]> a, ", 130),
		"anchored quoted":        strings.Repeat(`[&a "]]]]" `, 130),
		"plain quote then quote": strings.Repeat(`[a "b, "]]]]]", `, 130),
		"json key colon":         strings.Repeat(`[{"a":"]]]]", `, 130),
		"block scalar quote":     "a: |\n  \"\nb: " + deep,
		"block scalar dedent":    "- key: |\n    \"x\n  other: " + deep,
		"document marker":        "a\n--- " + deep,
		"CR break comment":       "# c\r" + deep,
		"NEL break comment":      "# c\u0085" + deep,
	} {
		t.Run(name, func(t *testing.T) {
			if err := checkYAML(src); err == nil {
				t.Errorf("checkYAML accepts %.60q", src)
			}
		})
	}
	roster := strings.Repeat(`- nickname: ann
  email: "ann@example.org"
  name: 'Ann O''Neil'
  bio: |
    She said "hi [there
    # not a comment
    'quoted
  tags: [staff, "verified"]
  admin: true # a comment ]]]
  other: {a: [1, 2], "b": "]"}
`, 500)
	json := "[" + strings.Repeat(`{"nickname": "ann", "bio": "[he/him] ]]", "n": 1, "tags": ["a", "b"]}, `, 500) + "{}]"
	for name, src := range map[string]string{"block style": roster, "flow style": json,
		"flow nested to the limit": strings.Repeat("[", MaxNesting) + strings.Repeat("]", MaxNesting)} {
		t.Run(name, func(t *testing.T) {
			if err := checkYAML(src); err != nil {
				t.Errorf("checkYAML refuses a real document: %v", err)
			}
			if _, err := yamlDecode(src, ""); err != nil {
				t.Errorf("yamlDecode: %v", err)
			}
		})
	}
}

// TestCheckYAMLFast: the check is linear, however the text nests.
func TestCheckYAMLFast(t *testing.T) {
	src := strings.Repeat(`[a, "]]]]", '''', `, 200_000)
	start := time.Now()
	checkYAML(src)
	checkYAML(strings.Repeat("- ", 1_000_000))
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("checkYAML took %s", d)
	}
}

// TestYAMLDecodeBounded: aliases cannot make a small text stand for a
// value past the bounds.
func TestYAMLDecodeBounded(t *testing.T) {
	var laughs strings.Builder
	laughs.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 8; i++ {
		fmt.Fprintf(&laughs, "a%d: &a%d [*a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d, *a%[3]d]\n", i, i, i-1)
	}
	var chain strings.Builder
	chain.WriteString("a0: &a0 [x]\n")
	for i := 1; i < 200; i++ {
		fmt.Fprintf(&chain, "a%d: &a%d [*a%d]\n", i, i, i-1)
	}
	for src, want := range map[string]string{
		laughs.String(): "yamldecode would make more than 1000000 values",
		chain.String():  "yamldecode would make a value nested more than 128 levels deep",
	} {
		if _, err := yamlDecode(src, "x.yaml"); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("yamlDecode: %v, want %q", err, want)
		}
	}
	v, err := yamlDecode("- a: 1\n  b: [x]\n", "x.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, inner := range []cty.Value{v, v.Index(cty.NumberIntVal(0)).GetAttr("b").Index(cty.NumberIntVal(0))} {
		if !inner.HasMark(dataMark{file: "x.yaml", whole: inner.Type().IsTupleType()}) {
			t.Errorf("a value of a YAML file is marked %#v, want the file only", inner)
		}
	}
}

// FuzzCSVDecode: csvdecode never panics, reads what the standard
// library's reads, and marks every row and cell with a line of the text.
func FuzzCSVDecode(f *testing.F) {
	for _, s := range []string{"a,b\n1,2\n", "\ufeffa\r\n\"x,\ny\"\r\n", "a,b\n\"1\"\"\",2\n\n", "", "a\n\"", "a;b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := csvDecode(s, "f.csv")
		if _, typeErr := csvType(s, ""); (typeErr == nil) != (err == nil) && !strings.Contains(fmt.Sprint(err), "number of fields") && !strings.Contains(fmt.Sprint(err), "line") {
			t.Fatalf("csvType: %v, csvDecode: %v", typeErr, err)
		}
		want, wantErr := stdlib.CSVDecode(cty.StringVal(strings.TrimPrefix(s, bom)))
		if (err == nil) != (wantErr == nil) {
			if !strings.Contains(fmt.Sprint(err), "is empty") {
				t.Fatalf("csvDecode: %v; the standard library's: %v", err, wantErr)
			}
			return
		}
		if err != nil {
			return
		}
		plain, _ := v.UnmarkDeep()
		if !plain.RawEquals(want) {
			t.Fatalf("csvDecode = %#v, the standard library's %#v", plain, want)
		}
		lines := strings.Count(s, "\n") + 1
		for m := range cty.ValueMarksOfTypeDeep[dataMark](v) {
			if m.file != "f.csv" || m.line < 2 || m.line > lines {
				t.Fatalf("mark %+v outside the text's %d lines", m, lines)
			}
		}
	})
}

// FuzzYAMLDecode: yamldecode never panics nor crashes, and what it decodes
// nests no deeper than checkYAML allowed for. (Aliases repeat a value
// without nesting in the text: checkDecoded bounds those.)
func FuzzYAMLDecode(f *testing.F) {
	for _, s := range []string{"- a: 1\n  b: [x, {y: z}]\n", "a: |\n  \"x\nb: [1]\n", `[a, "]]", 'b''c', !<x> d]`,
		"? - a\n  - b\n: c\n", "--- [1]\n...\n", "a: &x [1]\nb: *x\n", "{\"a\":[1]}", "- - - x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := yamlDecode(s, "f.yaml")
		if err != nil || strings.Contains(s, "*") || strings.Contains(s, "<<") {
			return
		}
		y := scanYAML(s, 1<<30, 1<<30)
		if got, bound := yamlDepth(v), y.most+2*(y.blockMost+2)+1; got > bound {
			t.Fatalf("the value nests %d levels; the scan allowed for %d (flow %d, block %d)", got, bound, y.most, y.blockMost)
		}
		// Flow alone: a text of flow collections on one line.
		if !strings.ContainsAny(s, "\r\n\u0085\u2028\u2029-?:|>") {
			if got := yamlDepth(v); got > y.most+1 {
				t.Fatalf("the value nests %d levels; the scan counted %d flow collections", got, y.most)
			}
		}
	})
}

// TestYAMLRecursionBounded: a text that would nest a million levels
// deep is refused before go-cty-yaml's recursive decoder sees it.
func TestYAMLRecursionBounded(t *testing.T) {
	for _, src := range []string{strings.Repeat("- ", 1_000_000) + "x", strings.Repeat("[", 1_000_000)} {
		if _, err := yamlDecode(src, ""); err == nil || !strings.Contains(err.Error(), "nests more than") {
			t.Errorf("yamlDecode: %v", err)
		}
	}
	// go-cty-yaml itself reads what checkYAML lets through.
	if _, err := yaml.Standard.ImpliedType([]byte(strings.Repeat("- ", 100) + "x")); err != nil {
		t.Fatal(err)
	}
}
