package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/cli"
)

// driftIgnore runs roster drift --ignore-file path in-process and returns
// its exit code and standard error, unwrapped, failing the test when it
// does not end within ten seconds. The ignore file is read before the
// configuration and the database, so none is needed to refuse it.
func driftIgnore(t *testing.T, path string) (int, string) {
	t.Helper()
	var out, errs bytes.Buffer
	st := cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errs, LongWork: time.Hour}
	done := make(chan int, 1)
	go func() {
		done <- cli.Main(context.Background(), []string{"drift", "--ignore-file", path, "--chdir", t.TempDir(), "--no-color"}, st,
			[]string{"DATABASE_URL=postgres://roster-test.invalid/none"})
	}()
	select {
	case code := <-done:
		if out.Len() > 0 {
			t.Errorf("stdout:\n%s", out.String())
		}
		// Diagnostics are wrapped at 78 columns: one space for each run of
		// white space, to compare phrases.
		return code, strings.Join(strings.Fields(errs.String()), " ")
	case <-time.After(10 * time.Second):
		t.Fatalf("roster drift --ignore-file %s did not end", path)
		return 0, ""
	}
}

// TestIgnoreFileRefused: an ignore file that is not a regular file, or
// larger than 1 MiB, is refused with a diagnostic and exit code 1, without
// waiting for a writer or reading without end.
func TestIgnoreFileRefused(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.ignore")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.ignore")
	if err := os.WriteFile(big, bytes.Repeat([]byte("# known drift\n"), (1<<20)/14+1), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		fifo:                                 `"` + fifo + `" is a named pipe, not a regular file.`,
		"/dev/zero":                          `"/dev/zero" is a device, not a regular file.`,
		dir:                                  `"` + dir + `" is a directory, not a regular file.`,
		big:                                  `"` + big + `" is larger than 1 MiB, the most roster reads from one file.`,
		filepath.Join(dir, "missing.ignore"): `does not exist or cannot be read.`,
	} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			code, stderr := driftIgnore(t, path)
			if code != 1 {
				t.Errorf("exit code %d, want 1", code)
			}
			if !strings.Contains(stderr, "Error: Failed to read the ignore file") || !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		})
	}
}

// TestIgnoreFileLongLine: a line longer than bufio.Scanner's 64 KiB default
// does not end the reading of the file early: a rule after it is read.
func TestIgnoreFileLongLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "long.ignore")
	src := "user.root name\n# " + strings.Repeat("x", 200_000) + "\nroot\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stderr := driftIgnore(t, path)
	if code != 1 || !strings.Contains(stderr, `long.ignore line 3: "root" is not an address`) {
		t.Errorf("exit code %d, stderr:\n%s", code, stderr)
	}
}
