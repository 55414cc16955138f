package confine_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/roster-project/roster/internal/confine"
)

// tree builds a configuration directory cfg beside a secret file outside
// it, with symbolic links of every kind.
func tree(t *testing.T) (root, cfg string) {
	t.Helper()
	root = t.TempDir()
	cfg = filepath.Join(root, "cfg")
	for _, d := range []string{cfg, filepath.Join(cfg, "sub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(path, s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(root, "secret.txt"), "canary-outside")
	write(filepath.Join(cfg, "bio.txt"), "a bio")
	write(filepath.Join(cfg, "sub", "b.txt"), "in sub")
	link := func(target, name string) {
		if err := os.Symlink(target, filepath.Join(cfg, name)); err != nil {
			t.Fatal(err)
		}
	}
	link("bio.txt", "inside.txt")
	link("../secret.txt", "outside.txt")
	link(filepath.Join(root, "secret.txt"), "absolute.txt")
	link("/dev/zero", "zero.hcl")
	link("sub", "sublink")
	link("..", "up")
	if err := os.Mkdir(filepath.Join(cfg, ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(filepath.Join(cfg, ".git", "config"), "canary-git-credentials")
	write(filepath.Join(cfg, ".env"), "canary-dotenv")
	link(".git/config", "creds.txt")
	link(".git", "git")
	if err := os.Mkdir(filepath.Join(cfg, ".git", "hooks"), 0o755); err != nil {
		t.Fatal(err)
	}
	link(".git/hooks", "h")
	if err := syscall.Mkfifo(filepath.Join(cfg, "fifo.hcl"), 0o644); err != nil {
		t.Fatal(err)
	}
	return root, cfg
}

func TestDirReadFile(t *testing.T) {
	root, cfg := tree(t)
	d, err := confine.OpenDir(cfg, "the configuration directory")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, tc := range []struct {
		path string
		want string // contents, or the Kind's name
	}{
		{"bio.txt", "a bio"},
		{"inside.txt", "a bio"},
		{"sub/b.txt", "in sub"},
		{"sublink/b.txt", "in sub"},
		{"sub/../bio.txt", "a bio"},
		{filepath.Join(cfg, "bio.txt"), "a bio"},
		{"../secret.txt", "outside"},
		{"outside.txt", "outside"},
		{"absolute.txt", "outside"},
		{"up/secret.txt", "outside"},
		{filepath.Join(root, "secret.txt"), "outside"},
		{"/proc/self/environ", "outside"},
		{"/etc/shadow", "outside"},
		{"zero.hcl", "outside"},
		{"fifo.hcl", "not regular"},
		{"sub", "not regular"},
		{"missing.txt", "unreadable"},
		{".git/config", "hidden"},
		{".env", "hidden"},
		{"sub/../.env", "hidden"},
		{"creds.txt", "hidden"},
		{"git/config", "hidden"},
		{filepath.Join(cfg, ".env"), "hidden"},
		{"h/../config", "hidden"},
		{"h/../../bio.txt", "a bio"},
		{"sub/../.git/config", "hidden"},
		{"", "outside"},
	} {
		t.Run(tc.path, func(t *testing.T) {
			b, err := d.ReadFile(tc.path, 1<<20)
			if err == nil {
				if string(b) != tc.want {
					t.Errorf("read %q, want %s", b, tc.want)
				}
				return
			}
			var e *confine.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v (%T), want a *confine.Error", err, err)
			}
			got := map[confine.Kind]string{confine.Outside: "outside", confine.NotRegular: "not regular",
				confine.Unreadable: "unreadable", confine.TooLarge: "too large", confine.Hidden: "hidden"}[e.Kind]
			if got != tc.want {
				t.Errorf("refused as %s (%v), want %s", got, err, tc.want)
			}
			if strings.Contains(err.Error(), "canary") {
				t.Errorf("the error shows the file's contents: %v", err)
			}
			if _, serr := d.Stat(tc.path); serr == nil && tc.want != "too large" {
				t.Errorf("Stat accepts what ReadFile refuses")
			}
		})
	}
}

func TestSizeLimit(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "big.hcl")
	if err := os.WriteFile(path, []byte(strings.Repeat("x", 1025)), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := confine.OpenDir(dir, "the configuration directory")
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for name, read := range map[string]func(string, int64) ([]byte, error){
		"Dir.ReadFile": func(p string, n int64) ([]byte, error) { return d.ReadFile(filepath.Base(p), n) },
		"ReadFile":     confine.ReadFile,
	} {
		if b, err := read(path, 1025); err != nil || len(b) != 1025 {
			t.Errorf("%s at the limit: %d bytes, %v", name, len(b), err)
		}
		var e *confine.Error
		if _, err := read(path, 1024); !errors.As(err, &e) || e.Kind != confine.TooLarge || !strings.Contains(err.Error(), "1 KiB") {
			t.Errorf("%s over the limit: %v, want TooLarge naming 1 KiB", name, err)
		}
	}
}

// TestReadFileAnywhere: a file the operator names may be anywhere, but
// must be a regular file: /dev/zero, a FIFO and /proc's zero-sized files
// are refused or bounded without hanging.
func TestReadFileAnywhere(t *testing.T) {
	_, cfg := tree(t)
	if b, err := confine.ReadFile(filepath.Join(cfg, "outside.txt"), 1<<20); err != nil || string(b) != "canary-outside" {
		t.Errorf("a regular file outside: %q, %v", b, err)
	}
	var e *confine.Error
	for _, p := range []string{"/dev/zero", filepath.Join(cfg, "fifo.hcl"), cfg} {
		if _, err := confine.ReadFile(p, 1<<20); !errors.As(err, &e) || e.Kind != confine.NotRegular {
			t.Errorf("%s: %v, want NotRegular", p, err)
		}
	}
	// /proc/self/environ reports size 0 but holds more: the limit still
	// holds.
	if _, err := confine.ReadFile("/proc/self/cmdline", 1); !errors.As(err, &e) || e.Kind != confine.TooLarge {
		t.Errorf("/proc/self/cmdline with a 1-byte limit: %v, want TooLarge", err)
	}
}
