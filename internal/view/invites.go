package view

import (
	"fmt"
	"io"
)

// inviteURLs prints the registration URLs of the invites an apply created,
// one a line under a heading, each after its invite's address when known.
// Each URL holds its invite's token, so the caller prints them only to a
// terminal or when asked to.
func inviteURLs(w io.Writer, addresses, urls []string, s Style) {
	if len(urls) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s\n", s.Bold("New invites:"))
	for i, u := range urls {
		if i < len(addresses) {
			fmt.Fprintf(w, "  %s: %s\n", addresses[i], u)
		} else {
			fmt.Fprintf(w, "  %s\n", u)
		}
	}
}

// inviteURLsWithheld says that the registration URLs of n new invites were
// not printed, and how to get them: list, which lists every invite with its
// registration URL.
func inviteURLsWithheld(w io.Writer, n int, list Command) {
	if n == 0 {
		return
	}
	what, it := "The registration URL of the new invite was", "it"
	if n != 1 {
		what, it = fmt.Sprintf("The registration URLs of the %d new invites were", n), "them"
	}
	fmt.Fprintf(w, "\n%s not printed: standard output\n"+
		"is not a terminal, and a registration URL holds its invite's token.\n"+
		"Pass --show-invite-urls to roster apply to print the URLs of new invites.\n"+
		"To get %s now, run the following command: it lists the server's invites,\n"+
		"the newest last, each with its registration URL:\n", what, it)
	command(w, list)
}
