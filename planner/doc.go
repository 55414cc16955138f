// Package planner reads the live state of a Pleroma or Akkoma database and
// diffs it against a schema.Config, producing a [Plan].
//
// The plan is plain, serializable data: addresses, actions, attribute values
// before and after, and a fingerprint of every row it read. It holds no
// database handle, no cty value and no secret: a password appears only as
// "sensitive, changes", and the applier takes the secret from the
// configuration the plan was built from. Rendering a plan is the job of the
// view package; carrying it out is the applier's.
//
// Reading happens in one read-only, repeatable-read transaction with one
// query for all local users, so that a plan reflects a single consistent
// snapshot and costs the same at 10 or 100,000 users.
package planner
