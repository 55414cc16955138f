package plans

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"

	"github.com/roster-project/roster/internal/addrs"
)

// CheckStatus is the outcome of a check block, in Terraform's words.
type CheckStatus string

// The outcomes of a check.
const (
	// CheckPass: every assertion holds.
	CheckPass CheckStatus = "pass"
	// CheckFail: an assertion does not hold.
	CheckFail CheckStatus = "fail"
	// CheckError: an assertion could not be evaluated, so the check cannot
	// be said to hold.
	CheckError CheckStatus = "error"
)

// Check is how a check block came out on the state the plan would leave
// (plan), on the live state (drift) or on the state an apply wrote
// (apply). It only describes: applying a plan compares none of it.
type Check struct {
	// Address is check.NAME.
	Address string      `json:"address"`
	Name    string      `json:"name"`
	Status  CheckStatus `json:"status"`
	// Enforce is set when a failing check rolls an apply back.
	Enforce bool `json:"enforce,omitempty"`
	// Problems are the error messages of the assertions that do not hold,
	// in source order: text of the configuration, which may quote live
	// values (never a secret).
	Problems []string `json:"problems,omitempty"`
	// Errors say why an assertion could not be evaluated.
	Errors []string `json:"errors,omitempty"`
	// Source is where the check is declared.
	Source Source `json:"source"`
}

// Failed reports whether the check does not hold: it fails, or could not
// be evaluated.
func (c *Check) Failed() bool { return c.Status != CheckPass }

// FailedChecks returns the checks of p that do not hold, in order.
func (p *Plan) FailedChecks() []Check {
	var out []Check
	for _, c := range p.Checks {
		if c.Failed() {
			out = append(out, c)
		}
	}
	return out
}

// validate checks the shape of a check read from a saved plan file.
func (c *Check) validate() error {
	if !hclsyntax.ValidIdentifier(c.Name) || c.Address != addrs.Of("check", c.Name) {
		return fmt.Errorf("check %s: not the address of a check named %s", quote(c.Address), quote(c.Name))
	}
	switch c.Status {
	case CheckPass, CheckFail, CheckError:
	default:
		return fmt.Errorf("%s: unknown status %s", c.Address, quote(string(c.Status)))
	}
	if strings.IndexFunc(c.Source.Filename, hiddenRune) >= 0 {
		return fmt.Errorf("%s: its source holds a control character", c.Address)
	}
	return nil
}
