package cli

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/plans"
)

// readTargets reads the --target values as addresses of objects a plan
// changes, printing a warning for each in the old spelling and an error for
// each that is not one. It returns them as roster writes them, so that a
// saved plan records, and plan --out's hint repeats, the new spelling.
func (a *app) readTargets(g *Globals, raw []string) ([]string, error) {
	targets, diags := parseTargets(raw)
	a.diags(g, nil, diags)
	if diags.HasErrors() {
		return nil, exitCode(1)
	}
	return targets, nil
}

// parseTargets reads targets as addresses: a user, invite or remote
// instance by name, or local_users.
func parseTargets(raw []string) ([]string, hcl.Diagnostics) {
	var out []string
	var diags hcl.Diagnostics
	for _, t := range raw {
		o, more := addrs.Parse(t)
		if !more.HasErrors() && !targetable(o) {
			more = hcl.Diagnostics{{Severity: hcl.DiagError}}
		}
		if more.HasErrors() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid target address",
				Detail: fmt.Sprintf(`%s is not an address. Targets are addresses as the plan prints them: user.NICKNAME, invite.NAME, remote_instance["DOMAIN"] or local_users, a name that is not an identifier in quotes and brackets (user["1abc"], invite["#12"]).`, quoteArg(t))})
			continue
		}
		diags = append(diags, more...)
		out = append(out, o.String())
	}
	return out, diags
}

// targetable reports whether o names an object a plan may change.
func targetable(o addrs.Object) bool {
	switch plans.Type(o.Type) {
	case plans.TypeUser, plans.TypeInvite, plans.TypeRemoteInstance:
		return o.Name != ""
	case plans.TypeLocalUsers:
		return o.Name == ""
	}
	return false
}

// sameTargets compares two lists of targets as sets of objects, names
// compared case-insensitively as the planner matches them; a target in
// the old spelling is the object it names.
func sameTargets(a, b []string) bool {
	set := func(l []string) map[addrs.Object]bool {
		m := map[addrs.Object]bool{}
		for _, t := range l {
			o, diags := addrs.Parse(t)
			if diags.HasErrors() {
				o = addrs.Object{Type: t} // matches only the same text
			}
			m[addrs.Object{Type: o.Type, Name: strings.ToLower(o.Name)}] = true
		}
		return m
	}
	sa, sb := set(a), set(b)
	if len(sa) != len(sb) {
		return false
	}
	for t := range sa {
		if !sb[t] {
			return false
		}
	}
	return true
}

// targetWarning says, as Terraform does, that a plan made with --target
// (the planner keeps only the targeted changes) is partial.
func targetWarning() *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Targeting is in effect",
		Detail: "You are planning with --target: the plan may not show every change the configuration asks for, " +
			"and group, prune and max checks were made for the whole configuration.\n\n" +
			"The --target option is not for routine use; it is for exceptional situations such as recovering from errors or mistakes."}
}
