package schema_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/schema"
)

// outsideCanary is the content of the files outside the configuration
// directory: it must never reach a diagnostic or the configuration.
const outsideCanary = "canary-0utside-7d41"

// outsideTree makes root/secret.txt and root/secret.hcl, holding the
// canary, and the configuration directory root/cfg with a bio inside it;
// it returns root and cfg.
func outsideTree(t *testing.T) (root, cfg string) {
	t.Helper()
	root = t.TempDir()
	cfg = filepath.Join(root, "cfg")
	writeFiles(t, root, map[string]string{
		"secret.txt":  outsideCanary,
		"secret.hcl":  fmt.Sprintf("user \"alice\" {\n  bio = %q\n}\n", outsideCanary),
		"cfg/bio.txt": "a bio",
	})
	return root, cfg
}

func symlink(t *testing.T, target, name string) {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
}

// TestFileConfined: file() and templatefile() read only regular files
// inside the configuration directory, symbolic links followed; anything
// else is an error at the call that names the function and the path and
// shows nothing of the file.
func TestFileConfined(t *testing.T) {
	tests := map[string]struct {
		expr  string // the bio, or with attr the attribute
		attr  string
		setup func(t *testing.T, root, cfg string)
		// want is a phrase of the error; "" reads the inside bio.
		want string
	}{
		"a parent path":         {expr: `file("../secret.txt")`, want: `"../secret.txt" leads outside the configuration directory`},
		"an absolute path":      {expr: `file("ROOT/secret.txt")`, want: "leads outside the configuration directory"},
		"proc":                  {expr: `file("/proc/self/environ")`, want: `"/proc/self/environ" leads outside`},
		"templatefile outside":  {expr: `templatefile("../secret.txt", {})`, want: `Call to function "templatefile" failed: "../secret.txt" leads outside`},
		"state from outside":    {attr: "state", expr: `file("../secret.txt")`, want: "leads outside"},
		"a link that leads out": {expr: `file("link.txt")`, setup: func(t *testing.T, root, cfg string) { symlink(t, "../secret.txt", filepath.Join(cfg, "link.txt")) }, want: `"link.txt" leads outside`},
		"an absolute link": {expr: `file("link.txt")`, setup: func(t *testing.T, root, cfg string) {
			symlink(t, filepath.Join(root, "secret.txt"), filepath.Join(cfg, "link.txt"))
		}, want: "leads outside"},
		"a link to a device":      {expr: `file("zero")`, setup: func(t *testing.T, root, cfg string) { symlink(t, "/dev/zero", filepath.Join(cfg, "zero")) }, want: "leads outside"},
		"a directory":             {expr: `file("sub")`, setup: func(t *testing.T, root, cfg string) { writeFiles(t, cfg, map[string]string{"sub/x": ""}) }, want: `"sub" is a directory, not a regular file`},
		"a named pipe":            {expr: `file("fifo")`, setup: func(t *testing.T, root, cfg string) { mkfifo(t, filepath.Join(cfg, "fifo")) }, want: "is a named pipe"},
		"a missing file":          {expr: `file("nope.txt")`, want: `no file exists at "nope.txt" relative to the configuration directory`},
		"too large":               {expr: `file("big.txt")`, setup: func(t *testing.T, root, cfg string) { sparse(t, filepath.Join(cfg, "big.txt"), schema.MaxFileSize+1) }, want: "larger than 64 MiB"},
		"an absolute path inside": {expr: `file("CFG/bio.txt")`},
		"a link inside":           {expr: `file("link.txt")`, setup: func(t *testing.T, root, cfg string) { symlink(t, "bio.txt", filepath.Join(cfg, "link.txt")) }},
		"a path through ..":       {expr: `templatefile("sub/../bio.txt", {})`, setup: func(t *testing.T, root, cfg string) { writeFiles(t, cfg, map[string]string{"sub/x": ""}) }},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			root, cfg := outsideTree(t)
			if tc.setup != nil {
				tc.setup(t, root, cfg)
			}
			attr := tc.attr
			if attr == "" {
				attr = "bio"
			}
			expr := strings.NewReplacer("ROOT", root, "CFG", cfg).Replace(tc.expr)
			writeFiles(t, cfg, map[string]string{"main.hcl": fmt.Sprintf("user \"alice\" {\n  %s = %s\n}\n", attr, expr)})
			c, diags := schema.Load(cfg, schema.Inputs{})
			assertNoCanary(t, c, diags, outsideCanary)
			if tc.want == "" {
				if len(diags) > 0 || *c.User("alice").Bio != "a bio" {
					t.Fatalf("the bio inside was not read:\n%s", diagList(diags))
				}
				return
			}
			errs := errorsOf(diags)
			if len(errs) != 1 || keyOf(errs[0]) != (diagKey{"main.hcl", 2, "Error in function call"}) {
				t.Fatalf("diagnostics:\n%s\nwant one Error in function call at main.hcl:2", diagList(diags))
			}
			if d := errs[0].Detail; !strings.Contains(d, tc.want) || !strings.Contains(d, `function "`) {
				t.Errorf("detail %q does not name the function and say %q", d, tc.want)
			}
		})
	}
}

