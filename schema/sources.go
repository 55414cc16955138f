package schema

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/roster-project/roster/internal/confine"
)

// maxPathLength bounds the path given to file() and templatefile(), so that
// an error about a path never quotes a huge one (PATH_MAX on Linux).
const maxPathLength = 4096

// sources reads the files of one Load: the *.hcl files of the configuration
// directory and the files that file() and templatefile() name, each a
// regular file inside the directory, at most MaxFileSize bytes, and at most
// MaxConfigSize bytes together. What file() and templatefile() read is kept
// by path, so that a template every user renders is read and parsed once.
type sources struct {
	// mu guards what follows: the accounts of a users block are decoded on
	// every core, and their file() and templatefile() calls read here.
	mu  sync.Mutex
	dir *confine.Dir
	// total counts the bytes read, each path once.
	total int64
	// tokens counts the tokens of the *.hcl files and templates parsed,
	// against budget (MaxTokens).
	tokens, budget int
	counted        map[string]bool
	texts          map[string]textRead
	tmpls          map[string]templateRead
}

type textRead struct {
	val cty.Value
	err error
}

type templateRead struct {
	expr hclsyntax.Expression
	err  error
}

func newSources(dir *confine.Dir) *sources {
	return &sources{dir: dir, budget: MaxTokens, counted: map[string]bool{}, texts: map[string]textRead{}, tmpls: map[string]templateRead{}}
}

// read reads the file at path, relative to the configuration directory,
// within the limits. Its errors name the path and never the contents.
func (s *sources) read(path string) ([]byte, error) {
	if len(path) > maxPathLength {
		return nil, fmt.Errorf("the path is longer than %d bytes", maxPathLength)
	}
	b, err := s.dir.ReadFile(path, MaxFileSize)
	if ce := (*confine.Error)(nil); errors.As(err, &ce) && ce.Kind == confine.Unreadable {
		return nil, fmt.Errorf("no file exists at %q relative to the configuration directory, or it cannot be read", path)
	}
	if err != nil {
		return nil, err
	}
	if key := filepath.Clean(path); !s.counted[key] {
		s.counted[key] = true
		s.total += int64(len(b))
	}
	if s.total > MaxConfigSize {
		return nil, fmt.Errorf("reading %q takes the configuration's files past %s together, the most roster reads for one configuration",
			path, confine.Size(MaxConfigSize))
	}
	return b, nil
}

// text returns the UTF-8 text of the file at path as a string value, for
// file().
func (s *sources) text(path string) (cty.Value, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.textLocked(path)
}

// textLocked is text, with s.mu held.
func (s *sources) textLocked(path string) (cty.Value, error) {
	key := filepath.Clean(path)
	if r, ok := s.texts[key]; ok {
		return r.val, r.err
	}
	var r textRead
	b, err := s.read(path)
	switch {
	case err != nil:
		r.err = err
	case !utf8.Valid(b):
		r.err = fmt.Errorf("the contents of %q are not valid UTF-8", path)
	default:
		r.val = cty.StringVal(string(b))
	}
	s.texts[key] = r
	return r.val, r.err
}

// isText reports whether s is the text of the file at path as text returned
// it.
func (s *sources) isText(path, text string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.texts[filepath.Clean(path)]
	return ok && r.err == nil && r.val.AsString() == text
}

// template returns the parsed template at path, for templatefile(). A
// template that nests too deeply is refused before parsing; an error names
// the path, line and kind of problem, never the template's text.
func (s *sources) template(path string) (hclsyntax.Expression, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := filepath.Clean(path)
	if r, ok := s.tmpls[key]; ok {
		return r.expr, r.err
	}
	var r templateRead
	text, err := s.textLocked(path)
	if err == nil {
		src := []byte(text.AsString())
		var n int
		n, err = checkTemplateNesting(src, path, s.budget-s.tokens)
		s.tokens += n
		if err == nil {
			var diags hcl.Diagnostics
			r.expr, diags = hclsyntax.ParseTemplate(src, path, hcl.InitialPos)
			err = templateError("does not parse", path, diags)
		}
	}
	r.err = err
	s.tmpls[key] = r
	return r.expr, r.err
}

// errNestedTemplateFile refuses templatefile inside a template.
var errNestedTemplateFile = errors.New("templatefile cannot be called from a template; render the inner template in the configuration and pass it in a variable")

// templateError describes the first error of diags by its summary, the
// function it calls and its line only: the detail of HCL's messages may
// quote the template or the values it works on.
func templateError(what, path string, diags hcl.Diagnostics) error {
	for _, d := range diags {
		if d.Severity != hcl.DiagError {
			continue
		}
		problem := d.Summary
		if x, ok := hcl.DiagnosticExtra[hclsyntax.FunctionCallDiagExtra](d); ok && x.CalledFunctionName() != "" {
			problem = fmt.Sprintf("%s (%s)", d.Summary, x.CalledFunctionName())
			if errors.Is(x.FunctionCallError(), errNestedTemplateFile) {
				problem = errNestedTemplateFile.Error()
			}
		}
		if d.Subject != nil {
			return fmt.Errorf("the template %q %s: %s, at line %d", path, what, problem, d.Subject.Start.Line)
		}
		return fmt.Errorf("the template %q %s: %s", path, what, problem)
	}
	return nil
}
