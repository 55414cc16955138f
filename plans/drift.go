package plans

// Unmanaged is a local account roster manages by its kind that the
// configuration does not declare, as drift --unmanaged reports it.
type Unmanaged struct {
	Address   string   `json:"address"`
	Nickname  string   `json:"nickname"`
	Admin     bool     `json:"admin"`
	Moderator bool     `json:"moderator"`
	Active    bool     `json:"active"`
	Confirmed bool     `json:"confirmed"`
	Approved  bool     `json:"approved"`
	Tags      []string `json:"tags"`
}

// Drift is what roster drift found: the plan that would undo the drift,
// how many undeclared accounts there are (with --unmanaged), and how many
// differences an ignore file left out. The undeclared accounts themselves
// are not held here: however many there are, a report reads them one at a
// time as it writes them (planner.Report.Accounts).
type Drift struct {
	Plan *Plan
	// Unmanaged counts the undeclared accounts, but those the ignore file
	// leaves out.
	Unmanaged int
	// Widest is the length in bytes of the longest of their addresses, on
	// which a text report aligns what follows them.
	Widest int
	// Listed is true when the undeclared accounts were read (--unmanaged).
	Listed  bool
	Ignored int
}

// Drifted reports whether anything differs, or a check does not hold on
// the live state.
func (d *Drift) Drifted() bool {
	return len(d.Plan.Changes)+d.Unmanaged+len(d.Plan.FailedChecks()) > 0
}
