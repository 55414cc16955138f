package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/roster-project/roster/internal/server"
)

// passwordVar is the sensitive variable enforced passwords come from, given
// as ROSTER_VAR_bench_password.
const passwordVar = "bench_password"

// userBlock is one declared user; nil fields are left out (unmanaged).
type userBlock struct {
	nick                                                  string
	email, name, bio                                      *string
	admin, moderator, confirmed, approved, locked, active *bool
	tags                                                  []string
	managedTags                                           bool
	password                                              bool
}

// declare declares u with every attribute equal to its row, or with only
// email, name and tags when minimal.
func declare(u seedUser, minimal bool) userBlock {
	name := u.name
	b := userBlock{nick: u.nick, email: u.email, name: &name, tags: append([]string{}, u.tags...), managedTags: true}
	if minimal {
		return b
	}
	bio := u.bio
	b.bio = &bio
	b.admin, b.moderator, b.confirmed = ptr(u.admin), ptr(u.moderator), ptr(u.confirmed)
	b.approved, b.locked, b.active = ptr(u.approved), ptr(u.locked), ptr(u.active)
	return b
}

// newcomer declares a user that does not exist yet.
func newcomer(nick string, k int) userBlock {
	return userBlock{nick: nick, email: ptr(nick + "@newcomers.example"), name: ptr("Newcomer " + strconv.Itoa(k)),
		bio: ptr("Just arrived.\nSay hi!"), tags: []string{"beta-tester"}, managedTags: true}
}

// planConfig declares n of the population's accounts, spread over the
// table, most unchanged: every 100th gets a new name and every 250th a new
// tag; and five new users. It returns the blocks and the plan's expected
// counts.
func planConfig(pop population, n int) (blocks []userBlock, add, change int) {
	stride := pop.stride(n)
	for k := range n {
		b := declare(pop.user(k*stride+stride/2), k%3 == 2)
		changed := false
		if k%100 == 50 {
			b.name = ptr(*b.name + movedName)
			changed = true
		}
		if k%250 == 125 {
			b.tags = append(b.tags, newTag)
			changed = true
		}
		if changed {
			change++
		}
		blocks = append(blocks, b)
	}
	for k := range 5 {
		blocks = append(blocks, newcomer(fmt.Sprintf("newcomer_%d", k), k))
	}
	return blocks, 5, change
}

// roleConfig is planConfig(pop, n) with a role "admin" block: its members
// are the population's admins but the first two, who lose the role, and
// two declared users without an admin attribute, who gain it. A role block
// owns the role of every account roster manages, declared or not. It
// returns the blocks, the role block, and the plan's expected counts.
func roleConfig(pop population, n int) (blocks []userBlock, role string, add, change int) {
	blocks, add, change = planConfig(pop, n)
	var members []string
	demoted := 0
	for i := range pop.locals {
		if u := pop.user(i); u.admin {
			if demoted < 2 {
				demoted++
				continue
			}
			members = append(members, quote(u.nick))
		}
	}
	promoted := 0
	for k := range n {
		if b := &blocks[k]; b.admin == nil && !b.changed() && promoted < 2 {
			members = append(members, quote(b.nick))
			promoted++
		}
	}
	role = fmt.Sprintf("\nrole \"admin\" {\n  members = [\n    %s,\n  ]\n}\n", strings.Join(members, ",\n    "))
	return blocks, role, add, change + demoted + promoted
}

// pruneConfig is planConfig(pop, n) with a prune block that deactivates
// every account the configuration does not declare. In a pruned population
// that leaves the accounts prunedActive keeps active. It returns the
// blocks, the prune block, and the plan's expected counts.
func pruneConfig(pop population, n int) (blocks []userBlock, prune string, add, change int) {
	blocks, add, change = planConfig(pop, n)
	lim := server.DefaultLimits()
	pruned := 0
	for i := range pop.locals {
		if pop.declared(i, n) {
			continue
		}
		if u := pop.user(i); u.active && lim.Managed(u.nick, u.actorType, false) {
			pruned++
		}
	}
	prune = fmt.Sprintf("\nprune {\n  users = \"deactivate\"\n  max   = %d\n}\n", pruned)
	return blocks, prune, add, change + pruned
}