// TestConfigFilesConfined: a *.hcl file of the directory that is a link
// leading outside, a device, a named pipe or too large is a diagnostic
// naming it, and is never parsed nor kept for snippets.
func TestConfigFilesConfined(t *testing.T) {
	tests := map[string]struct {
		setup func(t *testing.T, root, cfg string)
		file  string
		want  string
	}{
		"a link to a file outside":   {func(t *testing.T, root, cfg string) { symlink(t, "../secret.hcl", filepath.Join(cfg, "env.hcl")) }, "env.hcl", "leads outside"},
		"a link to proc":             {func(t *testing.T, root, cfg string) { symlink(t, "/proc/self/environ", filepath.Join(cfg, "env.hcl")) }, "env.hcl", "leads outside"},
		"a link to /dev/zero":        {func(t *testing.T, root, cfg string) { symlink(t, "/dev/zero", filepath.Join(cfg, "zero.hcl")) }, "zero.hcl", "leads outside"},
		"a link to a directory":      {func(t *testing.T, root, cfg string) { symlink(t, ".", filepath.Join(cfg, "dir.hcl")) }, "dir.hcl", "is a directory"},
		"a named pipe":               {func(t *testing.T, root, cfg string) { mkfifo(t, filepath.Join(cfg, "fifo.hcl")) }, "fifo.hcl", "is a named pipe"},
		"a file over the size limit": {func(t *testing.T, root, cfg string) { sparse(t, filepath.Join(cfg, "big.hcl"), schema.MaxFileSize+1) }, "big.hcl", "larger than 64 MiB"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			root, cfg := outsideTree(t)
			writeFiles(t, cfg, map[string]string{"main.hcl": "user \"bob\" {}\n"})
			tc.setup(t, root, cfg)
			c, diags := schema.Load(cfg, schema.Inputs{})
			assertNoCanary(t, c, diags, outsideCanary)
			errs := errorsOf(diags)
			if len(errs) != 1 || keyOf(errs[0]) != (diagKey{tc.file, 1, "Configuration file not read"}) {
				t.Fatalf("diagnostics:\n%s\nwant one Configuration file not read for %s", diagList(diags), tc.file)
			}
			if !strings.Contains(errs[0].Detail, tc.want) {
				t.Errorf("detail %q does not say %q", errs[0].Detail, tc.want)
			}
			if c.Files[tc.file] != nil || c.User("alice") != nil || len(c.Users) != 1 {
				t.Errorf("the refused file was parsed: %d users, Files[%s] = %v", len(c.Users), tc.file, c.Files[tc.file] != nil)
			}
		})
	}
}

// TestTemplateFileNotInTemplate: a template cannot call templatefile, not
// even on itself, which would recurse without end.
func TestTemplateFileNotInTemplate(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"main.hcl": "user \"alice\" {\n  bio = templatefile(\"self.tpl\", {})\n}\n",
		"self.tpl": `${templatefile("self.tpl", {})}`,
	})
	_, diags := schema.Load(dir, schema.Inputs{})
	errs := errorsOf(diags)
	if len(errs) != 1 || keyOf(errs[0]) != (diagKey{"main.hcl", 2, "Error in function call"}) ||
		!strings.Contains(errs[0].Detail, "templatefile cannot be called from a template") {
		t.Fatalf("diagnostics:\n%s\nwant one error: templatefile cannot be called from a template", diagList(diags))
	}
}

// TestTemplateErrorsHideTheTemplate: a template that does not parse or
// render is reported by its path, line and the kind of problem, never by
// the text of the template.
func TestTemplateErrorsHideTheTemplate(t *testing.T) {
	for name, tpl := range map[string]string{
		"does not parse":       "line one\n${ canary-in-template-9q + }\n",
		"cannot be rendered":   "line one\n${canary_in_template_9q}\n",
		"calls a bad function": "line one\n${upper(canary_in_template_9q)}\n",
	} {
		t.Run(name, func(t *testing.T) {
			dir := writeFiles(t, t.TempDir(), map[string]string{
				"main.hcl": "user \"alice\" {\n  bio = templatefile(\"bio.tpl\", {})\n}\n",
				"bio.tpl":  tpl,
			})
			cfg, diags := schema.Load(dir, schema.Inputs{})
			errs := errorsOf(diags)
			if len(errs) != 1 || !strings.Contains(errs[0].Detail, `"bio.tpl"`) || !strings.Contains(errs[0].Detail, "line 2") {
				t.Fatalf("diagnostics:\n%s\nwant one naming bio.tpl line 2", diagList(diags))
			}
			if bytes.Contains(rendered(t, cfg, diags), []byte("9q")) {
				t.Errorf("the diagnostics quote the template:\n%s", rendered(t, cfg, diags))
			}
		})
	}
}

