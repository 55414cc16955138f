package cli

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// fmtCmd formats *.hcl files as terraform fmt does *.tf files: it lists the
// files it changed; --check writes nothing and exits 3 when a file would
// change; a file that does not parse exits 2 with its diagnostic.
type fmtCmd struct {
	Check     bool     `name:"check" help:"Write nothing; exit 3 when a file is not formatted."`
	Diff      bool     `name:"diff" help:"Print the changes as a diff."`
	Recursive bool     `name:"recursive" help:"Also format files in subdirectories."`
	Paths     []string `arg:"" optional:"" name:"path" help:"Files or directories (default: --chdir)."`
}

func (c *fmtCmd) Run(a *app, g *Globals) error {
	paths := c.Paths
	if len(paths) == 0 {
		paths = []string{g.Chdir}
	}
	files, err := c.collect(paths)
	if err != nil {
		return err
	}
	unformatted, broken := false, false
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		p := hclparse.NewParser()
		if _, diags := p.ParseHCL(src, f); diags.HasErrors() {
			a.diags(g, nil, diags)
			broken = true
			continue
		}
		out := hclwrite.Format(src)
		if bytes.Equal(src, out) {
			continue
		}
		unformatted = true
		fmt.Fprintln(a.Out, f)
		if c.Diff {
			printDiff(a, f, string(src), string(out))
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
	case broken:
		return exitCode(2)
	case c.Check && unformatted:
		return exitCode(3)
	}
	return nil
}

// collect lists the *.hcl files named or found in the directories named.
func (c *fmtCmd) collect(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		info, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("no file or directory %s", p)
		}
		if !info.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != p && (!c.Recursive || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(path, ".hcl") && !strings.HasPrefix(d.Name(), ".") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sort.Strings(out)
	return out, nil
}

// printDiff prints a line diff of a file's formatting.
func printDiff(a *app, name, before, after string) {
	dmp := diffmatchpatch.New()
	x, y, lines := dmp.DiffLinesToChars(before, after)
	diffs := dmp.DiffCharsToLines(dmp.DiffMain(x, y, false), lines)
	fmt.Fprintf(a.Out, "--- old/%s\n+++ new/%s\n", name, name)
	for _, d := range diffs {
		prefix := map[diffmatchpatch.Operation]string{diffmatchpatch.DiffEqual: " ", diffmatchpatch.DiffDelete: "-", diffmatchpatch.DiffInsert: "+"}[d.Type]
		for _, l := range strings.SplitAfter(d.Text, "\n") {
			if l != "" {
				fmt.Fprint(a.Out, prefix+strings.TrimSuffix(l, "\n")+"\n")
			}
		}
	}
}
