package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Fixture is a named SQL script a template database is built from.
type Fixture struct {
	Name string
	SQL  []string
}

func (f Fixture) templateName() string {
	h := sha256.New()
	for _, s := range f.SQL {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	return fmt.Sprintf("roster_tpl_%s_%s", f.Name, hex.EncodeToString(h.Sum(nil))[:12])
}

// New returns the URL of a fresh database cloned from the fixture's template.
// The database is dropped when the test passes and kept, with its URL
// logged, when it fails.
func New(t testing.TB, f Fixture) string {
	t.Helper()
	admin := os.Getenv(EnvURL)
	if admin == "" {
		t.Fatalf("pgtest: %s is not set; wrap the package's tests with pgtest.Main or point it at a server", EnvURL)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	tpl, err := ensureTemplate(ctx, admin, f)
	if err != nil {
		t.Fatal(err)
	}
	name := "roster_test_" + randomHex(6)
	conn, err := connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for attempt := 0; ; attempt++ {
		_, err = conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, tpl))
		var pgErr *pgconn.PgError
		if err == nil || attempt > 50 || !asPgErr(err, &pgErr) || pgErr.Code != "55006" {
			break
		}
		time.Sleep(50 * time.Millisecond) // the template is briefly in use by a concurrent clone
	}
	if err != nil {
		t.Fatalf("pgtest: creating %s: %v", name, err)
	}
	url, err := withDatabase(admin, name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pgtest: database kept for inspection: %s", url)
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if c, err := connect(ctx, admin); err == nil {
			c.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
			c.Close(ctx)
		}
	})
	return url
}

func ensureTemplate(ctx context.Context, admin string, f Fixture) (string, error) {
	name := f.templateName()
	conn, err := connect(ctx, admin)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext($1))", name); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock(hashtext($1))", name)
	var ready bool
	err = conn.QueryRow(ctx, "SELECT datistemplate FROM pg_database WHERE datname = $1", name).Scan(&ready)
	if err == nil && ready {
		return name, nil
	}
	if err != nil && err != pgx.ErrNoRows {
		return "", err
	}
	// Absent, or left half-built by an interrupted run: build it again.
	if _, err := conn.Exec(ctx, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name)); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s", name)); err != nil {
		return "", err
	}
	url, err := withDatabase(admin, name)
	if err != nil {
		return "", err
	}
	tc, err := connect(ctx, url)
	if err != nil {
		return "", err
	}
	for _, s := range f.SQL {
		if _, err := tc.Exec(ctx, s); err != nil {
			tc.Close(ctx)
			return "", fmt.Errorf("pgtest: loading fixture %s: %w", f.Name, err)
		}
	}
	tc.Close(ctx)
	if _, err := conn.Exec(ctx, fmt.Sprintf("ALTER DATABASE %s IS_TEMPLATE true", name)); err != nil {
		return "", err
	}
	return name, nil
}

func asPgErr(err error, target **pgconn.PgError) bool { return errors.As(err, target) }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Exec runs sql (any number of statements) on the database at url.
func Exec(t testing.TB, url, sql string, args ...any) {
	t.Helper()
	// Also from a Cleanup, when t's context is done already.
	ctx := context.WithoutCancel(t.Context())
	c, err := connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql, args...); err != nil {
		t.Fatalf("pgtest: %v\n%s", err, sql)
	}
}

// Connect opens a connection to url for the test and closes it at cleanup.
func Connect(t testing.TB, url string) *pgx.Conn {
	t.Helper()
	ctx := t.Context()
	c, err := connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// Dump returns pg_dump's plain-text dump of the database at url, schema,
// data and sequence positions: two dumps are byte-identical only when
// nothing was written in between (the random \restrict key aside). pg_dump comes from PATH or from the
// server binaries' directory.
func Dump(t testing.TB, url string) []byte {
	t.Helper()
	bin, err := exec.LookPath("pg_dump")
	if err != nil {
		dir, derr := FindBinDir()
		if derr != nil {
			t.Fatalf("pgtest: pg_dump not found: %v", err)
		}
		bin = filepath.Join(dir, "pg_dump")
	}
	var stderr bytes.Buffer
	cmd := exec.Command(bin, "--no-owner", "--no-privileges", "--dbname", url)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("pgtest: pg_dump: %v\n%s", err, stderr.String())
	}
	// Since PostgreSQL 15.14, a dump is fenced by \restrict and \unrestrict
	// with a random key: the only lines that differ between two dumps of the
	// same database.
	var kept [][]byte
	for _, line := range bytes.SplitAfter(out, []byte("\n")) {
		if !bytes.HasPrefix(line, []byte(`\restrict `)) && !bytes.HasPrefix(line, []byte(`\unrestrict `)) {
			kept = append(kept, line)
		}
	}
	return bytes.Join(kept, nil)
}
