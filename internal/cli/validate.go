package cli

import "fmt"

type validateCmd struct{}

func (c *validateCmd) Run(a *app, g *Globals) error {
	if _, ok := a.loadConfig(g, true); !ok {
		return exitCode(1)
	}
	s := a.style(g, a.OutTerm)
	fmt.Fprintln(a.Out, s.Green(s.Bold("Success!"))+" The configuration is valid.")
	return nil
}
