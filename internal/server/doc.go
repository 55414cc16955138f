// Package server holds what roster knows of the two server flavors, Pleroma 2.7
// and Akkoma 2025.10, that both the planner and the applier need: the account
// rules the servers enforce at registration (nickname, e-mail, name and bio
// limits), the way to tell the flavors and their schema versions apart from the
// database alone, and the addresses the server derives from a nickname.
//
// Its subpackages hold the servers' data formats that roster writes as the
// servers do: flake (FlakeIds), password (password hashes) and keys (RSA
// keys).
//
// It owns no I/O beyond the read-only detection queries in [Detect]; the schema
// package owns the configuration, the planner the diff and the applier the
// writes.
package server