// verifyConfig declares the verifyUsers accounts whose stored hashes are
// real, unchanged, with or without their enforced password.
func verifyConfig(withPassword bool) []userBlock {
	var blocks []userBlock
	for i := range verifyUsers {
		b := declare(servedPop.user(i), false)
		b.password = withPassword
		blocks = append(blocks, b)
	}
	return blocks
}

// applyConfig declares n new users named prefix0, prefix1, ...
func applyConfig(prefix string, n int) []userBlock {
	blocks := make([]userBlock, n)
	for k := range blocks {
		blocks[k] = newcomer(prefix+strconv.Itoa(k), k)
	}
	return blocks
}

// What planConfig changes of a declared user.
const (
	movedName = " (moved)"
	newTag    = "bench-new"
)

// changed reports whether planConfig changed the block.
func (b *userBlock) changed() bool {
	return strings.HasSuffix(*b.name, movedName) || slices.Contains(b.tags, newTag)
}

// usersPerFile is how many user blocks go into each generated file.
const usersPerFile = 1000

// writeConfig writes a configuration directory: main.hcl with the server
// block (and the password variable when a user needs it) and the extra
// blocks, and the users in files of usersPerFile blocks.
func writeConfig(dir string, blocks []userBlock, extra ...string) error {
	var main strings.Builder
	fmt.Fprintf(&main, "server {\n  url    = %s\n  flavor = \"auto\"\n}\n", quote(baseURL))
	for _, x := range extra {
		main.WriteString(x)
	}
	for _, b := range blocks {
		if b.password {
			fmt.Fprintf(&main, "\nvariable %s {\n  sensitive = true\n}\n", quote(passwordVar))
			break
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(main.String()), 0o644); err != nil {
		return err
	}
	for start := 0; start < len(blocks); start += usersPerFile {
		var f strings.Builder
		for _, b := range blocks[start:min(start+usersPerFile, len(blocks))] {
			writeUser(&f, b)
		}
		name := filepath.Join(dir, fmt.Sprintf("users-%03d.hcl", start/usersPerFile))
		if err := os.WriteFile(name, []byte(f.String()), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func writeUser(w *strings.Builder, b userBlock) {
	fmt.Fprintf(w, "\nuser %s {\n", quote(b.nick))
	str := func(name string, v *string) {
		if v != nil {
			fmt.Fprintf(w, "  %-9s = %s\n", name, quote(*v))
		}
	}
	boolean := func(name string, v *bool) {
		if v != nil {
			fmt.Fprintf(w, "  %-9s = %t\n", name, *v)
		}
	}
	str("email", b.email)
	str("name", b.name)
	str("bio", b.bio)
	boolean("admin", b.admin)
	boolean("moderator", b.moderator)
	boolean("confirmed", b.confirmed)
	boolean("approved", b.approved)
	boolean("locked", b.locked)
	boolean("active", b.active)
	if b.managedTags {
		tags := make([]string, len(b.tags))
		for k, t := range b.tags {
			tags[k] = quote(t)
		}
		fmt.Fprintf(w, "  %-9s = [%s]\n", "tags", strings.Join(tags, ", "))
	}
	if b.password {
		fmt.Fprintf(w, "  %-9s = var.%s\n", "password", passwordVar)
	}
	w.WriteString("}\n")
}

// quote returns s as an HCL quoted string: escapes, and template sequences
// doubled so that they stay literal.
func quote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for k, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20:
			fmt.Fprintf(&b, `\u%04x`, r)
		case (r == '$' || r == '%') && k+1 < len(s) && s[k+1] == '{':
			b.WriteRune(r)
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
