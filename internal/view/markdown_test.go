package view_test

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

func markdownOf(t *testing.T, p *plans.Plan, limit int) string {
	t.Helper()
	var b bytes.Buffer
	if err := view.MarkdownWithin(&b, p, "1.2.3", limit); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestPlanMarkdownGolden(t *testing.T) {
	golden(t, "plan.md", []byte(markdownOf(t, reviewPlan(), view.CommentLimit)))
}

func TestPlanMarkdownNoChanges(t *testing.T) {
	p := &plans.Plan{Server: plans.Server{Flavor: server.Akkoma, Version: 20251001, URL: "https://a.example", Known: true}, Read: 3}
	golden(t, "nochanges.md", []byte(markdownOf(t, p, view.CommentLimit)))
}

func TestPlanMarkdownParts(t *testing.T) {
	p := reviewPlan()
	md := markdownOf(t, p, view.CommentLimit)
	for _, want := range []string{
		view.MarkdownMarker + "\n### :warning: roster plan: 7 changes, 6 to review with care\n",
		"\n**Plan:** 2 to add, 4 to change, 1 to destroy.\n",
		"\n**Privileges:** 1 admin granted, 1 admin revoked, 1 moderator revoked.\n",
		"\n> [!CAUTION]\n> **This plan deletes 1 account (a deletion cannot be undone), deactivates 1 account, creates 1 multi-use invite, raises the registrations 1 invite allows and changes privileges: 1 admin granted, 1 admin revoked, 1 moderator revoked.**\n",
		"> - `user.mallory`: deleted, admin revoked\n",
		"> - `user.carol`: deactivated\n",
		"\n| Action | Address | Changed |\n| --- | --- | --- |\n",
		"| :warning: delete | `user.mallory` | active, admin, bio, email, password (sensitive), tags, **deleted, admin revoked** |\n",
		"| :warning: create | `invite.spring-2027` | expires_at, invite_type, max_use, revoked, token (sensitive), **multi-use: up to 25 registrations until 2027-03-31** |\n",
		"<details><summary>Full plan</summary>\n\n```diff\n",
		// The symbols are in column 0; ~ is !, which GitHub marks.
		"\n+   create\n!   update in-place\n-   destroy\n",
		"\n+   user \"alice\" {\n+       admin    = true\n",
		"\n!   user \"bob\" {\n!       moderator = true -> false\n",
		"\n-       admin    = true -> null\n",
		"\nPlan: 2 to add, 4 to change, 1 to destroy.\n",
		"Plan fingerprint: `" + view.Fingerprint(p, "1.2.3") + "`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in:\n%s", want, md)
		}
	}
	// Rows that need care come first, then the others, in plan order.
	var order []string
	for _, m := range regexp.MustCompile("(?m)^\\| [^|]* \\| `([^`]*)` \\|").FindAllStringSubmatch(md, -1) {
		order = append(order, m[1])
	}
	want := "user.alice user.bob user.mallory invite.spring-2027 invite.summer-2026 user.carol invite.winter-2026"
	if got := strings.Join(order, " "); got != want {
		t.Errorf("table rows %s, want %s", got, want)
	}
	if !strings.HasPrefix(strings.Split(md, "\n")[1], "### ") {
		t.Error("the status line is not the first line after the marker")
	}
}

func TestPlanMarkdownNoCalloutForHarmlessChanges(t *testing.T) {
	p := &plans.Plan{Changes: []plans.Change{{Address: "invite.once", Type: plans.TypeInvite, Nickname: "once", Action: plans.Create,
		Attrs: []plans.Attr{{Name: "invite_type", After: "one_time"}, {Name: "token", Sensitive: true}}}}}
	md := markdownOf(t, p, view.CommentLimit)
	if strings.Contains(md, "CAUTION") || strings.Contains(md, ":warning:") || strings.Contains(md, "Privileges") {
		t.Errorf("a callout for an invite's creation:\n%s", md)
	}
	if !strings.Contains(md, "### :memo: roster plan: 1 change\n") {
		t.Errorf("status line:\n%s", md)
	}
}

// A bio with a fence in it must not close the diff block, and a name with
// a pipe or a backtick must not break the table.
func TestPlanMarkdownEscapes(t *testing.T) {
	p := &plans.Plan{Changes: []plans.Change{
		{Address: "invite.a|b`c", Type: "invite", Nickname: "a|b`c", Action: plans.Create, Attrs: []plans.Attr{{Name: "max_use", After: int64(1)}}},
		{Address: "user.dora", Type: "user", Nickname: "dora", Action: plans.Update,
			Attrs: []plans.Attr{{Name: "bio", Before: "one\n```\ntwo", After: "one\n````\ntwo"}}},
	}}
	md := markdownOf(t, p, view.CommentLimit)
	if !strings.Contains(md, "| create | ``invite.a\\|b`c`` | max_use |\n") {
		t.Errorf("the invite's row is not escaped:\n%s", md)
	}
	if !strings.Contains(md, "\n`````diff\n") || !strings.Contains(md, "\n`````\n\n</details>") {
		t.Errorf("the diff fence is not longer than the fences in the plan:\n%s", md)
	}
}

