//go:build !(linux || darwin || dragonfly || freebsd || netbsd || openbsd)

package tty

import "os"

// Quiet does nothing here: roster changes terminals only on Linux and the
// BSDs.
func Quiet(fd int) (restore func()) { return nil }

// Reraise does nothing here: Quiet never turned echo off, so no signal
// needs catching.
func Reraise(sig os.Signal) {}
