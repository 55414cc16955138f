package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/listing"
	"github.com/roster-project/roster/internal/view"
)

// invitesCmd lists the server's registration invites, read-only, as the
// server's `user invites` does, with the state each is in. A token lets
// anyone register, so tokens and registration URLs are printed only with
// --show-urls. It needs a database and no configuration.
type invitesCmd struct {
	ShowURLs bool `name:"show-urls" help:"Also print each invite's token, in its registration URL. Anyone with the URL can register: by default no token is printed."`
	JSON     bool `name:"json" help:"Print one JSON document (see docs/json-format.md)."`
}

func (c *invitesCmd) Run(ctx context.Context, a *app, g *Globals) error {
	r, err := a.openListing(ctx, g, "invites")
	if err != nil {
		return err
	}
	defer r.close(ctx)
	if c.ShowURLs && r.Server.URL == "" {
		a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Server URL not known",
			Detail: "No local account has an address to take the server's URL from, and no configuration in --chdir sets server { url }, so the tokens are printed without their URLs. A registration URL is <server URL>/registration/<token>."}})
	}
	now := time.Now()
	scan := func(visit func(*listing.Invite) error) error {
		return listing.ScanInvites(ctx, r.Tx, c.ShowURLs, now, visit)
	}
	if c.JSON {
		doc := view.NewInvitesJSON(a.Out, r.Server, Version, c.ShowURLs)
		if err := scan(doc.Add); err != nil {
			return err
		}
		return doc.Close()
	}
	// Two passes over one snapshot, as roster users does.
	table := view.NewInvitesTable(a.Out, a.style(g, a.OutTerm), c.ShowURLs, r.Server.URL)
	n := 0
	err = scan(func(i *listing.Invite) error {
		table.Measure(i)
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintln(a.Err, "No invites.")
		return nil
	}
	table.Fit(a.outWidth())
	table.Header()
	return scan(func(i *listing.Invite) error { table.Row(i); return nil })
}