// manyChanges is a plan with n changed accounts of every kind, as a large
// server's first plan might be.
func manyChanges(n int) *plans.Plan {
	p := &plans.Plan{Server: plans.Server{Flavor: server.Pleroma, Version: 20240904142434, URL: "https://social.example.org", Known: true}, Read: n}
	for i := range n {
		nick := fmt.Sprintf("member%05d", i)
		c := plans.Change{Address: "user." + nick, Type: "user", Nickname: nick}
		switch i % 5 {
		case 0:
			c.Action = plans.Create
			c.Attrs = []plans.Attr{{Name: "email", After: nick + "@example.org"}, {Name: "password", Sensitive: true, After: secret},
				{Name: "bio", After: "A longer biography\nover two lines for " + nick}}
		case 1:
			c.Action = plans.Update
			c.Attrs = []plans.Attr{{Name: "active", Before: true, After: false}}
		case 2:
			c.Action = plans.Delete
			c.Attrs = []plans.Attr{{Name: "admin", Before: true}, {Name: "email", Before: nick + "@example.org"}}
		case 3:
			c.Action = plans.Update
			c.Attrs = []plans.Attr{{Name: "moderator", Before: false, After: true}, {Name: "tags", Before: []string{"a"}, After: []string{"b"}}}
		default:
			c.Action = plans.Update
			c.Attrs = []plans.Attr{{Name: "name", Before: "Old " + nick, After: "New " + nick}}
		}
		p.Changes = append(p.Changes, c)
	}
	return p
}

func TestPlanMarkdownFitsAComment(t *testing.T) {
	p := manyChanges(5000)
	md := markdownOf(t, p, view.CommentLimit)
	if len(md) > view.CommentLimit || utf8.RuneCountInString(md) > 65536 {
		t.Fatalf("%d bytes, %d characters: over GitHub's 65,536", len(md), utf8.RuneCountInString(md))
	}
	for _, want := range []string{
		"### :warning: roster plan: 5000 changes, 3000 to review with care\n",
		"**Plan:** 1000 to add, 3000 to change, 1000 to destroy.\n",
		"**Privileges:** 1000 admins revoked, 1000 moderators granted.\n",
		"> [!CAUTION]\n> **This plan deletes 1000 accounts (a deletion cannot be undone), deactivates 1000 accounts and changes privileges: 1000 admins revoked, 1000 moderators granted.**\n",
		"> - … and 2980 more, in the table below\n",
		"| Action | Address | Changed |\n",
		"The full plan is left out",
		"Plan fingerprint: `" + view.Fingerprint(p, "1.2.3") + "`",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in the truncated comment", want)
		}
	}
	if strings.Contains(md, "<details>") {
		t.Error("the full plan was kept although the table did not fit")
	}
	rows := strings.Count(md, "\n| ") - 2 // the header and its rule
	m := regexp.MustCompile(`\n… and (\d+) more changes:`).FindStringSubmatch(md)
	if m == nil {
		t.Fatalf("no line counts the rows left out:\n%s", md[len(md)-2000:])
	}
	var more int
	fmt.Sscan(m[1], &more)
	t.Logf("%d bytes, %d rows shown, %d left out", len(md), rows, more)
	if rows+more != 5000 || rows < 100 {
		t.Errorf("%d rows shown and %d counted as left out; want 5000 in all, and the table filled", rows, more)
	}
	if len(md) < view.CommentLimit-1000 {
		t.Errorf("only %d bytes used of %d", len(md), view.CommentLimit)
	}
	// The rows that need care come before the others.
	if !strings.Contains(md, "| :warning: update | `user.member00001` |") || strings.Contains(md, "`user.member00004`") {
		t.Error("the rows kept are not those that need care first")
	}
	if strings.Contains(md, "hunter2") {
		t.Error("a secret in the truncated comment")
	}
}