// TestReadsCountedOnce: 10,000 users reading the same 32 KiB file cost one
// read: together they would pass MaxConfigSize if each counted.
func TestReadsCountedOnce(t *testing.T) {
	const users = 10_000
	size := schema.MaxConfigSize/users + 1
	var src strings.Builder
	for i := range users {
		fmt.Fprintf(&src, "user \"u%d\" {\n  name = file(\"big.txt\") == \"\" ? \"empty\" : \"read\"\n}\n", i)
	}
	dir := writeFiles(t, t.TempDir(), map[string]string{"main.hcl": src.String(), "big.txt": strings.Repeat("x", size)})
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if len(diags) > 0 {
		t.Fatalf("diagnostics:\n%.2000s", diagList(diags))
	}
	if n := *cfg.User("u9999").Name; n != "read" {
		t.Errorf("name %q, want read", n)
	}
}

// TestVarFileMustBeRegular: a variables file may be anywhere, but must be
// a regular file within the size limit.
func TestVarFileMustBeRegular(t *testing.T) {
	root, cfg := outsideTree(t)
	writeFiles(t, cfg, map[string]string{"main.hcl": "variable \"v\" {\n  default = \"x\"\n}\nuser \"alice\" {\n  name = var.v\n}\n"})
	writeFiles(t, root, map[string]string{"ok.vars": "v = \"from outside\"\n"})
	sparse(t, filepath.Join(root, "big.vars"), schema.MaxFileSize+1)
	c, diags := schema.Load(cfg, schema.Inputs{VarFiles: []string{filepath.Join(root, "ok.vars")}})
	if len(diags) > 0 || *c.User("alice").Name != "from outside" {
		t.Fatalf("a regular variables file outside the directory is not read:\n%s", diagList(diags))
	}
	for _, path := range []string{"/dev/zero", filepath.Join(root, "big.vars"), root} {
		_, diags := schema.Load(cfg, schema.Inputs{VarFiles: []string{path}})
		if errs := errorsOf(diags); len(errs) != 1 || errs[0].Summary != "Failed to read variables file" {
			t.Errorf("%s: diagnostics\n%s\nwant one Failed to read variables file", path, diagList(diags))
		}
	}
}

func mkfifo(t *testing.T, path string) {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sparse makes a file of size bytes that takes no room on disk.
func sparse(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
}

// assertNoCanary fails when canary is in any diagnostic, rendered or not,
// or anywhere in the configuration, the sources kept for snippets included.
func assertNoCanary(t *testing.T, cfg *schema.Config, diags hcl.Diagnostics, canary string) {
	t.Helper()
	out := rendered(t, cfg, diags)
	if bytes.Contains(bytes.ToLower(out), []byte(strings.ToLower(canary))) {
		t.Errorf("the canary is in the diagnostics:\n%.3000s", out)
	}
	if cfg != nil {
		var all strings.Builder
		reachableStrings(reflect.ValueOf(cfg), map[uintptr]bool{}, &all)
		if strings.Contains(strings.ToLower(all.String()), strings.ToLower(canary)) {
			t.Errorf("the canary is in the configuration")
		}
	}
}

// reachableStrings writes every string and byte slice reachable from v,
// unexported fields included.
func reachableStrings(v reflect.Value, seen map[uintptr]bool, w *strings.Builder) {
	switch v.Kind() {
	case reflect.String:
		w.WriteString(v.String() + "\n")
	case reflect.Pointer, reflect.Map, reflect.Slice:
		if v.IsNil() {
			return
		}
		if v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Uint8 {
			w.Write(v.Bytes())
			return
		}
		if seen[v.Pointer()] && v.Kind() != reflect.Slice {
			return
		}
		seen[v.Pointer()] = true
		switch v.Kind() {
		case reflect.Pointer:
			reachableStrings(v.Elem(), seen, w)
		case reflect.Map:
			for it := v.MapRange(); it.Next(); {
				reachableStrings(it.Key(), seen, w)
				reachableStrings(it.Value(), seen, w)
			}
		default:
			for i := range v.Len() {
				reachableStrings(v.Index(i), seen, w)
			}
		}
	case reflect.Interface:
		if !v.IsNil() {
			reachableStrings(v.Elem(), seen, w)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			reachableStrings(v.Field(i), seen, w)
		}
	case reflect.Array:
		for i := range v.Len() {
			reachableStrings(v.Index(i), seen, w)
		}
	}
}

// TestReachableStringsFinds: the search assertNoCanary makes does find
// what a configuration holds, read from a file or written in one.
func TestReachableStringsFinds(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{
		"main.hcl": "user \"alice\" {\n  bio = file(\"bio.txt\")\n  # written-mark-3c\n}\n",
		"bio.txt":  "read-mark-5e",
	})
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if len(diags) > 0 {
		t.Fatal(diagList(diags))
	}
	var all strings.Builder
	reachableStrings(reflect.ValueOf(cfg), map[uintptr]bool{}, &all)
	for _, mark := range []string{"read-mark-5e", "written-mark-3c"} {
		if !strings.Contains(all.String(), mark) {
			t.Errorf("%s is in the configuration but not found", mark)
		}
	}
}
