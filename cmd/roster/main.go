// Command roster manages the local users of a Pleroma or Akkoma server as
// code. See the README for the configuration language and the commands.
package main

import (
	"context"
	"os"

	"github.com/roster-project/roster/internal/cli"
)

func main() { os.Exit(cli.Main(context.Background(), os.Args[1:], cli.Stdio(), os.Environ())) }
