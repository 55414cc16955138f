// Package planner reads the live state of a Pleroma or Akkoma database and
// diffs it against a schema.Config, producing a plans.Plan.
//
// The plan is plain data (package plans): a password appears in it only as
// "sensitive, changes", and the applier takes the secret from the
// configuration the plan was built from. Rendering a plan is the job of the
// view package; carrying it out is the applier's.
//
// Reading happens in one read-only, repeatable-read transaction with one
// query for all local users, so that a plan reflects a single consistent
// snapshot and costs the same at 10 or 100,000 users.
package planner
