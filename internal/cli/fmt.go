package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/roster-project/roster/internal/confine"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/schema"
)

// fmtCmd formats *.hcl files as terraform fmt does *.tf files: it lists the
// files it changed; --check writes nothing and exits 3 when a file would
// change; a file that does not parse exits 2 with its diagnostic. A file
// roster refuses to read, as schema.Load does (not a regular file, larger
// than schema.MaxFileSize, nested deeper than schema.MaxNesting), is a
// diagnostic and exits 1.
type fmtCmd struct {
	Check     bool     `name:"check" help:"Write nothing; exit 3 when a file is not formatted."`
	Diff      bool     `name:"diff" help:"Print the changes as a unified diff."`
	Recursive bool     `name:"recursive" help:"Also format files in subdirectories."`
	Paths     []string `arg:"" optional:"" name:"path" help:"Files or directories (default: --chdir); - formats standard input to standard output."`
}

func (c *fmtCmd) Run(ctx context.Context, a *app, g *Globals) error {
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{g.Chdir}
	}
	if len(paths) == 1 && paths[0] == "-" {
		return c.stdin(a, g)
	}
	files, err := c.collect(paths)
	if err != nil {
		return err
	}
	unformatted, broken, refused := false, false, false
	for _, file := range files {
		f := file.path
		src, err := file.read()
		if err != nil {
			a.refuse(g, fmt.Sprintf("%v. roster fmt reads only regular files of at most %s, and in a directory only those inside it.", err, confine.Size(schema.MaxFileSize)))
			refused = true
			continue
		}
		out, code := a.format(g, f, src)
		refused, broken = refused || code == 1, broken || code == 2
		if code != 0 {
			continue
		}
		if bytes.Equal(src, out) {
			continue
		}
		unformatted = true
		fmt.Fprintln(a.Out, view.Visible(f))
		if c.Diff {
			view.UnifiedDiff(a.Out, f, string(src), string(out))
		}
		if !c.Check {
			info, err := os.Stat(f)
			if err != nil {
				return err
			}
			if err := os.WriteFile(f, out, info.Mode().Perm()); err != nil {
				return err
			}
		}
	}
	switch {
	case refused:
		return exitCode(1)
	case broken:
		return exitCode(2)
	case c.Check && unformatted:
		return exitCode(3)
	}
	return nil
}

// stdin formats standard input: to standard output, or with --check and
// --diff only checked, as terraform fmt - does.
func (c *fmtCmd) stdin(a *app, g *Globals) error {
	src, err := io.ReadAll(io.LimitReader(a.In, schema.MaxFileSize+1))
	if err != nil {
		return err
	}
	if len(src) > schema.MaxFileSize {
		a.refuse(g, fmt.Sprintf("The standard input holds more than %s, the most roster reads from one file.", confine.Size(schema.MaxFileSize)))
		return exitCode(1)
	}
	out, code := a.format(g, "<stdin>", src)
	if code != 0 {
		return exitCode(code)
	}
	if c.Diff && !bytes.Equal(src, out) {
		view.UnifiedDiff(a.Out, "<stdin>", string(src), string(out))
	}
	if !c.Check && !c.Diff {
		_, err = a.Out.Write(out)
		return err
	}
	if c.Check && !bytes.Equal(src, out) {
		return exitCode(3)
	}
	return nil
}

// format parses src and returns it in the canonical format, and 0; a file
// nested too deeply to parse gets its diagnostic and 1, one that does not
// parse its diagnostics, with the source snippet, and 2.
func (a *app) format(g *Globals, name string, src []byte) ([]byte, int) {
	if diags := schema.CheckNesting(src, name); diags.HasErrors() {
		view.Diagnostics(a.Err, diags, nil, a.style(g, a.ErrTerm))
		return nil, 1
	}
	p := hclparse.NewParser()
	if _, diags := p.ParseHCL(src, name); diags.HasErrors() {
		view.Diagnostics(a.Err, diags, p.Files(), a.style(g, a.ErrTerm))
		return nil, 2
	}
	return hclwrite.Format(src), 0
}

// refuse prints a diagnostic about a file fmt does not read.
func (a *app) refuse(g *Globals, detail string) {
	view.Diagnostics(a.Err, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "File not read", Detail: detail}}, nil, a.style(g, a.ErrTerm))
}

// fmtFile is a file fmt formats: named on the command line, or found in a
// directory named (dir), and then read only if it, its links followed,
// stays inside that directory: a pull request's *.hcl link to a file outside
// must not be read, shown in a diagnostic or rewritten.
type fmtFile struct {
	path string
	dir  *confine.Dir
	rel  string
}

func (f fmtFile) read() ([]byte, error) {
	if f.dir == nil {
		return confine.ReadFile(f.path, schema.MaxFileSize)
	}
	b, err := f.dir.ReadFile(f.rel, schema.MaxFileSize)
	var e *confine.Error
	if errors.As(err, &e) {
		e.Path = f.path // name it as fmt lists it
	}
	return b, err
}

// collect lists the *.hcl files named or found in the directories named.
func (c *fmtCmd) collect(paths []string) ([]fmtFile, error) {
	var out []fmtFile
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("no file or directory %s", p)
		}
		if !info.IsDir() {
			out = append(out, fmtFile{path: p})
			continue
		}
		dir, err := confine.OpenDir(p, "the directory "+p)
		if err != nil {
			return nil, fmt.Errorf("cannot read the directory %s: %w", p, err)
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (!c.Recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".hcl") && !strings.HasPrefix(d.Name(), ".") {
				rel, err := filepath.Rel(p, path)
				if err != nil {
					return err
				}
				out = append(out, fmtFile{path: path, dir: dir, rel: rel})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].path < out[j].path })
	return out, nil
}
