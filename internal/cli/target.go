package cli

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/planner"
)

var targetAddress = regexp.MustCompile(`\A((user|invite)\.[^\s.]+|remote_instance\.[^\s]+|local_users)\z`)

// checkTargets refuses --target values that are not addresses.
func checkTargets(targets []string) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for _, t := range targets {
		if !targetAddress.MatchString(t) {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid target address",
				Detail: fmt.Sprintf("%q is not an address. Targets are addresses as the plan prints them: user.NICKNAME, invite.NAME, remote_instance.DOMAIN or local_users.", t)})
		}
	}
	return diags
}

// target keeps only the changes whose address is targeted (nicknames
// case-insensitively, as the server compares them), and warns, as
// Terraform does, that the plan is partial.
func target(p *planner.Plan, targets []string) hcl.Diagnostics {
	want := map[string]bool{}
	for _, t := range targets {
		want[strings.ToLower(t)] = true
	}
	kept := p.Changes[:0]
	for _, c := range p.Changes {
		if want[strings.ToLower(c.Address)] {
			kept = append(kept, c)
		}
	}
	p.Changes = kept
	return hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Targeting is in effect",
		Detail: "You are planning with --target: the plan may not show every change the configuration asks for, " +
			"and group, prune and max checks were made for the whole configuration.\n\n" +
			"The --target option is not for routine use; it is for exceptional situations such as recovering from errors or mistakes."}}
}
