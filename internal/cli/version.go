package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is roster's version.
const Version = "0.1.0-dev"

type versionCmd struct{}

func (c *versionCmd) Run(a *app) error {
	rev := ""
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	fmt.Fprintf(a.Out, "roster v%s%s\non %s %s/%s\n", Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}
