// Package cli is roster's command line: kong commands that assemble the
// schema, planner, applier and view packages, and nothing else. [Main] takes
// its arguments, streams and environment as parameters and returns the exit
// code, so that every command runs in-process in tests.
package cli
