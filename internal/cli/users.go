package cli

import (
	"context"
	"fmt"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/listing"
	"github.com/roster-project/roster/internal/view"
)

// usersCmd lists the server's local accounts, read-only, as the server's
// `user list` does, with what roster makes of each. It needs a database and
// no configuration.
type usersCmd struct {
	Filter []string `name:"filter" sep:"none" placeholder:"EXPR" help:"List only the accounts that pass EXPR (repeatable; all must pass): admin, moderator, active, deactivated, confirmed, unconfirmed, approved, unapproved, locked, unlocked, tag=GLOB, nickname=GLOB, email=GLOB, kind=user|internal|deleted|other. '!' before a word, or '!=' for '=', negates it."`
	All    bool     `name:"all" help:"Also list the server's internal actors and deleted accounts, which roster never manages."`
	Email  bool     `name:"email" help:"Add a column of e-mail addresses (--json always has them)."`
	JSON   bool     `name:"json" help:"Print one JSON document (see docs/json-format.md)."`
}

func (c *usersCmd) Run(ctx context.Context, a *app, g *Globals) error {
	var filters []listing.Filter
	var diags hcl.Diagnostics
	all := c.All
	for _, text := range c.Filter {
		f, err := listing.ParseFilter(text)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid filter",
				Detail: fmt.Sprintf("%s. Give --filter one of: %s.", err, listing.FilterSyntax())})
			continue
		}
		filters = append(filters, f)
		all = all || f.OnKind()
	}
	if diags.HasErrors() {
		a.diags(g, nil, diags)
		return exitCode(1)
	}
	r, err := a.openListing(ctx, g, "users")
	if err != nil {
		return err
	}
	defer r.close(ctx)

	// scan hands visit the accounts to print, and counts those the filters
	// pass that only --all lists.
	scan := func(visit func(*listing.Account) error) (hidden int, err error) {
		err = listing.ScanAccounts(ctx, r.Tx, r.Limits, func(acc *listing.Account) error {
			if !listing.MatchAll(filters, acc) {
				return nil
			}
			if !all && (acc.Kind == listing.Internal || acc.Kind == listing.Deleted) {
				hidden++
				return nil
			}
			return visit(acc)
		})
		return hidden, err
	}

	if c.JSON {
		doc := view.NewUsersJSON(a.Out, r.Server, Version)
		if _, err := scan(doc.Add); err != nil {
			return err
		}
		return doc.Close()
	}
	// Two passes over one snapshot: the first measures the columns, the
	// second prints the rows, so that no account is kept.
	table := view.NewUsersTable(a.Out, a.style(g, a.OutTerm), c.Email)
	n := 0
	hidden, err := scan(func(acc *listing.Account) error {
		table.Measure(acc)
		n++
		return nil
	})
	if err != nil {
		return err
	}
	if n > 0 {
		table.Fit(a.outWidth())
		table.Header()
		if _, err := scan(func(acc *listing.Account) error { table.Row(acc); return nil }); err != nil {
			return err
		}
	}
	switch {
	case n == 0 && len(filters) > 0:
		fmt.Fprintln(a.Err, "No local account passes the filters.")
	case n == 0:
		fmt.Fprintln(a.Err, "No local accounts.")
	}
	if hidden > 0 {
		fmt.Fprintf(a.Err, "%s not listed: internal actors and deleted accounts, which --all lists.\n", plural(hidden, "account"))
	}
	return nil
}
