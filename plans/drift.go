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
// the undeclared accounts (with --unmanaged), and how many differences an
// ignore file left out.
type Drift struct {
	Plan      *Plan
	Unmanaged []Unmanaged
	// Listed is true when the undeclared accounts were read (--unmanaged).
	Listed  bool
	Ignored int
}

// Drifted reports whether anything differs.
func (d *Drift) Drifted() bool { return len(d.Plan.Changes)+len(d.Unmanaged) > 0 }
