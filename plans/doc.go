// Package plans holds roster's plan: the changes that make a server's
// database match a configuration, as plain, JSON-tagged data, with no
// database handle, no cty value and no secret. The planner builds a Plan;
// the view renders one; the applier carries one out; the subpackage
// planfile saves one to a file and reads it back.
//
// A plan is also evidence: Differences says how a plan made again differs
// from an approved one in anything applying it would write, and Validate
// checks the shape of a plan read from outside.
package plans
