// Package applier carries out a plans.Plan in one transaction.
//
// It takes a transaction-scoped advisory lock (bounded by a timeout, naming
// the holder on failure), re-reads under the lock every row the plan touches
// and refuses to go on if one moved since the plan was made, then writes what
// the server's own commands would write: new accounts with FlakeIds, derived
// addresses, RSA keys and password hashes in the flavor's native format, and
// for every changed attribute the side effects of the server's command
// (activate/deactivate, set --confirmed, set --admin/--moderator, a password
// change). Any error rolls everything back, except the loss of COMMIT's
// answer, a *CommitUnknownError: then the transaction may have been
// committed. Secrets come from the schema.Config the plan was built from,
// never from the plan.
//
// It also carries out the actions, the server's imperative user commands
// that roster offers (actions.go, follow.go): each is read first (PlanX),
// then run in one transaction under the same lock (X), refused with a
// *RefusedError when it does not apply and with a *StaleError when what was
// read moved.
//
// The applier never prints; the caller renders its Result and errors.
package applier
