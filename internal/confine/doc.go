// Package confine reads the files that outside input names: the *.hcl
// files of a configuration directory and the files its expressions read
// (file, templatefile), variable files, plan files, ignore files.
//
// A pull request decides what a configuration names, and roster runs it
// next to production secrets, so every read here is bounded: only regular
// files (never a device, a named pipe, a socket or a directory, so that
// /dev/zero or a FIFO cannot stall or flood roster), at most a given number
// of bytes, and, for a [Dir], only files whose path, with every symbolic
// link followed, stays inside the directory (os.Root does the confining).
// Errors name the path and never hold a byte of the file.
package confine
