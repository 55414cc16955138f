package planfile_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/confine"
	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/plans/planfile"
	"github.com/roster-project/roster/schema"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// The canaries: secrets that must never reach the file.
const (
	canaryPassword = "canary-password-7f3a9c"
	canaryToken    = "canary-invite-token-b41d"
	canarySecret   = "canary-invite-secret-0e5f2d9a"
)

const config = `
variable "root_password" {
  sensitive = true
}

server {
  url           = "https://social.example.org"
  invite_secret = "` + canarySecret + `"
}

user "root" {
  admin    = true
  password = var.root_password
  bio      = file("bio.txt")
}

user "hatter" {
  initial_password = "` + canaryPassword + `-initial"
  tags             = ["Verified"]
}

invite "spring" {
  token   = "` + canaryToken + `"
  max_use = 5
}
`

// load writes the configuration (with files overriding its files) to a
// fresh directory and loads it with the given variable values.
func load(t *testing.T, dir string, vars ...string) *schema.Config {
	t.Helper()
	cfg, diags := schema.Load(dir, schema.Inputs{Vars: vars})
	if diags.HasErrors() {
		t.Fatalf("loading the configuration: %v", diags)
	}
	return cfg
}

func configDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	all := map[string]string{"users.hcl": config, "bio.txt": "The root account."}
	for k, v := range files {
		all[k] = v
	}
	for name, src := range all {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// samplePlan is a plan of every value type: strings, bools, whole numbers,
// lists, nulls and sensitive attributes, and the buckets of the accounts a
// change over many accounts writes.
func samplePlan() *plans.Plan {
	return &plans.Plan{FormatVersion: plans.FormatVersion, Read: 6,
		Server: plans.Server{Flavor: server.Pleroma, Version: 20240904142434, URL: "https://social.example.org", Known: true},
		Changes: []plans.Change{
			{Address: "user.root", Type: "user", Nickname: "root", Action: plans.Update, ID: "00000199-0000-0000-0000-000000000001",
				Attrs: []plans.Attr{{Name: "admin", Before: false, After: true}, {Name: "password", Sensitive: true},
					{Name: "tags", Before: []string{}, After: []string{"staff"}}},
				Unchanged: 1, Notes: []string{"the password does not verify"}, Source: plans.Source{Filename: "users.hcl", Line: 11}},
			{Address: "user.hatter", Type: "user", Nickname: "hatter", Action: plans.Create,
				Attrs: []plans.Attr{{Name: "tags", Before: nil, After: []string{"verified"}}, {Name: "email", Before: nil, After: nil, Computed: true},
					{Name: "initial_password", Sensitive: true}},
				Source: plans.Source{Filename: "users.hcl", Line: 17}},
			{Address: "invite.spring", Type: "invite", Nickname: "spring", Action: plans.Create,
				Attrs: []plans.Attr{{Name: "max_use", After: int64(5)}, {Name: "token", Sensitive: true}}},
			{Address: "local_users", Type: "local_users", Action: plans.Update,
				Attrs:    []plans.Attr{{Name: "unconfirmed_accounts", Before: int64(3), After: int64(0)}},
				Accounts: []accountset.Bucket{{Bucket: 7, Count: 2, Digest: "0123456789abcdef0123456789abcdef"}, {Bucket: 200, Count: 1, Digest: "fedcba9876543210fedcba9876543210"}}},
		},
		Checks: []plans.Check{
			{Address: "check.few_admins", Name: "few_admins", Status: plans.CheckFail, Enforce: true,
				Problems: []string{"At most three admins:\nroot, alice, bob, carol."}, Source: plans.Source{Filename: "checks.hcl", Line: 1}},
			{Address: "check.mfa", Name: "mfa", Status: plans.CheckPass, Source: plans.Source{Filename: "checks.hcl", Line: 9}},
		}}
}

var sampleDB = planfile.Database{SystemIdentifier: "7300000000000000001", Name: "pleroma", Host: "db.example.org", Port: 5432,
	IdentifiedBy: planfile.BySystemIdentifier}

func TestRoundTrip(t *testing.T) {
	dir := configDir(t, nil)
	cfg := load(t, dir, "root_password="+canaryPassword)
	p := samplePlan()
	f, err := planfile.New(p, cfg, sampleDB, planfile.Options{Targets: []string{"user.root"}}, "9.9.9", time.Date(2026, 11, 23, 8, 51, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := planfile.Write(path, f); err != nil {
		t.Fatal(err)
	}
	got, err := planfile.Read(path, "9.9.9")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Plan, p) {
		t.Errorf("the plan read back differs:\n got %#v\nwant %#v", got.Plan, p)
	}
	if got.FormatVersion != planfile.FormatVersion || got.RosterVersion != "9.9.9" || !got.Created.Equal(f.Created) || got.Database != sampleDB {
		t.Errorf("header read back: %+v %+v %v %+v", got.FormatVersion, got.RosterVersion, got.Created, got.Database)
	}
	want := []planfile.SecretDigest{{Address: "user.root", Attribute: "password"}, {Address: "user.hatter", Attribute: "initial_password"},
		{Address: "invite.spring", Attribute: "token"}}
	if len(got.Config.Secrets) != len(want) {
		t.Fatalf("secrets: got %+v, want the addresses and attributes of %+v", got.Config.Secrets, want)
	}
	for i, d := range got.Config.Secrets {
		if d.Address != want[i].Address || d.Attribute != want[i].Attribute || len(d.Digest) != 64 {
			t.Errorf("secret %d: got %+v, want %s %s with a 64-hex-digit digest", i, d, want[i].Address, want[i].Attribute)
		}
	}
	if stale := got.Stale(load(t, dir, "root_password="+canaryPassword), sampleDB); len(stale) > 0 {
		t.Errorf("the same configuration and database: stale %q", stale)
	}
}

func TestFileModeAndNoSecrets(t *testing.T) {
	dir := configDir(t, nil)
	cfg := load(t, dir, "root_password="+canaryPassword)
	f, err := planfile.New(samplePlan(), cfg, sampleDB, planfile.Options{}, "9.9.9", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "plan.json")
	// A file already there with a wide mode is replaced by one of 0600.
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := planfile.Write(path, f); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, canary := range []string{canaryPassword, canaryToken, canarySecret, "canary"} {
		if bytes.Contains(b, []byte(canary)) {
			t.Errorf("the plan file holds the secret %q", canary)
		}
	}
	for _, key := range []string{`"format_version": "4"`, `"roster_version": "9.9.9"`, `"created": `, `"system_identifier": "7300000000000000001"`,
		`"hash": "`, `"salt": "`, `"options": {`, `"targets": []`} {
		if !bytes.Contains(b, []byte(key)) {
			t.Errorf("the plan file lacks %s:\n%s", key, b)
		}
	}
	// Two plans of the same configuration have different salts, and so
	// different hashes: a digest cannot be matched across plan files.
	g, err := planfile.New(samplePlan(), cfg, sampleDB, planfile.Options{}, "9.9.9", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if g.Config.Salt == f.Config.Salt || g.Config.Hash == f.Config.Hash || g.Config.Secrets[0].Digest == f.Config.Secrets[0].Digest {
		t.Errorf("two plans share a salt, hash or digest: %+v and %+v", f.Config, g.Config)
	}
}

func TestStale(t *testing.T) {
	dir := configDir(t, nil)
	f, err := planfile.New(samplePlan(), load(t, dir, "root_password="+canaryPassword), sampleDB, planfile.Options{}, "9.9.9", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const configChanged = "the configuration changed since the plan was made (a *.hcl file, a file it reads, or a variable value)"
	for _, tc := range []struct {
		name  string
		cfg   *schema.Config
		db    planfile.Database
		stale []string
	}{
		{"same", load(t, dir, "root_password="+canaryPassword), sampleDB, nil},
		{"read from another directory name", load(t, dir+"/.", "root_password="+canaryPassword), sampleDB, nil},
		{"variable value", load(t, dir, "root_password=other"), sampleDB,
			[]string{configChanged, "user.root: password is not the one the plan was made with"}},
		{"file() contents", load(t, configDir(t, map[string]string{"bio.txt": "Another bio."}), "root_password="+canaryPassword), sampleDB,
			[]string{configChanged}},
		{"a comment in a *.hcl file", load(t, configDir(t, map[string]string{"users.hcl": config + "# reviewed\n"}), "root_password="+canaryPassword), sampleDB,
			[]string{configChanged}},
		{"another *.hcl file", load(t, configDir(t, map[string]string{"more.hcl": "user \"alice\" {}\n"}), "root_password="+canaryPassword), sampleDB,
			[]string{configChanged}},
		{"an invite token", load(t, configDir(t, map[string]string{"users.hcl": strings.Replace(config, canaryToken, canaryToken+"x", 1)}), "root_password="+canaryPassword), sampleDB,
			[]string{configChanged, "invite.spring: token is not the one the plan was made with"}},
		{"a database of another name", load(t, dir, "root_password="+canaryPassword), withName(sampleDB, "other"),
			[]string{`another database: the plan was made against the database "pleroma" (system identifier 7300000000000000001); this is the database "other" (system identifier 7300000000000000001)`}},
		{"another cluster", load(t, dir, "root_password="+canaryPassword), withSysID(sampleDB, "7300000000000000002"),
			[]string{`another database: the plan was made against the database "pleroma" (system identifier 7300000000000000001); this is the database "pleroma" (system identifier 7300000000000000002)`}},
		{"the same database by address", load(t, dir, "root_password="+canaryPassword), withSysID(sampleDB, ""), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The secrets are checked on the plan made again, here the same.
			got := append(f.Stale(tc.cfg, tc.db), f.Secrets(samplePlan(), tc.cfg)...)
			if !reflect.DeepEqual(got, tc.stale) {
				t.Errorf("stale:\n got %q\nwant %q", got, tc.stale)
			}
		})
	}
}

// TestStaleCostsOneDerivation: a plan file's key derivation is the one
// roster writes, whatever the file says: another iteration count or salt is
// refused without deriving anything (a file asking for 10^15 iterations
// would run for ever), and the secrets are digested for the plan made
// again, not for the changes the file lists (20,000 copies of a change
// would cost 20,000 derivations).
func TestStaleCostsOneDerivation(t *testing.T) {
	dir := configDir(t, nil)
	cfg := load(t, dir, "root_password="+canaryPassword)
	f, err := planfile.New(samplePlan(), cfg, sampleDB, planfile.Options{}, "9.9.9", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	const refused = "the plan file's configuration hash cannot be checked (its salt or key derivation is not the one roster writes)"
	for name, edit := range map[string]func(c *planfile.Config){
		"iterations":  func(c *planfile.Config) { c.Iterations = 1_000_000_000_000_000 },
		"fewer":       func(c *planfile.Config) { c.Iterations = 1 },
		"kdf":         func(c *planfile.Config) { c.KDF = "scrypt" },
		"a long salt": func(c *planfile.Config) { c.Salt = strings.Repeat("00", 1<<20) },
	} {
		g := *f
		edit(&g.Config)
		if got := g.Stale(cfg, sampleDB); len(got) != 1 || got[0] != refused {
			t.Errorf("%s: stale %q, want the refusal", name, got)
		}
	}
	many := *f.Plan
	for range 20_000 {
		many.Changes = append(many.Changes, f.Plan.Changes[2])
	}
	g := *f
	g.Plan = &many // what the file lists is not what is digested
	if got := g.Secrets(samplePlan(), cfg); len(got) != 0 {
		t.Errorf("the secrets of the plan made again: %q", got)
	}
	other := samplePlan()
	other.Changes = other.Changes[2:] // the invite only
	if got := g.Secrets(other, load(t, configDir(t, map[string]string{"users.hcl": strings.Replace(config, canaryToken, canaryToken+"x", 1)}), "root_password="+canaryPassword)); len(got) != 1 {
		t.Errorf("a token changed: %q, want one line", got)
	}
}

func withName(d planfile.Database, name string) planfile.Database { d.Name = name; return d }

func withSysID(d planfile.Database, id string) planfile.Database {
	d.SystemIdentifier = id
	if id == "" {
		d.IdentifiedBy = planfile.ByAddress
	}
	return d
}

func TestReadRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if _, err := planfile.Read(write("users.hcl", "user \"a\" {}\n"), ""); !errors.Is(err, planfile.ErrNotPlan) {
		t.Errorf("an HCL file: %v, want ErrNotPlan", err)
	}
	var v *planfile.VersionError
	if _, err := planfile.Read(write("future.json", `{"format_version": "5", "roster_version": "9.9.9", "plan": {}}`), ""); !errors.As(err, &v) {
		t.Errorf("format version 5: %v, want a VersionError", err)
	}
	// Format 3 recorded one digest of a change's accounts: its plans are
	// not read.
	if _, err := planfile.Read(write("format3.json", `{"format_version": "3", "roster_version": "9.9.9", "plan": {"changes": []}}`), "9.9.9"); !errors.As(err, &v) ||
		!strings.Contains(err.Error(), `format3.json has format version "3"; this roster reads only format version "4"`) {
		t.Errorf("format version 3: %v, want a VersionError", err)
	}
	// Format 2 spelled addresses the old way (invite.#12): its plans are
	// not read, even by the same roster version.
	if _, err := planfile.Read(write("format2.json", `{"format_version": "2", "roster_version": "9.9.9", "plan": {"changes": []}}`), "9.9.9"); !errors.As(err, &v) ||
		!strings.Contains(err.Error(), `format2.json has format version "2"; this roster reads only format version "4"`) {
		t.Errorf("format version 2: %v, want a VersionError", err)
	}
	path := write("old.json", `{"format_version": "4", "roster_version": "0.0.1", "plan": {"changes": []}}`)
	if _, err := planfile.Read(path, "9.9.9"); !errors.As(err, &v) || !strings.Contains(err.Error(), "made by roster v0.0.1; this is roster v9.9.9") {
		t.Errorf("another roster version: %v, want a VersionError", err)
	}
	if _, err := planfile.Read(path, ""); err != nil {
		t.Errorf("another roster version, not checked: %v", err)
	}
}

// TestReadIdentity reads a real database's identity, then as a role that
// may not call pg_control_system(): the identity falls back to the address
// and says why.
func TestReadIdentity(t *testing.T) {
	url := pgtest.New(t, pgtest.Pleroma)
	ctx := t.Context()
	conn := pgtest.Connect(t, url)
	d, err := planfile.ReadIdentity(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	if d.IdentifiedBy != planfile.BySystemIdentifier || d.SystemIdentifier == "" || !strings.HasPrefix(d.Name, "roster_test_") || d.Port == 0 {
		t.Errorf("identity as the owner: %+v", d)
	}

	role := "planfile_" + strings.TrimPrefix(d.Name, "roster_test_")
	pgtest.Exec(t, url, "CREATE ROLE "+role+" LOGIN")
	t.Cleanup(func() { pgtest.Exec(t, url, "DROP ROLE "+role) })
	// Function privileges belong to the database: this revokes nothing
	// anywhere else.
	pgtest.Exec(t, url, "REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC")
	cc, err := pgx.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cc.User = role
	limited, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		t.Fatal(err)
	}
	defer limited.Close(ctx)
	l, err := planfile.ReadIdentity(ctx, limited)
	if err != nil {
		t.Fatal(err)
	}
	if l.IdentifiedBy != planfile.ByAddress || l.SystemIdentifier != "" || l.Name != d.Name || l.Host != d.Host || l.Port != d.Port ||
		!strings.Contains(l.Why, "permission denied") {
		t.Errorf("identity of a role that may not read pg_control_system(): %+v", l)
	}
	if diff := d.Differs(l); diff != nil {
		t.Errorf("the same database, identified once by system identifier and once by address, differs: %q", diff)
	}
}

// TestParseRefusesMalformed: whoever can write a plan file decides its
// bytes. Anything but the layout roster writes is refused as not a plan,
// with exit code 1 at the command line, and never panics: a value of the
// wrong type, an attribute or field roster does not write, an action a
// type cannot have, a control character in an address, a truncated file,
// two documents, a file far too large.
func TestParseRefusesMalformed(t *testing.T) {
	cfg := load(t, configDir(t, nil), "root_password="+canaryPassword)
	f, err := planfile.New(samplePlan(), cfg, sampleDB, planfile.Options{}, "9.9.9", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	good, err := f.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := planfile.Parse("plan.json", good, "9.9.9"); err != nil {
		t.Fatalf("the file as written: %v", err)
	}
	// edit decodes the file, changes it and encodes it again.
	edit := func(change func(doc map[string]any)) []byte {
		var doc map[string]any
		if err := json.Unmarshal(good, &doc); err != nil {
			t.Fatal(err)
		}
		change(doc)
		b, err := json.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	changes := func(doc map[string]any) []any { return doc["plan"].(map[string]any)["changes"].([]any) }
	check := func(doc map[string]any, i int) map[string]any {
		return doc["plan"].(map[string]any)["checks"].([]any)[i].(map[string]any)
	}
	attr := func(doc map[string]any, c, a int) map[string]any {
		return changes(doc)[c].(map[string]any)["attributes"].([]any)[a].(map[string]any)
	}
	for name, b := range map[string][]byte{
		"a string where a bool goes":  edit(func(d map[string]any) { attr(d, 0, 0)["after"] = "yes" }),
		"a number where a bool goes":  edit(func(d map[string]any) { attr(d, 0, 0)["after"] = 1 }),
		"an object as a value":        edit(func(d map[string]any) { attr(d, 0, 0)["before"] = map[string]any{} }),
		"a fraction":                  edit(func(d map[string]any) { attr(d, 2, 0)["after"] = 5.5 }),
		"a value on a secret":         edit(func(d map[string]any) { attr(d, 0, 1)["after"] = "hunter2" }),
		"an unknown attribute":        edit(func(d map[string]any) { attr(d, 0, 0)["name"] = "is_superuser" }),
		"an unknown field":            edit(func(d map[string]any) { changes(d)[0].(map[string]any)["sql"] = "DROP TABLE users" }),
		"an unknown top-level field":  edit(func(d map[string]any) { d["apply_first"] = true }),
		"an unknown action":           edit(func(d map[string]any) { changes(d)[0].(map[string]any)["action"] = "truncate" }),
		"an invite deleted":           edit(func(d map[string]any) { changes(d)[2].(map[string]any)["action"] = "delete" }),
		"an unknown type":             edit(func(d map[string]any) { changes(d)[0].(map[string]any)["type"] = "database" }),
		"an escape in an address":     edit(func(d map[string]any) { changes(d)[0].(map[string]any)["address"] = "user.root\x1b[2J" }),
		"no address":                  edit(func(d map[string]any) { changes(d)[0].(map[string]any)["address"] = "" }),
		"another object's address":    edit(func(d map[string]any) { changes(d)[0].(map[string]any)["address"] = "user.hatter" }),
		"another type's address":      edit(func(d map[string]any) { changes(d)[2].(map[string]any)["address"] = "user.spring" }),
		"an address respelled":        edit(func(d map[string]any) { changes(d)[0].(map[string]any)["address"] = `user["root"]` }),
		"no plan":                     edit(func(d map[string]any) { delete(d, "plan") }),
		"a check's address respelled": edit(func(d map[string]any) { check(d, 0)["address"] = "check.other" }),
		"a check named by no label":   edit(func(d map[string]any) { check(d, 0)["name"], check(d, 0)["address"] = "1st", "check.1st" }),
		"a check's unknown status":    edit(func(d map[string]any) { check(d, 1)["status"] = "skipped" }),
		"an escape in a check's file": edit(func(d map[string]any) { check(d, 1)["source"].(map[string]any)["filename"] = "x\x1b[2J" }),
		"the old spelling": edit(func(d map[string]any) {
			changes(d)[2].(map[string]any)["nickname"] = "#7"
			changes(d)[2].(map[string]any)["address"] = "invite.#7"
		}),
		"an escape in the server URL": edit(func(d map[string]any) {
			d["plan"].(map[string]any)["server"].(map[string]any)["url"] = "https://x\x1b[2J"
		}),
		"an escape in the database": edit(func(d map[string]any) { d["database"].(map[string]any)["system_identifier"] = "1\x1b]0;x\x07" }),
		"an escape in a note":       edit(func(d map[string]any) { changes(d)[0].(map[string]any)["notes"] = []any{"\x1b[31m"} }),
		"accounts on a user change": edit(func(d map[string]any) {
			changes(d)[0].(map[string]any)["accounts"] = changes(d)[3].(map[string]any)["accounts"]
		}),
		"a bucket out of range": edit(func(d map[string]any) {
			changes(d)[3].(map[string]any)["accounts"].([]any)[1].(map[string]any)["bucket"] = 256
		}),
		"buckets out of order": edit(func(d map[string]any) {
			changes(d)[3].(map[string]any)["accounts"].([]any)[1].(map[string]any)["bucket"] = 7
		}),
		"an empty bucket": edit(func(d map[string]any) {
			changes(d)[3].(map[string]any)["accounts"].([]any)[0].(map[string]any)["count"] = 0
		}),
		"a digest not of 32 hex digits": edit(func(d map[string]any) {
			changes(d)[3].(map[string]any)["accounts"].([]any)[0].(map[string]any)["digest"] = "all of them"
		}),
		"accounts as one digest, as format 3 wrote them": edit(func(d map[string]any) {
			changes(d)[3].(map[string]any)["accounts"] = "0123456789abcdef0123456789abcdef"
		}),
		"truncated":     good[:len(good)/2],
		"two documents": append(append([]byte{}, good...), good...),
		"not JSON":      []byte("\x00\x01\x02"),
		"empty":         {},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := planfile.Parse("plan.json", b, "9.9.9")
			if !errors.Is(err, planfile.ErrNotPlan) {
				t.Errorf("err = %v, want ErrNotPlan", err)
			}
		})
	}
}

// TestReadBounded: a plan file is read only when it is a regular file no
// larger than MaxFileSize: a FIFO, /dev/zero or a huge file is refused
// without being read.
func TestReadBounded(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	fh, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(planfile.MaxFileSize + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	fh.Close()
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{big, fifo, "/dev/zero", dir} {
		var e *confine.Error
		if _, err := planfile.Read(path, ""); !errors.As(err, &e) {
			t.Errorf("%s: %v, want a refusal", path, err)
		}
	}
}
