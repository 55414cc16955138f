package schema_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/schema"
)

// writeFiles writes each file under dir, creating directories on the way,
// and returns dir.
func writeFiles(t *testing.T, dir string, files map[string]string) string {
	t.Helper()
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// rendered is everything a user could see of diags: each diagnostic's
// summary and detail, and their rendering as text (with source snippets
// from cfg.Files) and as validate -json.
func rendered(t *testing.T, cfg *schema.Config, diags hcl.Diagnostics) []byte {
	t.Helper()
	var files map[string]*hcl.File
	if cfg != nil {
		files = cfg.Files
	}
	var out bytes.Buffer
	for _, d := range diags {
		out.WriteString(d.Summary + "\n" + d.Detail + "\n")
	}
	view.Diagnostics(&out, diags, files, view.Style{})
	if err := view.ValidateJSON(&out, diags, files); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// errorsOf returns the error diagnostics of diags.
func errorsOf(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	return out
}
