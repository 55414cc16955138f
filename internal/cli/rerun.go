package cli

import (
	"fmt"
	"strings"
)

// rerun is a roster command line that roster prints for the user to run
// next, made from the options of this run that the next command needs
// again. A POSIX shell reads each word back as it was given; a path is
// printed as given, since roster reads it from the working directory (only
// the configuration is read from --chdir). A value that may be a secret
// (--var, --database-url) is never printed: the line shows …, and note
// says to give the same value.
type rerun struct {
	words []string
	// elided are the options whose values the line leaves out.
	elided []string
}

// newRerun starts the command line of the roster command cmd: --chdir and
// --database-url before it as g has them; with vars, the --var-file and
// --var options after it, in their order.
func newRerun(g *Globals, cmd string, vars bool) *rerun {
	r := &rerun{words: []string{"roster"}}
	if g.Chdir != "." && g.Chdir != "" {
		r.words = append(r.words, "--chdir", shellPath(g.Chdir))
	}
	if g.DatabaseURL != "" {
		r.words = append(r.words, "--database-url", "…")
		r.elided = append(r.elided, "--database-url")
	}
	r.words = append(r.words, cmd)
	if !vars {
		return r
	}
	for _, f := range g.VarFile {
		r.words = append(r.words, "--var-file", shellPath(f))
	}
	for _, kv := range g.Var {
		name, _, _ := strings.Cut(kv, "=")
		r.words = append(r.words, "--var", shellQuote(name+"=")+"…")
		r.elided = append(r.elided, "--var "+shellQuote(name))
	}
	return r
}

// add appends words, each shell-quoted.
func (r *rerun) add(words ...string) *rerun {
	for _, w := range words {
		r.words = append(r.words, shellQuote(w))
	}
	return r
}

// addPath appends a path, as shellPath prints it.
func (r *rerun) addPath(path string) *rerun {
	r.words = append(r.words, shellPath(path))
	return r
}

// String is the command line.
func (r *rerun) String() string { return strings.Join(r.words, " ") }

// note says which values the line leaves out and to give them as for
// this run (done: "this plan", "this apply"), or is empty.
func (r *rerun) note(done string) string {
	switch len(r.elided) {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf("Give %s the same value as for %s: roster does not print it, as it may be a secret.", r.elided[0], done)
	}
	names := strings.Join(r.elided[:len(r.elided)-1], ", ") + " and " + r.elided[len(r.elided)-1]
	return fmt.Sprintf("Give %s the same values as for %s: roster does not print them, as they may be secrets.", names, done)
}

// shellQuote quotes s for a POSIX shell when it needs it.
func shellQuote(s string) string {
	safe := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("_./-+=:@,%", r)) {
			safe = false
		}
	}
	if safe {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// shellPath quotes a path for a POSIX shell, as shellQuote does, and
// starts a relative one that begins with a dash with ./, so that it is not
// read as an option.
func shellPath(path string) string {
	if strings.HasPrefix(path, "-") {
		path = "./" + path
	}
	return shellQuote(path)
}
