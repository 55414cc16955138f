// Package account is the one table of a local account's user attributes
// (Attributes): for each, its name, how a user block declares it, the
// columns of users that hold it, the kind of its values in a plan and the
// changes that may carry it.
//
// The other layers derive from the table: schema decodes a user block's
// attributes by it (into Declared, which schema.User embeds), live reads the
// columns it names (into Row, which live.User is), the planner compares the
// declared and stored values it gives, plans checks a plan's attributes
// against its kinds, the applier writes its columns, import writes the HCL of
// it, and drift's ignore rules name its attributes. What an attribute does
// beyond its value (the follows an activation removes, the token a
// confirmation clears, a password's hash) stays with the layer that does it,
// as a hook keyed by the attribute's name.
//
// The package holds no policy and imports nothing of roster: it is what
// every layer agrees an account's attributes are.
package account
