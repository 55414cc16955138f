// Package tty changes what roster must change of a terminal, and nothing
// more: its echo, turned off while a status line is on it, so that what a
// person types does not garble the line, and back on; what was typed
// meanwhile, unseen, is dropped, so that it cannot answer a question that
// follows.
//
// Only the foreground process group of a controlling terminal may change
// its modes (a background one is stopped by SIGTTOU), so nothing changes
// when roster runs in the background. On systems other than Linux and the
// BSDs (macOS included) nothing changes at all.
package tty
