//go:build linux || darwin || dragonfly || freebsd || netbsd || openbsd

package tty

import (
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/sys/unix"
)

// Quiet turns off the echo of the terminal fd, when it is one, roster may
// change it and its echo is on. restore turns it back on as it was, and
// drops what was typed meanwhile: text no one saw must not answer a
// question that follows; nil when nothing was changed.
func Quiet(fd int) (restore func()) {
	if !mayChange(fd) {
		return nil
	}
	t, err := unix.IoctlGetTermios(fd, getTermios)
	if err != nil || t.Lflag&unix.ECHO == 0 {
		return nil
	}
	was := *t
	// ECHONL would still echo the newline of Enter.
	t.Lflag &^= unix.ECHO | unix.ECHONL
	if unix.IoctlSetTermios(fd, setTermios, t) != nil {
		return nil
	}
	return func() {
		if mayChange(fd) { // not when moved to the background meanwhile
			_ = unix.IoctlSetTermios(fd, setFlushTermios, &was)
		}
	}
}

// Reraise ends the process by sig as if roster had not caught it: with the
// signal's default action (or none, when it was ignored when roster
// started, as under nohup).
func Reraise(sig os.Signal) {
	s, ok := sig.(syscall.Signal)
	if !ok {
		return
	}
	signal.Reset(sig)
	_ = unix.Kill(unix.Getpid(), s)
}

// mayChange reports whether roster may change the modes of fd without
// being stopped by SIGTTOU: when it is not roster's controlling terminal
// (TIOCGPGRP fails; a file that is no terminal fails later), or when
// roster's process group is its foreground one.
func mayChange(fd int) bool {
	pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP)
	return err != nil || pg == unix.Getpgrp()
}
