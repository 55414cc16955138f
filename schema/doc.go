// Package schema turns roster's HCL configuration into typed desired state.
//
// It owns everything about the configuration language: reading every *.hcl
// file of a directory, input variables (defaults, --var-file, --var and
// ROSTER_VAR_* environment variables), locals, the functions expressions may
// call (among them the decoders of CSV, JSON and YAML, whose values remember
// the file and line they came from), the users blocks that declare an
// account for each element of a for_each, and the checks that need no
// database. Every cty value stops here: the
// result, a [Config], is plain Go data, and every problem is an hcl.Diagnostic
// whose Subject points at the offending source, so that the caller can print
// it with a source snippet.
//
// A pull request writes the configuration, and CI reads it next to
// production secrets, so everything here is bounded: *.hcl files and what
// file() and templatefile() read are regular files inside the configuration
// directory (internal/confine), within MaxFileSize and MaxConfigSize; every
// source nests at most MaxNesting levels, checked before parsing; a value
// from a sensitive variable goes only where roster keeps it out of every
// output, and no diagnostic quotes it.
//
// The check blocks are evaluated here too (checkeval.go), against the
// accounts and invites internal/checks reads and hands in: a for expression
// over live.users whose if clause Go can decide on an account's row is
// narrowed to the accounts it may keep before HCL iterates it
// (prefilter.go), and functions take tuples as lists in one pass
// (fastLists): checks over many accounts cost little.
//
// Checks that need the live database (a nickname already taken, a missing
// server URL) belong to the planner; writes belong to the applier.
package schema
