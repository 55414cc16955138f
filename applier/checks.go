package applier

import (
	"context"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/checks"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// CheckError refuses an apply: checks with enforce = true do not hold on
// what it wrote, in its transaction, which was rolled back: nothing was
// written.
type CheckError struct {
	// Checks are the enforced checks that do not hold.
	Checks []plans.Check
	// Diags say which and why, at their source: errors.
	Diags hcl.Diagnostics
}

func (e *CheckError) Error() string {
	names := make([]string, len(e.Checks))
	for i, c := range e.Checks {
		names[i] = c.Address
	}
	return "enforced checks do not hold on what the apply wrote (" + strings.Join(names, ", ") + "): the transaction was rolled back"
}

// checkWritten evaluates cfg's checks in tx, on what the apply wrote,
// before COMMIT: an enforced check that does not hold refuses the apply
// with a *CheckError. It returns the outcomes, and the warnings of the
// checks that do not hold without being enforced.
func checkWritten(ctx context.Context, tx pgx.Tx, cfg *schema.Config) ([]plans.Check, hcl.Diagnostics, error) {
	rs, err := checks.Evaluate(ctx, tx, cfg, checks.Adjust{}, nil, checks.OnApply)
	if err != nil {
		return nil, nil, err
	}
	if refused := checks.Refused(rs); len(refused) > 0 {
		return nil, nil, &CheckError{Checks: checks.Checks(refused), Diags: checks.Diagnostics(refused)}
	}
	return checks.Checks(rs), checks.Diagnostics(rs), nil
}
