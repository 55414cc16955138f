package cli_test

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
)

// tokenLike matches anything that could be a reset token, padded or
// percent-encoded.
var tokenLike = regexp.MustCompile(`[A-Za-z0-9_-]{43}(=|%3D)`)

// resetRun runs roster reset-password in-process against url, with the
// given streams' terminals, answering yes when stdin is one.
func resetRun(t *testing.T, url string, outTerm, inTerm bool, args ...string) (int, string, string) {
	t.Helper()
	var out, errs bytes.Buffer
	st := cli.Streams{In: strings.NewReader("yes\n"), Out: &out, Err: &errs, InTerm: inTerm, OutTerm: outTerm}
	args = append([]string{"--chdir", t.TempDir(), "--no-color", "reset-password"}, args...)
	code := cli.Main(t.Context(), args, st, []string{"DATABASE_URL=" + url})
	return code, out.String(), errs.String()
}

func tokens(t *testing.T, url string) []string {
	t.Helper()
	conn := pgtest.Connect(t, url)
	rows, err := conn.Query(t.Context(), `SELECT token FROM password_reset_tokens ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestResetTokenCanary: the reset token is a secret. It reaches standard
// output only on a terminal or with --print-url, exactly once and
// percent-encoded in the URL; standard error never holds it; and without a
// terminal or --print-url no token is created at all.
func TestResetTokenCanary(t *testing.T) {
	url := pgtest.New(t, pgtest.PleromaSample)

	// Neither a terminal nor --print-url: refused before writing.
	for _, args := range [][]string{{"bob"}, {"--auto-approve", "bob"}} {
		code, out, errs := resetRun(t, url, false, true, args...)
		if code != 1 || !strings.Contains(errs, "--print-url") {
			t.Errorf("%v exited %d:\n%s%s\nwant 1 and the --print-url hint", args, code, out, errs)
		}
		if tokenLike.MatchString(out + errs) {
			t.Errorf("%v printed something like a token:\n%s%s", args, out, errs)
		}
	}
	if got := tokens(t, url); len(got) != 0 {
		t.Fatalf("%d tokens were created without a way to see them", len(got))
	}

	check := func(name string, code int, out, errs string) {
		t.Helper()
		got := tokens(t, url)
		if code != 0 || len(got) == 0 {
			t.Fatalf("%s exited %d with %d tokens:\n%s%s", name, code, len(got), out, errs)
		}
		token := got[len(got)-1]
		encoded := strings.TrimSuffix(token, "=") + "%3D"
		if n := strings.Count(out, encoded); n != 1 {
			t.Errorf("%s: the URL's token appears %d times on standard output, want once:\n%s", name, n, out)
		}
		if strings.Contains(out, token) || strings.Contains(errs, strings.TrimSuffix(token, "=")) {
			t.Errorf("%s: the token appears outside the URL or on standard error:\n%s\n%s", name, out, errs)
		}
	}
	code, out, errs := resetRun(t, url, false, false, "--print-url", "--auto-approve", "bob")
	check("--print-url", code, out, errs)
	code, out, errs = resetRun(t, url, true, true, "dave")
	check("a terminal", code, out, errs)

	// A failed insert prints no token either.
	pgtest.Exec(t, url, `ALTER TABLE password_reset_tokens ADD CONSTRAINT no_more CHECK (false) NOT VALID`)
	code, out, errs = resetRun(t, url, false, false, "--print-url", "--auto-approve", "erin")
	if code != 1 || !strings.Contains(errs, "Password reset failed on user.erin") || !strings.Contains(errs, "nothing was written") {
		t.Errorf("failed insert exited %d:\n%s%s", code, out, errs)
	}
	if tokenLike.MatchString(out + errs) {
		t.Errorf("a failed reset printed something like a token:\n%s%s", out, errs)
	}
	if got := tokens(t, url); len(got) != 2 {
		t.Errorf("%d tokens, want the 2 made before", len(got))
	}
}
