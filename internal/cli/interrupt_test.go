package cli_test

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/pgtest"
)

// TestApplyInterrupted runs the roster binary (testscript.Main puts it on
// PATH) while another session holds roster's lock, interrupts it as Ctrl-C
// does once it waits for the lock, and checks that it stops, says the
// transaction was rolled back, exits 1 and wrote nothing.
func TestApplyInterrupted(t *testing.T) {
	bin, err := exec.LookPath("roster")
	if err != nil {
		t.Skip("no roster command on PATH:", err)
	}
	ctx := t.Context()
	url := pgtest.New(t, pgtest.PleromaSample)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte("user \"bob\" {\n  locked = true\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	holder := pgtest.Connect(t, url)
	if _, err := holder.Exec(ctx, "SELECT pg_advisory_lock($1)", applier.LockKey); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bin, "apply", "--auto-approve", "--lock-timeout", "60s", "--chdir", dir, "--no-color")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()

	// Wait until roster waits for the lock.
	deadline := time.Now().Add(30 * time.Second)
	for {
		var n int
		err := holder.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'roster' AND wait_event_type = 'Lock'`).Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("roster never waited for the lock\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("roster did not stop after an interrupt")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want exit status 1", err)
	}
	for _, want := range []string{
		"Interrupt received: stopping; an apply not yet committed is rolled back. Press Ctrl-C again to exit at once.",
		"Error: Apply interrupted",
		"The transaction was rolled back: nothing was written.",
	} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	if strings.Contains(stdout.String(), "Apply complete!") {
		t.Errorf("stdout says the apply completed:\n%s", stdout.String())
	}
	var locked bool
	if err := holder.QueryRow(ctx, "SELECT is_locked FROM users WHERE nickname = 'bob'").Scan(&locked); err != nil {
		t.Fatal(err)
	}
	if locked {
		t.Error("bob is locked: the interrupted apply wrote")
	}
}
