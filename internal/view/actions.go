package view

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mitchellh/go-wordwrap"

	"github.com/roster-project/roster/applier"
	"github.com/roster-project/roster/internal/server"
)

// What the actions (roster sign-out, reset-password, fix-follow-state,
// delete-activities) show before they ask and after they are done.

// ActionRead says what an action read: the server's flavor, URL and schema.
func ActionRead(w io.Writer, info server.Info, url string) {
	if url == "" {
		url = "a server whose URL roster cannot tell"
	}
	fmt.Fprintf(w, "Read the %s database of %s (schema %d).\n\n", info.Flavor.Title(), url, info.Version)
}

// SignOutPreview shows what sign-out will do; it reports false when there
// is nothing to do, which it says.
func SignOutPreview(w io.Writer, p *applier.SignOutPlan, s Style) bool {
	nick := p.Account.Nickname
	if p.Empty() {
		fmt.Fprintf(w, "%s %s has no OAuth tokens or authorizations: there is no session to end.\n", s.Green(s.Bold("No changes.")), nick)
		return false
	}
	what := plural(p.Tokens, "OAuth token", "OAuth tokens") + " and " + plural(p.Authorizations, "authorization", "authorizations")
	fmt.Fprintln(w, "roster will perform the following actions:")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  %s\n", s.Bold(fmt.Sprintf("# %s: %s will be deleted", p.Account.Address(), what)))
	paragraph(w, "  ", fmt.Sprintf("As the server's sign_out does: %s is signed out of every app and browser session, and must log in again.", nick))
	return true
}

// SignOutDone says what sign-out did.
func SignOutDone(w io.Writer, p *applier.SignOutPlan, res applier.SignOutResult, s Style) {
	fmt.Fprintf(w, "\n%s %s: %s and %s deleted.\n", s.Green(s.Bold("Sign-out complete!")), p.Account.Address(),
		plural(res.Tokens, "OAuth token", "OAuth tokens"), plural(res.Authorizations, "authorization", "authorizations"))
}

// ResetPreview shows what reset-password will do.
func ResetPreview(w io.Writer, p *applier.ResetPlan, s Style) {
	nick := p.Account.Nickname
	validity := server.PasswordResetTokenValidity
	fmt.Fprintln(w, "roster will perform the following actions:")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  %s\n", s.Bold(fmt.Sprintf("# %s: a password reset token will be created", p.Account.Address())))
	paragraph(w, "  ", fmt.Sprintf("As the server's reset_password does. Its URL lets whoever opens it set %s's password, once, within %s; until then the password and the sessions stay as they are.", nick, hours(validity)))
	if !p.Account.Active {
		paragraph(w, "  ", fmt.Sprintf("Note: %s is deactivated: the link sets a password, but %s cannot log in until the account is activated.", nick, nick))
	}
}

// ResetDone says what reset-password did and prints the reset URL, a
// secret: call it only where the URL may be shown.
func ResetDone(w io.Writer, p *applier.ResetPlan, res applier.ResetResult, baseURL string, s Style) {
	validity := server.PasswordResetTokenValidity
	fmt.Fprintf(w, "\n%s %s: a password reset token was created.\n\n", s.Green(s.Bold("Password reset complete!")), p.Account.Address())
	fmt.Fprintf(w, "Reset URL for %s (a secret: it sets the password):\n  %s\n\n", p.Account.Nickname, baseURL+server.PasswordResetPath(res.Token))
	paragraph(w, "", fmt.Sprintf("It works once, until %s UTC: %s, the servers' default password_reset_token_validity (%d seconds); a server configured otherwise keeps its own.",
		res.InsertedAt.Add(validity).Format("2006-01-02 15:04:05"), hours(validity), int(validity.Seconds())))
}

