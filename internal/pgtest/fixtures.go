package pgtest

import "github.com/roster-project/roster/internal/fixtures"

// The fixtures tests clone: an empty server of each flavor, and the demo's
// sample Pleroma server.
var (
	Pleroma       = Fixture{Name: "pleroma", SQL: []string{fixtures.PleromaSchema}}
	Akkoma        = Fixture{Name: "akkoma", SQL: []string{fixtures.AkkomaSchema}}
	PleromaSample = Fixture{Name: "pleroma_sample", SQL: []string{fixtures.PleromaSchema, fixtures.SamplePleroma}}
)

// Flavors lists the empty fixtures of both flavors, for tests that run on each.
func Flavors() []Fixture { return []Fixture{Pleroma, Akkoma} }
