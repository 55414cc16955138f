package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
)

func run(t *testing.T, url string, args ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	code := cli.Main(t.Context(), args, cli.Streams{In: strings.NewReader(""), Out: &out, Err: &errs}, []string{"DATABASE_URL=" + url})
	return code, out.String(), errs.String()
}

// import --invites writes the tokens to a variables file of mode 0600, and
// nowhere else; --force rewrites a file with a wider mode to 0600 again;
// without --force nothing is overwritten.
func TestImportInvitesFileModes(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	const token = "uMtcunvS7Kr34KmhFMuhqXxH97KH_6lc2yQmdT84o0Y="
	dir := t.TempDir()
	code, out, errs := run(t, url, "import", "--invites", "--out", dir)
	if code != 0 {
		t.Fatalf("import exited %d: %s%s", code, out, errs)
	}
	if strings.Contains(out+errs, token) {
		t.Errorf("the token was printed:\n%s%s", out, errs)
	}
	mode := func(name string) os.FileMode {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return fi.Mode().Perm()
	}
	if m := mode("invites.vars"); m != 0o600 {
		t.Errorf("invites.vars has mode %o, want 600", m)
	}
	if m := mode("users.hcl"); m != 0o644 {
		t.Errorf("users.hcl has mode %o, want 644", m)
	}
	for _, name := range []string{"users.hcl", "invites.hcl"} {
		b, _ := os.ReadFile(filepath.Join(dir, name))
		if strings.Contains(string(b), token) {
			t.Errorf("%s holds the token", name)
		}
	}

	// Without --force: refused, and the files are as they were.
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte("# mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(dir, "invites.vars"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errs = run(t, url, "import", "--invites", "--out", dir)
	if code != 1 || !strings.Contains(errs, "Files exist already") || out != "" {
		t.Errorf("import over existing files exited %d:\n%s%s", code, out, errs)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "users.hcl")); string(b) != "# mine\n" {
		t.Errorf("users.hcl was overwritten without --force")
	}
	code, out, errs = run(t, url, "import", "--invites", "--out", dir, "--force")
	if code != 0 {
		t.Fatalf("import --force exited %d: %s%s", code, out, errs)
	}
	if m := mode("invites.vars"); m != 0o600 {
		t.Errorf("after --force invites.vars has mode %o, want 600", m)
	}
}

// import needs no configuration: a directory with an invalid one does not
// matter, and import does not read it.
func TestImportNeedsNoConfiguration(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken.hcl"), []byte("user {"), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "out")
	code, stdout, errs := run(t, url, "--chdir", dir, "import", "--out", out)
	if code != 0 {
		t.Fatalf("import exited %d: %s%s", code, stdout, errs)
	}
	if _, err := os.Stat(filepath.Join(out, "users.hcl")); err != nil {
		t.Error(err)
	}
}