// FollowFixPreview shows what fix-follow-state will do.
func FollowFixPreview(w io.Writer, p *applier.FollowFixPlan, s Style) {
	local, remote := p.Local.Nickname, p.Remote.Nickname
	fmt.Fprintln(w, "roster will perform the following actions:")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  %s\n", s.Bold(fmt.Sprintf("# %s: the follow of %s will be marked rejected", p.Local.Address(), remote)))
	fmt.Fprintf(w, "    %s %s: state \"reject\"\n", s.Yellow("~"), plural(p.Activities, "Follow activity", "Follow activities"))
	if rel := relationshipName(p.Relationship); rel != "" {
		fmt.Fprintf(w, "    %s the %s follow relationship (%s's following count is recomputed)\n", s.Red("-"), rel, local)
	}
	if p.Notifications > 0 {
		fmt.Fprintf(w, "    %s %s of the latest Follow\n", s.Red("-"), plural(p.Notifications, "notification", "notifications"))
	}
	fmt.Fprintln(w)
	paragraph(w, "  ", fmt.Sprintf("The latest Follow from %s to %s (%s) says \"accept\", but %s does not follow %s. As the server's fix_follow_state does, roster marks the follow rejected; %s can then follow %s again.",
		local, remote, p.FollowAPID, local, remote, local, remote))
	fmt.Fprintln(w)
	paragraph(w, "  ", "Unlike the server, roster writes no Reject activity and no publish job: the server's Reject has the remote account as its actor, yet is stored as a local activity, and is addressed to the local account only, so it is delivered to nobody.")
}

// FollowFixLogged says, under the preview of a repair, that it is logged
// in the server's moderation log as actor.
func FollowFixLogged(w io.Writer, actor string) {
	fmt.Fprintln(w)
	paragraph(w, "  ", fmt.Sprintf("The server's moderation log gets the entry of the admin API's unfollow, as %s (server.audit_actor).", sanitize(actor)))
}

// FollowFixDone says what fix-follow-state did.
func FollowFixDone(w io.Writer, p *applier.FollowFixPlan, res applier.FollowFixResult, s Style) {
	done := []string{plural(res.Activities, "Follow activity", "Follow activities") + " rejected"}
	if res.Relationship {
		done = append(done, "the relationship deleted")
	}
	if res.Notifications > 0 {
		done = append(done, plural(res.Notifications, "notification", "notifications")+" deleted")
	}
	fmt.Fprintf(w, "\n%s %s: %s.\n", s.Green(s.Bold("Repair complete!")), p.Local.Address(), strings.Join(done, ", "))
}

// Activities shows what delete-activities counted; it reports false when
// the account has nothing delete_activities would delete, which it says.
func Activities(w io.Writer, p *applier.ActivitiesPlan, s Style) bool {
	if p.Posts+p.Likes+p.Repeats == 0 {
		fmt.Fprintf(w, "%s %s has no posts, likes or repeats: delete_activities would do nothing.\n", s.Green(s.Bold("No changes.")), p.Account.Nickname)
		return false
	}
	fmt.Fprintf(w, "  %s\n", s.Bold(fmt.Sprintf("# %s: %s, %s and %s", p.Account.Address(),
		plural(p.Posts, "post", "posts"), plural(p.Likes, "like", "likes"), plural(p.Repeats, "repeat", "repeats"))))
	if p.Other > 0 {
		paragraph(w, "  ", fmt.Sprintf("(and %s, which delete_activities leaves alone)", plural(p.Other, "other activity", "other activities")))
	}
	return true
}

// relationshipName names the state of a relationship row that is not
// accepted; "" when there is none.
func relationshipName(state int) string {
	switch state {
	case 0:
		return ""
	case 1:
		return "pending"
	case 3:
		return "rejected"
	}
	return fmt.Sprintf("state %d", state)
}

// hours says a whole number of hours.
func hours(d time.Duration) string {
	return plural(int(d.Hours()), "hour", "hours")
}

// paragraph prints text wrapped at 78 columns, indented.
func paragraph(w io.Writer, indent, text string) {
	for _, line := range strings.Split(wordwrap.WrapString(text, uint(78-len(indent))), "\n") {
		fmt.Fprintln(w, indent+line)
	}
}
