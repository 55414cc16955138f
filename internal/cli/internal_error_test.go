package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
)

const reportLine = "This is a bug in roster: please report it, with the command you ran and what roster version prints.\n"

// breaks panics on the first read or write: a stream that fails as a bug
// in roster would, in a command that otherwise works.
type breaks struct{}

func (breaks) Write([]byte) (int, error) { panic("the stream broke") }
func (breaks) Read([]byte) (int, error)  { panic("the stream broke") }

// TestMainInternalError: a panic in a command is an internal error, exit
// code 1, on one line and without a stack trace.
func TestMainInternalError(t *testing.T) {
	var errs bytes.Buffer
	st := cli.Streams{In: strings.NewReader(""), Out: breaks{}, Err: &errs}
	if code := cli.Main(t.Context(), []string{"version"}, st, nil); code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if want := "\nError: internal error: the stream broke\n\n" + reportLine; errs.String() != want {
		t.Errorf("stderr %q, want %q", errs.String(), want)
	}
}

// TestMainHelp: kong's own exit, after --help, still ends the run with its
// code.
func TestMainHelp(t *testing.T) {
	var out, errs bytes.Buffer
	st := cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errs}
	if code := cli.Main(t.Context(), []string{"--help"}, st, nil); code != 0 {
		t.Errorf("exit code %d, want 0; stderr:\n%s", code, errs.String())
	}
	if !strings.Contains(out.String(), "Usage: roster <command>") {
		t.Errorf("no usage:\n%s", out.String())
	}
}

// TestMainPromptPanic: a panic in the goroutine that reads the answer to
// apply's prompt comes back to the command: an internal error, exit code
// 1, and nothing written.
func TestMainPromptPanic(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte("user \"bob\" {\n  locked = true\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	st := cli.Streams{In: breaks{}, Out: &out, Err: &errs, InTerm: true, LongWork: time.Hour}
	code := cli.Main(t.Context(), []string{"apply", "--chdir", dir, "--no-color"}, st, []string{"DATABASE_URL=" + url})
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	if !strings.Contains(out.String(), "Do you want to perform these actions?") {
		t.Errorf("no prompt:\n%s", out.String())
	}
	if want := "\nError: internal error: the stream broke\n\n" + reportLine; !strings.HasSuffix(errs.String(), want) {
		t.Errorf("stderr %q, want it to end in %q", errs.String(), want)
	}
	var locked bool
	if err := pgtest.Connect(t, url).QueryRow(t.Context(), "SELECT is_locked FROM users WHERE nickname = 'bob'").Scan(&locked); err != nil {
		t.Fatal(err)
	}
	if locked {
		t.Error("bob is locked: the apply wrote after its prompt failed")
	}
}
