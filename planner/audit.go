package planner

import (
	"context"
	"fmt"
	"slices"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// auditActor checks the configuration's moderation log actor
// (server.audit_actor) and names it in p: it must be a local, active admin
// before the apply (CheckAuditActor) and after it, as the admin API refuses
// an admin who revokes their own role. So an account the plan deactivates,
// deletes or takes the admin role from cannot be the actor. Without one, p
// names none.
func auditActor(ctx context.Context, q live.Querier, cfg *schema.Config, p *plans.Plan) (hcl.Diagnostics, error) {
	a, diags, err := CheckAuditActor(ctx, q, cfg)
	if a == nil || err != nil {
		return diags, err
	}
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Type != plans.TypeUser || c.ID != a.ID {
			continue
		}
		var d *account.Declared
		if u := cfg.User(c.Nickname); u != nil {
			d = &u.Declared
		}
		revokes := c.Revokes(d)
		var what string
		switch {
		case c.Action == plans.Delete:
			what = "deletes it"
		case slices.Contains(revokes, account.Admin):
			what = "revokes its admin role"
		case slices.Contains(revokes, account.Active):
			what = "deactivates it"
		default:
			continue
		}
		return refuseActor(cfg, "Plan demotes the audit actor", fmt.Sprintf("audit_actor is %q, and this plan %s (%s). The moderation log's actor must still be an active admin after the apply, as the admin API refuses an admin who revokes their own role.", a.Nickname, what, c.Address)), nil
	}
	p.AuditActor = a.Nickname
	return nil, nil
}

// CheckAuditActor reads the configuration's moderation log actor
// (server.audit_actor), which must be a local, active admin, as the admin
// API logs only what a signed-in admin of the server does. It returns the
// account, or diagnostics at the attribute that say why it cannot be the
// actor; nothing when the configuration names none.
func CheckAuditActor(ctx context.Context, q live.Querier, cfg *schema.Config) (*live.Actor, hcl.Diagnostics, error) {
	nick := cfg.Server.AuditActor
	if nick == "" {
		return nil, nil, nil
	}
	a, err := live.ReadActor(ctx, q, nick)
	if err != nil {
		return nil, nil, err
	}
	var summary, detail string
	switch {
	case a == nil:
		summary, detail = "No account for the audit actor", fmt.Sprintf("audit_actor is %q, but the database has no account with that nickname. The moderation log's actor must be a local admin before the apply: an account this apply creates cannot be one (apply it without audit_actor first).", nick)
	case !a.Local:
		summary, detail = "Audit actor is a remote account", fmt.Sprintf("audit_actor is %q, an account of another server. The moderation log's actor must be a local admin, as the admin API logs only what an admin of this server does.", a.Nickname)
	case !a.Admin:
		summary, detail = "Audit actor is not an admin", fmt.Sprintf("audit_actor is %q, a local account without the admin role. The moderation log's actor must be an admin before the apply, as the admin API logs only what an admin does (grant the role in an apply without audit_actor first).", a.Nickname)
	case !a.Active:
		summary, detail = "Audit actor is deactivated", fmt.Sprintf("audit_actor is %q, a deactivated account, which cannot sign in to the admin API. The moderation log's actor must be an active admin.", a.Nickname)
	default:
		return a, nil, nil
	}
	return nil, refuseActor(cfg, summary, detail), nil
}

// refuseActor is the error at the server block's audit_actor.
func refuseActor(cfg *schema.Config, summary, detail string) hcl.Diagnostics {
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary,
		Detail:  detail + " Name a local admin as audit_actor, or remove it: then nothing is written to the moderation log.",
		Subject: cfg.Server.AuditActorRange.Ptr(), Context: cfg.Server.DeclRange.Ptr()}}
}
