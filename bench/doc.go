// Package bench holds roster's performance benchmarks, run by `make bench`.
// It has no code of its own: everything is in its _test.go files.
//
// BenchmarkRoster seeds a Pleroma and an Akkoma database, each with 100,000
// local users, the server's relay and internal.fetch actors and 1,000 remote
// users, all with COPY, then measures each scenario against a floor
// measured in the same run:
//
//   - plan-1k, plan-10k: `roster plan` (in-process, through cli.Main) with
//     1,000 and 10,000 declared users without password attributes, most
//     unchanged, against psql reading the planner's columns with
//     COPY ... TO STDOUT plus schema.Load of the same configuration, in
//     interleaved rounds. Target: within 2x. The built binary runs the same
//     plan for its peak RSS. Target: under 300 MB.
//   - verify-pleroma, verify-akkoma: what verifying 200 enforced passwords
//     adds to a plan (the binary's plan with the password attributes minus
//     the same plan without them), against computing the same 200 hashes on
//     all cores. Reported, no target.
//   - apply-pleroma, apply-akkoma: the binary's `roster apply` creating 200
//     users, against generating as many RSA keys and native password hashes
//     on all cores. Target: within 1.3x.
//
// The floors of the slow scenarios are measured in full before the run and
// on a quarter of the work after it, and averaged: on a shared machine the
// speed drifts within minutes. Peak RSS is read from the binary's rusage
// through a small wrapper process (see runBinary).
//
// A table of every figure is printed at the end; a missed target fails the
// benchmark.
//
// BenchmarkLocals needs no database: schema.Load of a chain of 20,000
// locals, each referring to the one before and written before it, against
// HCL parsing the same file plus evaluating each expression once with its
// reference given as a constant. Target: within 3x, and under 5 s.
//
// BenchmarkCSVRoster needs none either: schema.Load of 10,000 accounts as
// the rows of a CSV file under a users block, against the same accounts
// written as 10,000 user blocks. Target: under half the time.
//
// BenchmarkChecks (checks_test.go) seeds its own Pleroma database and
// measures the README's three check blocks over the 100,000 local
// accounts: plan-1k's plan with them, holding and then failing, against
// the same plan without them, and the CPU time of each. Reported, no
// target.
//
// Without -bench, `go test` runs only fast checks of the data generators
// and starts no database.
package bench
