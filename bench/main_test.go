package bench

import (
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/schema"
)

// TestMain starts a throwaway PostgreSQL only when benchmarks run, so that
// `go test ./...` stays fast. Re-executed by runBinary, it is the wrapper
// that measures a subprocess.
func TestMain(m *testing.M) {
	if path := os.Getenv(rusageEnv); path != "" {
		os.Exit(wrap(path, os.Args[1:])) // see runBinary
	}
	flag.Parse()
	if f := flag.Lookup("test.bench"); f == nil || f.Value.String() == "" {
		os.Exit(m.Run())
	}
	os.Exit(pgtest.Main(m))
}

// TestSeedUsersAreValid checks that every generated local account is one the
// server could hold and roster manages: a valid, unique nickname, a valid,
// unique e-mail address, a name and bio within the limits.
func TestSeedUsersAreValid(t *testing.T) {
	lim := server.DefaultLimits()
	nicks := make(map[string]bool, servedPop.locals)
	emails := make(map[string]bool, servedPop.locals)
	for i := range servedPop.locals {
		u := servedPop.user(i)
		switch {
		case !lim.ValidNickname(u.nick) || lim.Restricted(u.nick, server.Auto):
			t.Fatalf("user %d: nickname %q is not valid", i, u.nick)
		case nicks[strings.ToLower(u.nick)]:
			t.Fatalf("user %d: nickname %q is not unique", i, u.nick)
		case u.email != nil && (!server.ValidEmail(*u.email) || emails[strings.ToLower(*u.email)]):
			t.Fatalf("user %d: e-mail %q is invalid or not unique", i, *u.email)
		case server.Graphemes(u.name) > lim.NameLength || server.Graphemes(u.bio) > lim.BioLength:
			t.Fatalf("user %d: name or bio too long", i)
		case u.rawBioNull && u.storedBio() != u.bio:
			t.Fatalf("user %d: a NULL raw_bio row must store its plain bio", i)
		}
		nicks[strings.ToLower(u.nick)] = true
		if u.email != nil {
			emails[strings.ToLower(*u.email)] = true
		}
	}
	if g := genUser(4242); g.nick != genUser(4242).nick || g.bio != genUser(4242).bio {
		t.Fatal("genUser is not deterministic")
	}
}

// TestGeneratedConfigLoads checks that a generated configuration is valid
// and declares what it was given, values included.
func TestGeneratedConfigLoads(t *testing.T) {
	blocks, add, change := planConfig(servedPop, 1000)
	if len(blocks) != 1005 || add != 5 || change != 14 {
		t.Fatalf("planConfig(1000): %d blocks, %d to add, %d to change; want 1005, 5, 14", len(blocks), add, change)
	}
	blocks = append(blocks[:20], verifyConfig(true)[:3]...)
	tricky := newcomer("tricky", 0)
	tricky.bio = ptr("${not.a.template} %{ if x } \"quoted\" back\\slash\ttab\r\nnext line $ % {} é 🏳️‍🌈")
	blocks = append(blocks, tricky)
	dir := t.TempDir()
	if err := writeConfig(dir, blocks); err != nil {
		t.Fatal(err)
	}
	cfg, diags := schema.Load(dir, schema.Inputs{Environ: []string{schema.EnvPrefix + passwordVar + "=" + knownPassword}})
	if diags.HasErrors() {
		t.Fatal(diags.Error())
	}
	if len(cfg.Users) != len(blocks) {
		t.Fatalf("loaded %d users, want %d", len(cfg.Users), len(blocks))
	}
	for k, b := range blocks {
		u := cfg.User(b.nick)
		if u == nil {
			t.Fatalf("user %q not loaded", b.nick)
		}
		if *u.Name != *b.name || (b.bio == nil) != (u.Bio == nil) || (b.bio != nil && *u.Bio != *b.bio) ||
			strings.Join(u.Tags, ",") != strings.Join(b.tags, ",") || (b.active != nil && *u.Active != *b.active) {
			t.Fatalf("block %d (%q) loaded with other values", k, b.nick)
		}
		if wantMode := map[bool]schema.PasswordMode{true: schema.PasswordEnforced}[b.password]; u.PasswordMode != wantMode {
			t.Fatalf("block %d (%q): password mode %v, want %v", k, b.nick, u.PasswordMode, wantMode)
		}
	}
}

// TestScaleConfigsLoad checks the configurations of the scenarios at a
// million accounts on a smaller pruned population, fast: planConfig
// declares the accounts population.declared names; a pruned population
// keeps active only those and the ones prunedActive names; the role and
// prune configurations load and count their changes.
func TestScaleConfigsLoad(t *testing.T) {
	pop := population{locals: 20_000, pruned: true}
	const n = 200
	blocks, _, change := planConfig(pop, n)
	for k, b := range blocks[:n] {
		i := k*pop.stride(n) + pop.stride(n)/2
		if !pop.declared(i, n) || b.nick != pop.user(i).nick {
			t.Fatalf("block %d declares %q, not account %d", k, b.nick, i)
		}
	}
	active := 0
	for i := range pop.locals {
		if u := pop.user(i); u.active {
			active++
			if !pop.declared(i, 10_000) && !prunedActive(i) {
				t.Fatalf("account %d of a pruned population is active", i)
			}
		}
	}
	if active == 0 {
		t.Fatal("no account of the pruned population is active")
	}
	for name, cfg := range map[string]func() ([]userBlock, string, int, int){
		"role":  func() ([]userBlock, string, int, int) { return roleConfig(pop, n) },
		"prune": func() ([]userBlock, string, int, int) { return pruneConfig(pop, n) },
	} {
		blocks, extra, _, more := cfg()
		if more <= change {
			t.Errorf("%s: %d changes, no more than the %d of the users alone", name, more, change)
		}
		dir := t.TempDir()
		if err := writeConfig(dir, blocks, extra); err != nil {
			t.Fatal(err)
		}
		if _, diags := schema.Load(dir, schema.Inputs{}); diags.HasErrors() {
			t.Fatalf("%s: %s", name, diags.Error())
		}
	}
}
