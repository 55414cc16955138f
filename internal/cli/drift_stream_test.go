package cli_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/cli"
	"github.com/roster-project/roster/internal/pgtest"
)

// heapWriter discards what it is given, counting its bytes and lines, and
// every step bytes collects the garbage and records the live heap: the most
// the command holds while it writes its report.
type heapWriter struct {
	bytes, lines, next, step int
	peak                     uint64
}

func (w *heapWriter) Write(p []byte) (int, error) {
	w.bytes += len(p)
	w.lines += bytes.Count(p, []byte("\n"))
	if w.bytes >= w.next {
		runtime.GC()
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.peak = max(w.peak, m.HeapAlloc)
		w.next = w.bytes + w.step
	}
	return len(p), nil
}

// addAccounts adds local accounts user_FROM … user_TO-1, none declared.
func addAccounts(t *testing.T, url string, from, to int) {
	t.Helper()
	pgtest.Exec(t, url, `INSERT INTO users (id, nickname, email, name, bio, ap_id, local, tags, inserted_at, updated_at)
	  SELECT md5('roster-' || n)::uuid, 'user_' || n, 'user_' || n || '@example.org', 'User ' || n, '',
	    'https://social.example.org/users/user_' || n, true, ARRAY['staff'], now(), now()
	  FROM generate_series($1::int, $2::int - 1) n`, from, to)
}

// TestDriftUnmanagedStreams: drift --unmanaged writes the undeclared
// accounts as it reads them, in text and in JSON, and holds none: the live
// heap while it writes the report of 40,000 accounts is the one of 4,000.
// Holding them, as a list or as the encoded document, takes some 300 bytes
// an account, 13 MiB more. It measures the heap of this process, so it does
// not run in parallel with other tests.
func TestDriftUnmanagedStreams(t *testing.T) {
	const small, large, slack = 4_000, 50_000, 3 << 20
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "users.hcl"), []byte("user \"user_0\" {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			url := pgtest.New(t, f)
			run := func(n int, format string) *heapWriter {
				t.Helper()
				w := &heapWriter{step: 256 << 10}
				var errs strings.Builder
				st := cli.Streams{In: strings.NewReader(""), Out: w, Err: &errs, LongWork: time.Hour}
				code := cli.Main(context.Background(), []string{"drift", "--unmanaged", "--format", format, "--chdir", dir, "--no-color"}, st,
					[]string{"DATABASE_URL=" + url})
				if code != 2 {
					t.Fatalf("%s with %d accounts: exit %d, want 2\n%s", format, n, code, errs.String())
				}
				if w.lines < n-1 {
					t.Fatalf("%s with %d accounts: %d lines written", format, n, w.lines)
				}
				return w
			}
			addAccounts(t, url, 0, small)
			before := map[string]*heapWriter{"text": run(small, "text"), "json": run(small, "json")}
			addAccounts(t, url, small, large)
			for _, format := range []string{"text", "json"} {
				after := run(large, format)
				grew := int64(after.peak) - int64(before[format].peak)
				t.Logf("%s: live heap %d KiB with %d accounts, %d KiB with %d", format, before[format].peak>>10, small, after.peak>>10, large)
				if grew > slack {
					t.Errorf("%s: the live heap while writing grew by %d KiB from %d to %d accounts (%d to %d bytes written); want at most %d KiB",
						format, grew>>10, small, large, before[format].bytes, after.bytes, slack>>10)
				}
			}
		})
	}
}
