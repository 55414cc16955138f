package view

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/roster-project/roster/plans"
)

// Import is what roster import read and wrote, as Imported reports it.
type Import struct {
	Server plans.Server
	// Read counts the local accounts read; Users the accounts written,
	// Skipped those roster does not manage.
	Read, Users, Skipped int
	// UsersFile is where the accounts went; with invites, InvitesFile and
	// VarsFile where the invites and their tokens went.
	UsersFile, InvitesFile, VarsFile string
	// Invites counts the invites written, UsedInvites those left out.
	Invites, UsedInvites int
	// Notes are the importer's remarks on what it wrote.
	Notes []string
	// Check is the command that checks the files, for a person at a
	// terminal; "" leaves the hints out (automation).
	Check string
}

// Imported reports an import.
func Imported(w io.Writer, im Import) {
	readFrom(w, im.Server, im.Read)
	fmt.Fprintf(w, "Imported %s into %s", plural(im.Users, "account", "accounts"), im.UsersFile)
	if im.Skipped > 0 {
		fmt.Fprintf(w, "; left out %s that roster does not manage (internal actors, the relay, deleted accounts)", plural(im.Skipped, "account", "accounts"))
	}
	fmt.Fprintln(w, ".")
	if im.InvitesFile != "" {
		fmt.Fprintf(w, "Imported %s into %s, the tokens into %s (mode 0600)", plural(im.Invites, "invite", "invites"), im.InvitesFile, im.VarsFile)
		if im.UsedInvites > 0 {
			fmt.Fprintf(w, "; left out %s used up or revoked", plural(im.UsedInvites, "invite", "invites"))
		}
		fmt.Fprintln(w, ".")
	}
	if len(im.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range im.Notes {
			fmt.Fprintf(w, "  %s\n", sanitize(n))
		}
	}
	if im.Check == "" {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Passwords are not imported: each user block has a commented placeholder. Review")
	fmt.Fprintln(w, "the files, then check them:")
	fmt.Fprintf(w, "    %s\n", im.Check)
	if im.InvitesFile != "" {
		fmt.Fprintf(w, "It should say No changes. %s holds the invite tokens: keep it out of version\ncontrol.\n", filepath.Base(im.VarsFile))
		return
	}
	fmt.Fprintln(w, "It should say No changes.")
}
