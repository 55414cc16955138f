// Package scripts holds the tests of the shell scripts make runs.
package scripts

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// demo runs scripts/demo.sh with args in the demo directory dir on port,
// and returns its exit code and output.
func demo(t *testing.T, dir string, port int, args ...string) (int, string) {
	t.Helper()
	cmd := exec.Command("bash", append([]string{"demo.sh"}, args...)...)
	cmd.Env = append(os.Environ(), "ROSTER_DEMO_DIR="+dir, fmt.Sprintf("ROSTER_DEMO_PORT=%d", port), "DATABASE_URL=", "NO_COLOR=1",
		// The demo starts its own server even when the tests use another.
		"ROSTER_TEST_DATABASE_URL=postgres://roster@127.0.0.1:1/elsewhere")
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case !errors.As(err, &exit):
		t.Fatalf("demo.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return exit.ExitCode(), string(out)
}

// demoDir is a directory for the demo that the user PostgreSQL runs as,
// when the test runs as root, may reach.
func demoDir(t *testing.T) string {
	parent := t.TempDir()
	for _, d := range []string{filepath.Dir(parent), parent} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return filepath.Join(parent, "demo")
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestDemoRunsTwice: make demo run a second time starts the demo again
// from the sample database (the hand-made changes are there to plan
// again), instead of stopping at the first run's database. make demo-down
// then removes it. Neither touches a file of the user's in the directory.
func TestDemoRunsTwice(t *testing.T) {
	if testing.Short() {
		t.Skip("starts PostgreSQL and builds roster twice")
	}
	t.Parallel()
	dir, port := demoDir(t), freePort(t)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(mine, []byte("mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { demo(t, dir, port, "down") })

	for run := 1; run <= 2; run++ {
		code, out := demo(t, dir, port)
		if code != 0 {
			t.Fatalf("run %d of make demo exited %d:\n%s", run, code, out)
		}
		for _, want := range []string{
			"# user.mallory will be updated in-place",
			"Apply complete! Resources: 6 added, 7 changed, 1 destroyed.\nUsers: 4 added, 5 changed, 1 destroyed.\nInvites: 2 added, 1 changed.\n",
			"plan --detailed-exitcode exited 0",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("run %d: no %q in the output:\n%s", run, want, out)
			}
		}
		if again := strings.Contains(out, "Removing the demo database of the last run"); again != (run == 2) {
			t.Errorf("run %d: says it removes the last run's database: %v\n%s", run, again, out)
		}
	}

	code, out := demo(t, dir, port, "down")
	if code != 0 || !strings.Contains(out, "Demo database removed.") {
		t.Fatalf("make demo-down exited %d:\n%s", code, out)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "notes.txt" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("after make demo-down the directory holds %v, want only the user's notes.txt", names)
	}
}

// TestDemoLeavesAnotherDatabase: a data directory in ROSTER_DEMO_DIR that
// make demo did not make is refused, and left as it is.
func TestDemoLeavesAnotherDatabase(t *testing.T) {
	t.Parallel()
	dir := demoDir(t)
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "PG_VERSION"), []byte("15\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{nil, {"down"}} {
		code, out := demo(t, dir, freePort(t), args...)
		if code != 1 || !strings.Contains(out, "not the demo's") {
			t.Errorf("demo.sh %v exited %d, want 1 and a refusal:\n%s", args, code, out)
		}
		if _, err := os.Stat(filepath.Join(data, "PG_VERSION")); err != nil {
			t.Errorf("demo.sh %v: %v", args, err)
		}
	}
}
