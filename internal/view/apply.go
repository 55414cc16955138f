package view

import (
	"fmt"
	"io"
	"strings"

	"github.com/roster-project/roster/plans"
)

// Applied is what an apply did, as ApplyComplete reports it.
type Applied struct {
	// InviteURLs are the registration URLs of the invites created, in
	// plan order; secrets.
	InviteURLs []string
	// ShowURLs prints them (to a terminal, or with --show-invite-urls);
	// else only how to get them is said.
	ShowURLs bool
	// CacheNote says how to make a running server see the changes.
	CacheNote bool
	// ListInvites is the command that lists the server's invites with
	// their registration URLs, for when they were not printed.
	ListInvites Command
	// Logged counts the entries written to the server's moderation log,
	// as the plan's AuditActor.
	Logged int
}

// ApplyComplete reports a committed apply of p: the totals of the plan's
// summary line, in Terraform's grammar (Apply complete! Resources: …),
// then, when p changes objects of several types, the users and invites
// among them, what remote_instance and local_users did, the entries written
// to the server's moderation log, the new invites' URLs (or how to get
// them), and the server's cache.
func ApplyComplete(w io.Writer, p *plans.Plan, a Applied, s Style) {
	add, change, destroy := p.Counts()
	fmt.Fprintf(w, "\n%s Resources: %d added, %d changed, %d destroyed.\n", s.Green(s.Bold("Apply complete!")), add, change, destroy)
	users, invites := countByType(p)
	nUsers, nInvites := users[0]+users[1]+users[2], invites[0]+invites[1]
	if nUsers > 0 && nUsers < len(p.Changes) {
		fmt.Fprintf(w, "Users: %d added, %d changed, %d destroyed.\n", users[0], users[1], users[2])
	}
	if nInvites > 0 && nInvites < len(p.Changes) {
		fmt.Fprintf(w, "Invites: %d added, %d changed.\n", invites[0], invites[1])
	}
	for _, c := range p.Changes {
		if c.Type == plans.TypeRemoteInstance || c.Type == plans.TypeLocalUsers {
			fmt.Fprintf(w, "%s: %s.\n", c.Address, sanitize(strings.Join(c.Notes, "; ")))
		}
	}
	Logged(w, a.Logged, p.AuditActor)
	// A registration URL holds its invite's token: printed to a person at
	// a terminal, or when asked to, never into a log by default.
	if a.ShowURLs {
		var created []string // the applier returns the URLs in plan order
		for _, c := range p.Changes {
			if c.Type == plans.TypeInvite && c.Action == plans.Create && !c.RevokesInvite() { // no URL: created revoked
				created = append(created, c.Address)
			}
		}
		inviteURLs(w, created, a.InviteURLs, s)
	} else {
		inviteURLsWithheld(w, len(a.InviteURLs), a.ListInvites)
	}
	checksText(w, p.Checks, onApplied, true, s)
	if a.CacheNote && users[1]+users[2] > 0 {
		fmt.Fprintf(w, "\nNote: a running %s server caches accounts, and may keep showing and acting on\n"+
			"the old state of an account it has cached (roles and activation included)\n"+
			"until it restarts. To make it see the changes now, restart it, or run on the\n"+
			"server:\n"+
			"  bin/pleroma rpc 'Cachex.clear(:user_cache)'\n"+
			"Set server { after_apply = [...] } to run such a command after every apply.\n", p.Server.Flavor.Title())
	}
}

// Logged says how many entries an apply or an action wrote to the server's
// moderation log, as actor; nothing when it wrote none.
func Logged(w io.Writer, n int, actor string) {
	if n > 0 {
		fmt.Fprintf(w, "Moderation log: %s written as @%s.\n", plural(n, "entry", "entries"), sanitize(actor))
	}
}

// AfterApply says that after_apply runs its command, shown as
// cli quotes it (without its sensitive arguments).
func AfterApply(w io.Writer, shown string) { fmt.Fprintf(w, "\nRunning after_apply: %s\n", shown) }

// AfterApplySucceeded says that after_apply's command succeeded.
func AfterApplySucceeded(w io.Writer) { fmt.Fprintln(w, "after_apply succeeded.") }

// countByType counts the plan's adds, changes and destroys of users and of
// invites.
func countByType(p *plans.Plan) (users, invites [3]int) {
	for _, c := range p.Changes {
		var n *[3]int
		switch c.Type {
		case plans.TypeUser:
			n = &users
		case plans.TypeInvite:
			n = &invites
		default:
			continue
		}
		switch c.Action {
		case plans.Create:
			n[0]++
		case plans.Update:
			n[1]++
		case plans.Delete:
			n[2]++
		}
	}
	return users, invites
}
