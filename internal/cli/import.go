package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/importer"
	"github.com/roster-project/roster/internal/view"
	"github.com/roster-project/roster/plans"
)

// importCmd writes the configuration of an existing server's accounts. It
// needs a database and no configuration files.
type importCmd struct {
	Out     string `name:"out" placeholder:"DIR" help:"Directory to write users.hcl (and invites.hcl, invites.vars) in. Default: the --chdir directory."`
	Invites bool   `name:"invites" help:"Import the invites not yet used too: invites.hcl, with their tokens in invites.vars (mode 0600)."`
	Force   bool   `name:"force" help:"Overwrite files that exist already."`
}

func (c *importCmd) Run(ctx context.Context, a *app, g *Globals) error {
	dir := c.Out
	if dir == "" {
		dir = g.Chdir
	}
	names := []string{importer.UsersFile}
	if c.Invites {
		names = append(names, importer.InvitesFile, importer.VarsFile)
	}
	if !c.Force {
		var exist []string
		for _, n := range names {
			if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
				exist = append(exist, filepath.Join(dir, n))
			}
		}
		if len(exist) > 0 {
			a.diags(g, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Files exist already",
				Detail: fmt.Sprintf("roster import does not overwrite %s. Give another directory with --out, or --force to overwrite.", strings.Join(exist, ", "))}})
			return exitCode(1)
		}
	}
	conn, err := a.connect(ctx, g)
	if err != nil {
		return err
	}
	st, err := importer.Read(ctx, conn, c.Invites)
	conn.Close(context.WithoutCancel(ctx))
	if err != nil {
		return err
	}
	files := importer.Generate(st, c.Invites)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	write := func(name string, data []byte, mode fs.FileMode) error {
		path := filepath.Join(dir, name)
		flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
		if !c.Force {
			flags |= os.O_EXCL
		}
		f, err := os.OpenFile(path, flags, mode)
		if err != nil {
			return err
		}
		if err := f.Chmod(mode); err != nil { // an overwritten file keeps its mode otherwise
			f.Close()
			return err
		}
		if _, err := f.Write(data); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	}
	if err := write(importer.UsersFile, files.Users, 0o644); err != nil {
		return err
	}
	if c.Invites {
		// The variables file first: invites.hcl is useless without it.
		if err := write(importer.VarsFile, files.Vars, 0o600); err != nil {
			return err
		}
		if err := write(importer.InvitesFile, files.Invites, 0o644); err != nil {
			return err
		}
	}

	im := view.Import{Server: plans.Server{Flavor: st.Info.Flavor, Version: st.Info.Version, URL: st.URL}, Read: st.Read,
		Users: len(st.Users), Skipped: st.Skipped, UsersFile: filepath.Join(dir, importer.UsersFile), Notes: files.Notes}
	cmd := "roster plan"
	if dir != "." {
		cmd = "roster --chdir " + shellQuote(dir) + " plan"
	}
	if c.Invites {
		im.InvitesFile, im.VarsFile = filepath.Join(dir, importer.InvitesFile), filepath.Join(dir, importer.VarsFile)
		im.Invites, im.UsedInvites = len(st.Invites), st.UsedInvites
		cmd += " --var-file " + shellQuote(im.VarsFile)
	}
	if !a.inAutomation() {
		im.Check = cmd
	}
	view.Imported(a.Out, im)
	return nil
}