// Detail goes first: the folded plan, and only then the table's rows.
func TestPlanMarkdownDropsTheFoldBeforeRows(t *testing.T) {
	p := reviewPlan()
	full := markdownOf(t, p, view.CommentLimit)
	start, end := strings.Index(full, "<details>"), strings.Index(full, "</details>")
	limit := len(full) - (end - start) + 200
	md := markdownOf(t, p, limit)
	if len(md) > limit {
		t.Fatalf("%d bytes, over the limit of %d", len(md), limit)
	}
	if strings.Contains(md, "<details>") || !strings.Contains(md, "The full plan is left out") {
		t.Errorf("the fold was kept:\n%s", md)
	}
	if strings.Count(md, "\n| ") != 9 || strings.Contains(md, "more change") {
		t.Errorf("rows were dropped though the whole table fits:\n%s", md)
	}

	// A limit below even the callout: the status line, summary, callout
	// and fingerprint stay; every row goes.
	md = markdownOf(t, p, 100)
	for _, want := range []string{"### :warning: roster plan", "**Plan:**", "> [!CAUTION]", "… and 7 more changes:", "Plan fingerprint:"} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q with a tiny limit:\n%s", want, md)
		}
	}
	if strings.Contains(md, "| Action |") {
		t.Errorf("a table without rows:\n%s", md)
	}
}

// TestPlanMarkdownCareForReactivationsAndMultiUseInvites: a reactivation
// (roster cannot tell who deactivated the account: perhaps a moderator) and
// an invite that lets more than one person register, created or widened,
// are marked for care; a single-use, a revoked or a narrowed invite is not.
// The table's header names what every row holds: an address.
func TestPlanMarkdownCareForReactivationsAndMultiUseInvites(t *testing.T) {
	invite := func(name string, action plans.Action, attrs ...plans.Attr) plans.Change {
		return plans.Change{Address: "invite." + name, Type: plans.TypeInvite, Nickname: name, Action: action, Attrs: attrs}
	}
	typ := func(before, after any) plans.Attr {
		return plans.Attr{Name: "invite_type", Before: before, After: after}
	}
	p := &plans.Plan{Changes: []plans.Change{
		{Address: "user.erin", Type: plans.TypeUser, Nickname: "erin", Action: plans.Update,
			Attrs: []plans.Attr{{Name: "active", Before: false, After: true}}},
		{Address: `remote_instance["spam.example"]`, Type: plans.TypeRemoteInstance, Nickname: "spam.example", Action: plans.Update,
			Attrs: []plans.Attr{{Name: "inactive_accounts", Before: int64(4), After: int64(0)}}},
		invite("crowd", plans.Create, typ(nil, "reusable_date_limited"), plans.Attr{Name: "max_use", After: int64(25)},
			plans.Attr{Name: "expires_at", After: "2027-03-31"}),
		invite("dated", plans.Create, typ(nil, "date_limited"), plans.Attr{Name: "expires_at", After: "2027-04-01"}),
		invite("grow", plans.Update, plans.Attr{Name: "max_use", Before: int64(10), After: int64(20)}),
		invite("undated", plans.Update, plans.Attr{Name: "max_use", Before: int64(5), After: nil}, typ("reusable_date_limited", "date_limited")),
		invite("once", plans.Create, typ(nil, "one_time")),
		invite("single", plans.Create, typ(nil, "reusable"), plans.Attr{Name: "max_use", After: int64(1)}),
		invite("burned", plans.Create, typ(nil, "reusable"), plans.Attr{Name: "max_use", After: int64(10)}, plans.Attr{Name: "revoked", After: true}),
		invite("shrink", plans.Update, plans.Attr{Name: "max_use", Before: int64(10), After: int64(5)}),
		invite("revoke", plans.Update, plans.Attr{Name: "max_use", Before: int64(10), After: int64(50)}, plans.Attr{Name: "revoked", Before: false, After: true}),
	}}
	md := markdownOf(t, p, view.CommentLimit)
	for _, want := range []string{
		"### :warning: roster plan: 11 changes, 6 to review with care\n",
		"> **This plan reactivates 5 accounts (roster cannot tell who deactivated them), creates 2 multi-use invites and raises the registrations 2 invites allow.**\n",
		"> - `user.erin`: reactivated\n",
		"> - `remote_instance[\"spam.example\"]`: reactivated\n",
		"> - `invite.crowd`: multi-use: up to 25 registrations until 2027-03-31\n",
		"> - `invite.dated`: multi-use: any number of registrations until 2027-04-01\n",
		"> - `invite.grow`: multi-use: up to 20 registrations (was 10)\n",
		"> - `invite.undated`: multi-use: any number of registrations until its expiry\n",
		"\n| Action | Address | Changed |\n",
		"| :warning: update | `user.erin` | active, **reactivated** |\n",
		"| create | `invite.once` | invite_type |\n",
		"| create | `invite.single` | invite_type, max_use |\n",
		"| create | `invite.burned` | invite_type, max_use, revoked |\n",
		"| update | `invite.shrink` | max_use |\n",
		"| update | `invite.revoke` | max_use, revoked |\n",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("no %q in:\n%s", want, md)
		}
	}
}
