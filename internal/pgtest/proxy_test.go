package pgtest_test

import (
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
)

// TestCommitProxy: statements pass through the proxy; the first COMMIT is
// answered by the server (here with ROLLBACK, the transaction having
// failed), the answer held back and the client's connection cut; a later
// connection's COMMIT passes through.
func TestCommitProxy(t *testing.T) {
	ctx := t.Context()
	url := pgtest.New(t, pgtest.Pleroma)
	proxy := pgtest.NewCommitProxy(t, url, true)

	conn := pgtest.Connect(t, proxy.URL)
	var n int
	if err := conn.QueryRow(ctx, `SELECT $1::int + 1`, 41).Scan(&n); err != nil || n != 42 {
		t.Fatalf("a query through the proxy: %d, %v", n, err)
	}
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT 1/0`); err == nil {
		t.Fatal("division by zero succeeded")
	}
	if err := tx.Commit(ctx); err == nil {
		t.Fatal("the commit's answer reached the client")
	}
	if answer := <-proxy.Answered; answer != "ROLLBACK" {
		t.Errorf("answer = %q, want ROLLBACK", answer)
	}
	if !conn.IsClosed() {
		t.Error("the client's connection is open")
	}

	again := pgtest.Connect(t, proxy.URL)
	tx, err = again.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `CREATE TABLE passed (id int)`); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatalf("the second COMMIT: %v", err)
	}
}
