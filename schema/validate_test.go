package schema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/schema"
)

// invalidCases lists the cases of testdata/invalid that need more than an
// empty schema.Inputs, and the errors they expect that name no file (those
// about the command line): their summaries, one entry per diagnostic.
var invalidCases = map[string]struct {
	in     schema.Inputs
	global []string
}{
	"var-flags": {
		in: schema.Inputs{
			Vars:     []string{"nmae=Bob", "novalue", "name=Carol"},
			VarFiles: []string{"testdata/vars/no-such-file.vars"},
		},
		global: []string{"Value for undeclared variable", "Invalid --var option", "Failed to read variables file"},
	},
	"partial-conflict": {in: schema.Inputs{Partial: true}},
	"sensitive":        {in: sensitiveInputs()},
}

// sensitiveInputs are the values of testdata/invalid/sensitive's variables,
// every one sensitive.
func sensitiveInputs() schema.Inputs {
	return schema.Inputs{Vars: []string{
		"secret_email=hunter2-mail",
		"secret_dup=Mallory.Hunter2@example.org",
		"secret_word=hunter2-word",
		"secret_hash=hunter2-hash",
	}, // each error in its place, to check that none shows a value
		Environ: []string{schema.ShowSensitiveErrorsEnv + "=1"}}
}

// TestLoadInvalid loads each directory of testdata/invalid and compares its
// error diagnostics with the "# ERROR: <summary>" markers of its files, by
// file, line and summary: every marked error must be reported, and nothing
// else. Each case is one Load, so a case with several markers also checks
// that every error is reported at once.
func TestLoadInvalid(t *testing.T) {
	entries, err := os.ReadDir("testdata/invalid")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		name := e.Name()
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata/invalid", name)
			tc := invalidCases[name]
			want := markers(t, dir)
			for _, s := range tc.global {
				want[diagKey{summary: s}]++
			}
			if len(want) == 0 {
				t.Fatalf("%s expects no error: an invalid case needs at least one # ERROR marker", dir)
			}
			cfg, diags := schema.Load(dir, tc.in)
			if cfg == nil {
				t.Fatalf("Load returned no configuration; diagnostics:\n%s", diagList(diags))
			}
			got := map[diagKey]int{}
			for _, d := range diags {
				if d.Severity != hcl.DiagError {
					continue
				}
				got[keyOf(d)]++
				if d.Detail == "" {
					t.Errorf("%s: %q has no detail", keyOf(d), d.Summary)
				}
			}
			for _, k := range sortedKeys(want) {
				if got[k] < want[k] {
					t.Errorf("missing error %s", k)
				}
			}
			for _, d := range diags {
				if k := keyOf(d); d.Severity == hcl.DiagError && got[k] > want[k] {
					t.Errorf("unexpected error %s\n\t%s", k, d.Detail)
					got[k]-- // report each extra diagnostic once
				}
			}
		})
	}
	for name := range invalidCases {
		if !seen[name] {
			t.Errorf("invalidCases names %q, which is not a directory of testdata/invalid", name)
		}
	}
}

// diagKey is where an error is reported and what it says. Errors without a
// subject have no file and line 0.
type diagKey struct {
	file    string
	line    int
	summary string
}

func (k diagKey) String() string {
	if k.file == "" {
		return fmt.Sprintf("(no file): %s", k.summary)
	}
	return fmt.Sprintf("%s:%d: %s", k.file, k.line, k.summary)
}

func keyOf(d *hcl.Diagnostic) diagKey {
	if d.Subject == nil {
		return diagKey{summary: d.Summary}
	}
	return diagKey{file: d.Subject.Filename, line: d.Subject.Start.Line, summary: d.Summary}
}

// markers reads the expected errors of the *.hcl files of dir: each
// "# ERROR: <summary>" on a line expects one error with that summary there.
func markers(t *testing.T, dir string) map[diagKey]int {
	t.Helper()
	names, err := filepath.Glob(filepath.Join(dir, "*.hcl"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[diagKey]int{}
	for _, path := range names {
		src, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(src), "\n") {
			for _, m := range strings.Split(line, "# ERROR: ")[1:] {
				want[diagKey{file: filepath.Base(path), line: i + 1, summary: strings.TrimSpace(m)}]++
			}
		}
	}
	return want
}

func sortedKeys(m map[diagKey]int) []diagKey {
	keys := make([]diagKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	return keys
}

func diagList(diags hcl.Diagnostics) string {
	var b strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&b, "\t%s (%s)\n", keyOf(d), d.Detail)
	}
	return b.String()
}

// TestLengthsCountGraphemes: the name and bio limits count graphemes, as
// Elixir's String.length does, however long the text and however many code
// points a grapheme has. Bios are long enough for a grapheme to straddle
// the 4096-byte buffer of a bufio.Scanner.
func TestLengthsCountGraphemes(t *testing.T) {
	const family = "\U0001F469\u200d\U0001F469\u200d\U0001F467\u200d\U0001F466" // seven code points
	tests := map[string]struct {
		attr, value string
		wantError   string
	}{
		"5000 families":                     {"bio", strings.Repeat(family, 5000), ""},
		"5001 families":                     {"bio", strings.Repeat(family, 5001), "Bio too long"},
		"5000 letters with combining marks": {"bio", strings.Repeat("q\u0307", 5000), ""}, // no precomposed form to normalise to
		"5000 flags":                        {"bio", strings.Repeat("\U0001F1EB\U0001F1F7", 5000), ""},
		"100 letters with combining marks":  {"name", strings.Repeat("q\u0307", 100), ""},           // 200 code points
		"100 families":                      {"name", strings.Repeat(family, 100), "Name too long"}, // 700 code points: more than varchar(255) holds
		"101 families":                      {"name", strings.Repeat(family, 101), "Name too long"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			src := fmt.Sprintf("user \"alice\" {\n  %s = %q\n}\n", tc.attr, tc.value)
			if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			_, diags := schema.Load(dir, schema.Inputs{})
			var got []string
			for _, d := range diags {
				got = append(got, d.Summary+": "+d.Detail)
			}
			switch {
			case tc.wantError == "" && len(got) > 0:
				t.Errorf("unexpected diagnostics %q", got)
			case tc.wantError != "" && (len(got) != 1 || !strings.HasPrefix(got[0], tc.wantError+":")):
				t.Errorf("diagnostics %q, want one %q", got, tc.wantError)
			}
		})
	}
}
