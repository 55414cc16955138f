package cli

import (
	"fmt"
	"regexp"

	"github.com/hashicorp/hcl/v2"
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

// targetWarning says, as Terraform does, that a plan made with --target
// (the planner keeps only the targeted changes) is partial.
func targetWarning() *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Targeting is in effect",
		Detail: "You are planning with --target: the plan may not show every change the configuration asks for, " +
			"and group, prune and max checks were made for the whole configuration.\n\n" +
			"The --target option is not for routine use; it is for exceptional situations such as recovering from errors or mistakes."}
}
