package cli_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/ptytest"
	"github.com/roster-project/roster/internal/server/password"
)

// The tests of this file run the roster binary (testscript.Main puts it on
// PATH) on a pseudo-terminal, as at a person's shell: its controlling
// terminal and its three streams, with its status line shown at once.

// slowPasswords is how many accounts seedPasswords adds: enough for
// planning to verify passwords for a few seconds (PBKDF2, 160,000 rounds).
const slowPasswords = 40

// seedPasswords adds slowPasswords local accounts load1… to the sample
// server, copies of bob with the same hash of one password, and writes a
// configuration that enforces that password on each (and locks load1, so
// that the plan has a change): planning verifies every password, the slow
// part of a plan, which the status line counts. It returns the
// configuration directory.
func seedPasswords(t *testing.T, url string) string {
	hash, err := password.HashPBKDF2("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	pgtest.Exec(t, url, `INSERT INTO users
		SELECT (jsonb_populate_record(u, jsonb_build_object('id', gen_random_uuid(), 'nickname', 'load' || i,
			'ap_id', 'https://social.example.org/users/load' || i, 'email', NULL, 'password_hash', $1::text))).*
		FROM users u CROSS JOIN generate_series(1, $2::int) i WHERE u.nickname = 'bob'`, hash, slowPasswords)
	var cfg strings.Builder
	cfg.WriteString("variable \"pw\" {\n  sensitive = true\n}\n")
	for i := 1; i <= slowPasswords; i++ {
		fmt.Fprintf(&cfg, "\nuser \"load%d\" {\n  password = var.pw\n", i)
		if i == 1 {
			cfg.WriteString("  locked   = true\n")
		}
		cfg.WriteString("}\n")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// running is a roster started by onTerminal.
type running struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed when it ended, err set
	err    error
}

// onTerminal starts roster with args on the terminal of pty, as the leader
// of its own session: the terminal's foreground, as a command run at a
// shell.
func onTerminal(t *testing.T, pty *ptytest.PTY, url string, args ...string) *running {
	t.Helper()
	bin, err := exec.LookPath("roster")
	if err != nil {
		t.Skip("no roster command on PATH:", err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+url, "ROSTER_VAR_pw=correct horse battery staple",
		"ROSTER_TEST_LONG_WORK=1ms", "COLUMNS=100", "NO_COLOR=1")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = pty.Term, pty.Term, pty.Term
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &running{cmd: cmd, exited: make(chan struct{})}
	go func() {
		r.err = cmd.Wait()
		close(r.exited)
	}()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-r.exited
	})
	return r
}

// wait waits for roster to end, and for the screen to show all it wrote,
// and returns Wait's error.
func (r *running) wait(t *testing.T, pty *ptytest.PTY) error {
	t.Helper()
	select {
	case <-r.exited:
		pty.Sync(t)
		return r.err
	case <-time.After(60 * time.Second):
		t.Fatalf("roster did not end; the terminal shows:\n%q", pty.Screen())
		return nil
	}
}

// afterStatus is what the screen shows after the last status line: what
// is left once it was erased.
func afterStatus(screen string) string {
	if i := strings.LastIndex(screen, "\r\x1b[K"); i >= 0 {
		return screen[i+len("\r\x1b[K"):]
	}
	return screen
}

// verifyingLine is a status line of planning with the count of passwords
// verified and the time left.
var verifyingLine = regexp.MustCompile(fmt.Sprintf(`\r\x1b\[KPlanning: verifying passwords \d+/%d, about \d+s left… \d+\.\d\ds`, slowPasswords))

// TestApplyInterruptedWhilePlanning: Ctrl-C while apply verifies passwords
// erases the status line (which counts them) and says only that the apply
// was interrupted and nothing written; the terminal's echo, off while the
// status line was on screen, is back on.
func TestApplyInterruptedWhilePlanning(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	dir := seedPasswords(t, url)
	pty := ptytest.Open(t)
	r := onTerminal(t, pty, url, "--chdir", dir, "apply")
	// Reading takes a fraction of a second, verifying the passwords
	// several seconds; the estimate shows once a few are verified, however
	// long that takes on a loaded machine.
	pty.WaitForMatch(t, verifyingLine, 60*time.Second)
	if pty.Echo(t) {
		t.Error("the terminal echoes what is typed while the status line is on it")
	}
	pty.Type(t, "typed")
	time.Sleep(200 * time.Millisecond)
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	err := r.wait(t, pty)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want exit status 1", err)
	}
	screen := pty.Screen()
	if !verifyingLine.MatchString(screen) {
		t.Errorf("no status line counts the passwords verified and says the time left:\n%q", screen)
	}
	want := "Interrupt received: stopping; an apply not yet committed is rolled back. Press Ctrl-C again to exit at once.\n" +
		"\nError: Apply interrupted\n\nroster stopped before it began to write: nothing was written.\n"
	if got := afterStatus(screen); got != want {
		t.Errorf("after the status line, the terminal shows\n%q\nwant\n%q\nwhole screen:\n%q", got, want, screen)
	}
	if strings.Contains(screen, "typed") {
		t.Errorf("what was typed was echoed:\n%q", screen)
	}
	if !pty.Echo(t) {
		t.Error("the terminal's echo is still off after roster ended")
	}
	var locked bool
	if err := pgtest.Connect(t, url).QueryRow(t.Context(), "SELECT is_locked FROM users WHERE nickname = 'load1'").Scan(&locked); err != nil {
		t.Fatal(err)
	}
	if locked {
		t.Error("load1 is locked: the interrupted apply wrote")
	}
}

// TestKilledOnTerminal: a signal that roster does not handle ends it as it
// ends any program (Ctrl-C during plan, SIGTERM during apply), but first the
// status line is erased and the terminal's echo turned back on.
func TestKilledOnTerminal(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	dir := seedPasswords(t, url)
	for _, tc := range []struct {
		command string
		sig     syscall.Signal
	}{{"plan", syscall.SIGINT}, {"apply", syscall.SIGTERM}} {
		t.Run(tc.command, func(t *testing.T) {
			pty := ptytest.Open(t)
			r := onTerminal(t, pty, url, "--chdir", dir, tc.command)
			pty.WaitFor(t, "… 1.", 60*time.Second)
			if pty.Echo(t) {
				t.Error("the terminal echoes what is typed while the status line is on it")
			}
			if err := r.cmd.Process.Signal(tc.sig); err != nil {
				t.Fatal(err)
			}
			err := r.wait(t, pty)
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("exit: %v, want the signal's", err)
			}
			if ws, ok := exit.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != tc.sig {
				t.Errorf("exit: %v, want death by %v", err, tc.sig)
			}
			if got := afterStatus(pty.Screen()); got != "" {
				t.Errorf("after the status line, the terminal shows %q, want nothing: the line erased", got)
			}
			if !pty.Echo(t) {
				t.Error("the terminal's echo is still off after roster ended")
			}
		})
	}
}

// TestTypedUnseenDoesNotAnswer: what was typed while the status line was
// on screen, with echo off, does not answer the question that follows
// (yes, typed while apply planned).
func TestTypedUnseenDoesNotAnswer(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	dir := seedPasswords(t, url)
	pty := ptytest.Open(t)
	r := onTerminal(t, pty, url, "--chdir", dir, "apply")
	pty.WaitFor(t, "… 1.", 60*time.Second)
	pty.Type(t, "yes\n")
	pty.WaitFor(t, "Enter a value: ", 60*time.Second)
	pty.Type(t, "no\n")
	err := r.wait(t, pty)
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Errorf("exit: %v, want exit status 1", err)
	}
	if screen := pty.Screen(); !strings.Contains(screen, "Apply cancelled.") || strings.Contains(screen, "Apply complete!") {
		t.Errorf("want the apply cancelled:\n%s", screen)
	}
	var locked bool
	if err := pgtest.Connect(t, url).QueryRow(t.Context(), "SELECT is_locked FROM users WHERE nickname = 'load1'").Scan(&locked); err != nil {
		t.Fatal(err)
	}
	if locked {
		t.Error("load1 is locked: the yes typed unseen answered the question")
	}
}

// TestApplyCountsOnTerminal: the status line of an apply counts the new
// accounts prepared (keys and hashes), and the terminal's echo is back on
// once it is done.
func TestApplyCountsOnTerminal(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	dir := t.TempDir()
	var cfg strings.Builder
	for i := range 6 {
		fmt.Fprintf(&cfg, "user \"new%d\" {}\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte(cfg.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	pty := ptytest.Open(t)
	r := onTerminal(t, pty, url, "--chdir", dir, "apply", "--auto-approve")
	if err := r.wait(t, pty); err != nil {
		t.Fatalf("apply: %v\n%s", err, pty.Screen())
	}
	screen := pty.Screen()
	if !regexp.MustCompile(`\r\x1b\[KApplying: preparing new accounts [0-6]/6… \d+\.\d\ds`).MatchString(screen) {
		t.Errorf("no status line counts the new accounts prepared:\n%q", screen)
	}
	if !strings.Contains(screen, "Apply complete! Resources: 6 added") {
		t.Errorf("the apply did not complete:\n%s", screen)
	}
	if !pty.Echo(t) {
		t.Error("the terminal's echo is off after roster ended")
	}
}
