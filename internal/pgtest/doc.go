// Package pgtest gives tests real PostgreSQL databases holding a fixture
// schema of either server flavor.
//
// [Main] wraps a test binary's TestMain: when ROSTER_TEST_DATABASE_URL names an
// existing server it uses that one; otherwise it starts a throwaway cluster
// with initdb and pg_ctl from the installed PostgreSQL (as an unprivileged
// user when run as root), points ROSTER_TEST_DATABASE_URL at it for the
// duration of the run, and removes it afterwards. [New] builds one template
// database per flavor and fixture (once, under an advisory lock, marked as a
// template only when complete) and clones it for each test, so tests can run
// in parallel and never see each other's rows. A failed test's database is
// kept and its URL logged.
package pgtest
