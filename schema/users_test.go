package schema_test

import (
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/schema"
)

const hash = "$pbkdf2-sha512$160000$loXqbp8GYls43F0i6lEfIw$AY.Ep.2pGe57j2hAPY635sI/6w7l9Q9u9Bp02PkPmF3OrClDtJAI8bCiivPr53OKMF7ph6iHhN68Rom5nEfC2A"

// csvSamples are, for each attribute of a user block, a cell of a CSV file
// and the HCL literal of the value a user block would give for it. A new
// attribute needs one: TestUsersEveryAttributeFromCSV fails without.
var csvSamples = map[string]struct{ cell, literal string }{
	account.Email:              {"ann@example.org", `"ann@example.org"`},
	account.Name:               {`"Liddell, Ann"`, `"Liddell, Ann"`},
	account.Bio:                {"\"She said \"\"hi\"\"\r\non two lines\"", `"She said \"hi\"\non two lines"`},
	account.Admin:              {"true", "true"},
	account.Moderator:          {"true", "true"},
	account.Confirmed:          {"false", "false"},
	account.Approved:           {"false", "false"},
	account.Locked:             {"true", "true"},
	account.Active:             {"false", "false"},
	account.Tags:               {"Staff;verified", `["Staff", "verified"]`},
	account.Password:           {"pw-one", `"pw-one"`},
	account.InitialPassword:    {"pw-two", `"pw-two"`},
	account.PasswordHash:       {hash, strconv.Quote(hash)},
	account.State:              {"absent", `"absent"`},
	account.SessionsValidAfter: {"2026-01-02T03:04:05.5Z", `"2026-01-02T03:04:05.5Z"`},
	account.MFA:                {"false", "false"},
}

// rosterFiles writes a users block over staff.csv, one row per attribute of
// a user block (account.Configured) with only that attribute's cell, and
// the same accounts as user blocks in blocks/. The CSV has what a
// spreadsheet writes: a byte order mark, CRLF line ends, quoted fields with
// commas, quotes and line breaks.
func rosterFiles(t *testing.T) (csvDir, blocksDir string, lines map[string]int) {
	t.Helper()
	attrs := account.Configured()
	var csv, users, blocks strings.Builder
	csv.WriteString("\ufeffnickname," + strings.Join(attrs, ",") + "\r\n")
	users.WriteString("users \"staff\" {\n  for_each = { for row in csvdecode(file(\"staff.csv\")) : row.nickname => row }\n")
	lines = map[string]int{}
	line := 2
	for _, name := range attrs {
		s, ok := csvSamples[name]
		if !ok {
			t.Fatalf("%s: no sample in csvSamples", name)
		}
		nick := "u_" + name
		lines[nick] = line
		line += 1 + strings.Count(s.cell, "\n")
		cells := []string{nick}
		for _, other := range attrs {
			if other == name {
				cells = append(cells, s.cell)
			} else {
				cells = append(cells, "")
			}
		}
		csv.WriteString(strings.Join(cells, ",") + "\r\n")
		value := "each.value." + name
		if name == account.Tags {
			value = `split(";", each.value.tags)`
		}
		fmt.Fprintf(&users, "  %s = each.value.%s == \"\" ? null : %s\n", name, name, value)
		fmt.Fprintf(&blocks, "user %q {\n  %s = %s\n}\n", nick, name, s.literal)
	}
	users.WriteString("}\n")
	csvDir = writeFiles(t, t.TempDir(), map[string]string{"staff.csv": csv.String(), "users.hcl": users.String()})
	blocksDir = writeFiles(t, t.TempDir(), map[string]string{"users.hcl": blocks.String()})
	return csvDir, blocksDir, lines
}

// TestUsersEveryAttributeFromCSV: each attribute of a user block may be
// set from a CSV row through each.value, and decodes to what a user block
// that gives the same value decodes to; each account says which block and
// which line of the file it came from.
func TestUsersEveryAttributeFromCSV(t *testing.T) {
	csvDir, blocksDir, lines := rosterFiles(t)
	fromCSV, diags := schema.Load(csvDir, schema.Inputs{})
	fromBlocks, blockDiags := schema.Load(blocksDir, schema.Inputs{})
	if errs := errorsOf(diags); len(errs) > 0 || len(errorsOf(blockDiags)) > 0 {
		t.Fatalf("diagnostics:\n%s\n%s", diagList(errs), diagList(errorsOf(blockDiags)))
	}
	if len(fromCSV.Users) != len(fromBlocks.Users) {
		t.Fatalf("%d users from the CSV, %d from blocks", len(fromCSV.Users), len(fromBlocks.Users))
	}
	for _, want := range fromBlocks.Users {
		got := fromCSV.User(want.Nickname)
		if got == nil {
			t.Errorf("no user %q from the CSV", want.Nickname)
			continue
		}
		if g, w := decoded(got), decoded(want); !reflect.DeepEqual(g, w) {
			t.Errorf("%s from the CSV:\n%#v\nfrom a block:\n%#v", want.Nickname, g, w)
		}
		if got.Address() != want.Address() {
			t.Errorf("address %s, want %s", got.Address(), want.Address())
		}
		wantFrom := schema.Instance{Block: "users.staff", Data: schema.DataPos{File: "staff.csv", Line: lines[want.Nickname]}}
		if got.From == nil || got.From.Block != wantFrom.Block || got.From.Data != wantFrom.Data {
			t.Errorf("%s comes from %+v, want %+v", want.Nickname, got.From, wantFrom)
		}
	}
}

// decodedUser is what the planner and the applier use of a User.
type decodedUser struct {
	Declared           account.Declared
	Mode               schema.PasswordMode
	Password           string
	Absent             bool
	SessionsValidAfter string
	MFA                *bool
	Sensitive          map[string]bool
	Attributes         []string
}

func decoded(u *schema.User) decodedUser {
	d := decodedUser{Declared: u.Declared, Mode: u.PasswordMode, Password: u.Password.Reveal(), Absent: u.Absent, MFA: u.MFA, Sensitive: map[string]bool{}}
	if u.SessionsValidAfter != nil {
		d.SessionsValidAfter = u.SessionsValidAfter.String()
	}
	for name, s := range u.Sensitive {
		if s {
			d.Sensitive[name] = true
		}
	}
	for name := range u.Ranges {
		d.Attributes = append(d.Attributes, name)
	}
	sortStrings(d.Attributes)
	return d
}

func sortStrings(s []string) {
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
}

// TestUsersForEachSet: over a set of strings, each.key and each.value are
// the nickname; the accounts are addressed user.<nickname>, quoted when
// the nickname is not an identifier.
func TestUsersForEachSet(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"users.hcl": `
users "helpers" {
  for_each = toset(["ben", "ann", "1abc"])
  name     = "${upper(each.key)} ${each.value}"
  tags     = ["helper"]
}
`})
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if diags.HasErrors() {
		t.Fatal(diagList(diags))
	}
	var got []string
	for _, u := range cfg.Users {
		got = append(got, fmt.Sprintf("%s %s %s %s %q", u.Address(), *u.Name, u.Tags, u.From.Block, u.From.Data))
	}
	want := []string{`user["1abc"] 1ABC 1abc [helper] users.helpers ""`, `user.ann ANN ann [helper] users.helpers ""`, `user.ben BEN ben [helper] users.helpers ""`}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("users %q, want %q", got, want)
	}
}

// TestUsersForEachMapOfObjects: over a map written in the configuration,
// each.value is the map's value.
func TestUsersForEachMapOfObjects(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"users.hcl": `
locals {
  staff = {
    ann = { email = "ann@example.org", admin = true }
    ben = { email = "ben@example.org", admin = false }
  }
}
users "staff" {
  for_each = local.staff
  email    = each.value.email
  admin    = each.value.admin
}
role "admin" {
  members = [for nick, u in local.staff : nick if u.admin]
}
`})
	cfg, diags := schema.Load(dir, schema.Inputs{})
	if diags.HasErrors() {
		t.Fatal(diagList(diags))
	}
	if ann, ben := cfg.User("ANN"), cfg.User("ben"); ann == nil || ben == nil || *ann.Email != "ann@example.org" || !*ann.Admin || *ben.Admin {
		t.Errorf("users %+v", cfg.Users)
	}
	if !cfg.Roles["admin"].Has("ann") || cfg.Roles["admin"].Has("ben") {
		t.Errorf("role admin: %v", cfg.Roles["admin"].Members)
	}
}

// loadErrors loads files and returns the details of its errors by summary.
func loadErrors(t *testing.T, files map[string]string, in schema.Inputs) (map[string][]string, hcl.Diagnostics) {
	t.Helper()
	cfg, diags := schema.Load(writeFiles(t, t.TempDir(), files), in)
	out := map[string][]string{}
	for _, d := range errorsOf(diags) {
		out[d.Summary] = append(out[d.Summary], d.Detail)
	}
	rendered(t, cfg, diags) // renders without failing
	return out, diags
}

// TestUsersErrorsLocated: a bad value from a data file is reported at the
// users block's attribute, naming the file's line, the account and the
// block.
func TestUsersErrorsLocated(t *testing.T) {
	tests := map[string]struct {
		data, decode string
		want         map[string]string
	}{
		"csv": {
			data:   "nickname,email\r\nann,ann@example.org\r\nben,\"not-an-email\"\r\nbad nick,c@example.org\r\n",
			decode: `csvdecode(file("staff.csv"))`,
			want: map[string]string{
				"Invalid e-mail address": `staff.csv line 3, user.ben of users.staff: "not-an-email" does not match the server's e-mail format.`,
				"Invalid nickname":       `staff.csv line 4, user["bad nick"] of users.staff: "bad nick" does not match the server's nickname rule`,
			},
		},
		"json": {
			data:   "[\n  {\"nickname\": \"ann\",\n   \"email\": \"ann@example.org\"},\n  {\"nickname\": \"ben\",\n   \"email\": \"not-an-email\"},\n  {\"nickname\": \"bad nick\", \"email\": \"c@example.org\"}\n]\n",
			decode: `jsondecode(file("staff.csv"))`,
			want: map[string]string{
				"Invalid e-mail address": `staff.csv line 5, user.ben of users.staff: "not-an-email" does not match`,
				"Invalid nickname":       `staff.csv line 6, user["bad nick"] of users.staff: "bad nick" does not match`,
			},
		},
		"yaml": {
			data:   "- nickname: ann\n  email: ann@example.org\n- nickname: ben\n  email: not-an-email\n",
			decode: `yamldecode(file("staff.csv"))`,
			want:   map[string]string{"Invalid e-mail address": `staff.csv, user.ben of users.staff: "not-an-email" does not match`},
		},
		"not straight from the file": {
			data:   "nickname,email\nann,ann@example.org\nben,not-an-email\n",
			decode: `csvdecode(chomp(file("staff.csv")))`,
			want:   map[string]string{"Invalid e-mail address": `user.ben of users.staff: "not-an-email" does not match`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs, diags := loadErrors(t, map[string]string{"staff.csv": tc.data, "users.hcl": `users "staff" {
  for_each = { for row in ` + tc.decode + ` : row.nickname => row }
  email    = each.value.email
}
`}, schema.Inputs{})
			for summary, want := range tc.want {
				if len(errs[summary]) != 1 || !strings.HasPrefix(errs[summary][0], want) {
					t.Errorf("%s: %q, want one starting %q", summary, errs[summary], want)
				}
			}
			for _, d := range errorsOf(diags) {
				if line := map[string]int{"Invalid e-mail address": 3, "Invalid nickname": 2}[d.Summary]; d.Subject.Filename != "users.hcl" || d.Subject.Start.Line != line {
					t.Errorf("%s at %s, want users.hcl line %d", d.Summary, d.Subject, line)
				}
			}
		})
	}
}

// TestUsersDuplicates: an account declared twice, by two blocks or twice
// in one map, is an error that names both places.
func TestUsersDuplicates(t *testing.T) {
	csv := "nickname,email\nann,ann@example.org\nben,ben@example.org\nBen,ben2@example.org\n"
	tests := map[string]struct {
		hcl     string
		summary string
		want    []string
	}{
		"user block and users block": {
			hcl: `users "staff" {
  for_each = { for row in csvdecode(file("staff.csv")) : row.nickname => row if row.nickname != "Ben" }
}
user "ANN" {
}
`,
			summary: "Duplicate user",
			want:    []string{`A user "ann" was already declared by users.staff (staff.csv line 2) at users.hcl:1,1-14.`},
		},
		"two users blocks": {
			hcl: `users "staff" {
  for_each = toset(["cat"])
}
users "helpers" {
  for_each = toset(["dan", "cat"])
}
`,
			summary: "Duplicate user",
			want:    []string{`user.cat of users.helpers: A user "cat" was already declared by users.staff at users.hcl:1,1-14.`},
		},
		"one map, case-insensitively": {
			hcl: `users "staff" {
  for_each = { for row in csvdecode(file("staff.csv")) : row.nickname => row }
}
`,
			summary: "Duplicate user",
			want:    []string{`staff.csv line 3, user.ben of users.staff: A user "Ben" was already declared by users.staff (staff.csv line 4) at users.hcl:1,1-14.`},
		},
		"one map, exactly": {
			hcl: `users "staff" {
  for_each = { for row in csvdecode(file("staff.csv")) : lower(row.nickname) => row }
}
`,
			summary: "Duplicate object key",
			want:    []string{`Two different items produced the key "ben" in this 'for' expression: staff.csv lines 3 and 4.`},
		},
		"same e-mail address": {
			hcl: `users "staff" {
  for_each = { for row in csvdecode(file("staff.csv")) : row.nickname => row if row.nickname != "Ben" }
  email    = "same@example.org"
}
`,
			summary: "Duplicate e-mail address",
			want:    []string{`staff.csv line 3, user.ben of users.staff: User "ben" has the same e-mail address as user "ann" (staff.csv line 2, user.ann of users.staff, users.hcl:3,14-32).`},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			errs, _ := loadErrors(t, map[string]string{"staff.csv": csv, "users.hcl": tc.hcl}, schema.Inputs{})
			got := errs[tc.summary]
			if len(got) != len(tc.want) {
				t.Fatalf("%s: %q, want %q; all errors: %q", tc.summary, got, tc.want, errs)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tc.want[i]) {
					t.Errorf("%s:\n%s\nwant it to start\n%s", tc.summary, got[i], tc.want[i])
				}
			}
		})
	}
}

// TestUsersEmptyCSV: a CSV file of its header line only declares no
// account; an empty file is an error, since a truncated export must not
// read as "nobody" to a prune policy.
func TestUsersEmptyCSV(t *testing.T) {
	block := "users \"staff\" {\n  for_each = { for row in csvdecode(file(\"staff.csv\")) : row.nickname => row }\n  email = each.value.email\n}\n"
	cfg, diags := schema.Load(writeFiles(t, t.TempDir(), map[string]string{"staff.csv": "nickname,email\r\n", "users.hcl": block}), schema.Inputs{})
	if diags.HasErrors() || len(cfg.Users) != 0 {
		t.Errorf("a header line alone: %d users, diagnostics:\n%s", len(cfg.Users), diagList(diags))
	}
	errs, _ := loadErrors(t, map[string]string{"staff.csv": "", "users.hcl": block}, schema.Inputs{})
	if got := errs["Invalid function argument"]; len(got) != 1 || !strings.Contains(got[0], "staff.csv is empty") {
		t.Errorf("an empty file: %q", errs)
	}
}

// TestUsersSameErrorOnce: an expression that fails for every account of a
// block is reported once, for the first account, saying for how many more.
func TestUsersSameErrorOnce(t *testing.T) {
	errs, _ := loadErrors(t, map[string]string{"staff.csv": "nickname,email\nann,a@example.org\nben,b@example.org\ncat,c@example.org\n",
		"users.hcl": "users \"staff\" {\n  for_each = { for row in csvdecode(file(\"staff.csv\")) : row.nickname => row }\n  email = each.value.mail\n}\n"}, schema.Inputs{})
	got := errs["Unsupported attribute"]
	if len(got) != 1 || !strings.HasPrefix(got[0], "staff.csv line 2, user.ann of users.staff: ") || !strings.HasSuffix(got[0], "(The same for 2 more accounts of users.staff.)") {
		t.Errorf("Unsupported attribute: %q", got)
	}
}

// TestUsersPartial: validate without variable values checks a users block
// whose for_each is not known yet, as far as each is not needed.
func TestUsersPartial(t *testing.T) {
	files := map[string]string{"users.hcl": `variable "staff" {}
users "staff" {
  for_each = var.staff
  email    = each.value.email
  name     = local.nope
}
`}
	errs, _ := loadErrors(t, files, schema.Inputs{Partial: true})
	if len(errs) != 1 || len(errs["Unsupported attribute"]) != 1 {
		t.Errorf("errors %q, want one about local.nope", errs)
	}
}

// TestUsersSensitive: each.value may carry sensitive values into any user
// attribute, which stays sensitive; a sensitive for_each is refused, since
// its keys become nicknames in plans.
func TestUsersSensitive(t *testing.T) {
	files := map[string]string{"users.hcl": `variable "passwords" {
  sensitive = true
  default   = { ann = "Canary 7C1E9B/@x", ben = "pw-ben" }
}
variable "nicks" {
  sensitive = true
  default   = ["cat"]
}
users "staff" {
  for_each = toset(["ann", "ben"])
  password = var.passwords[each.key]
}
users "secret" {
  for_each = toset(var.nicks)
}
`}
	cfg, diags := schema.Load(writeFiles(t, t.TempDir(), files), schema.Inputs{})
	if out := strings.ToLower(string(rendered(t, cfg, diags))); strings.Contains(out, canaryMark) {
		t.Errorf("the secret is shown:\n%s", out)
	}
	if ann := cfg.User("ann"); ann == nil || !ann.Sensitive[account.Password] || ann.Password.Reveal() != canary {
		t.Errorf("ann: %+v", ann)
	}
	if !hasError(diags, "users.hcl", 14, "Invalid for_each argument") || len(errorsOf(diags)) != 1 {
		t.Errorf("diagnostics:\n%s\nwant Invalid for_each argument at line 14", diagList(diags))
	}
	_, diags = schema.Load(writeFiles(t, t.TempDir(), map[string]string{"users.hcl": "variable \"nicks\" {}\nusers \"staff\" {\n  for_each = toset(split(\",\", var.nicks))\n}\n"}),
		schema.Inputs{Environ: []string{schema.EnvPrefix + "nicks=ann,ben"}})
	if !hasError(diags, "users.hcl", 3, "Invalid for_each argument") {
		t.Errorf("nicknames from the environment: %s", diagList(diags))
	}
}

// TestUsersSensitiveEachTellsNothing: each.value may carry a sensitive value
// from a for_each that is not sensitive as a whole (a map whose values
// are); which accounts' expressions fail would then tell the secret a
// guess per account, so the errors of such a block are the one error with
// no place, whatever the secret.
func TestUsersSensitiveEachTellsNothing(t *testing.T) {
	dir := writeFiles(t, t.TempDir(), map[string]string{"users.hcl": `variable "pw" {
  sensitive = true
}
users "probe" {
  for_each = { a = substr(var.pw, 0, 1), b = substr(var.pw, 1, 1), c = substr(var.pw, 2, 1) }
  state    = each.value == "h" ? "absent" : "bad"
  bio      = [1][each.value == "u" ? 5 : 0]
  email    = "${each.value}@" # fails whatever the secret: a run tells one bit at most
}
`})
	render := func(secret string) string {
		cfg, diags := schema.Load(dir, schema.Inputs{Vars: []string{"pw=" + secret}})
		return string(rendered(t, cfg, diags))
	}
	first := render("hun")
	if !strings.Contains(first, "Error in a sensitive value") || strings.Contains(first, "line") {
		t.Errorf("the errors about the secret are not one error without a place:\n%s", first)
	}
	for _, other := range []string{"abc", "hhh", "uuu"} {
		if got := render(other); got != first {
			t.Errorf("the diagnostics of secret %q differ from those of \"hun\":\n%s\n---\n%s", other, got, first)
		}
	}
}

// TestUsersManyAccountsReadFiles: a users block of enough accounts to be
// decoded on every core, each reading files with file() and
// templatefile(), decodes as the same accounts one by one would, and its
// errors come in the accounts' order (run it with -race).
func TestUsersManyAccountsReadFiles(t *testing.T) {
	const n = 1000
	files := map[string]string{
		"bio.tftpl": "Hello, ${nick}.",
		"users.hcl": fmt.Sprintf(`
users "many" {
  for_each = toset([for i in range(%d) : format("u%%04d", i)])
  bio      = templatefile("bio.tftpl", { nick = each.key })
  name     = trimspace(file("names/${each.key}.txt"))
  email    = tonumber(substr(each.key, 1, 4)) %% 250 == 0 ? "not-an-email" : "${each.key}@example.org"
}
`, n),
	}
	for i := range n {
		files[fmt.Sprintf("names/u%04d.txt", i)] = fmt.Sprintf("Name %d\n", i)
	}
	cfg, diags := schema.Load(writeFiles(t, t.TempDir(), files), schema.Inputs{})
	var bad []string
	for _, d := range errorsOf(diags) {
		bad = append(bad, d.Detail)
	}
	var format []string
	for _, d := range bad {
		if strings.Contains(d, "does not match the server's e-mail format") {
			nick, _, _ := strings.Cut(d, " ")
			format = append(format, nick)
		}
	}
	if got, want := strings.Join(format, " "), "user.u0000 user.u0250 user.u0500 user.u0750"; got != want {
		t.Errorf("e-mail format errors for %s, want %s, in that order", got, want)
	}
	if cfg == nil || len(cfg.Users) != n {
		t.Fatalf("config %v", cfg)
	}
	for i, u := range cfg.Users {
		nick := fmt.Sprintf("u%04d", i)
		if u.Nickname != nick || u.Name == nil || *u.Name != fmt.Sprintf("Name %d", i) || u.Bio == nil || *u.Bio != "Hello, "+nick+"." {
			t.Fatalf("account %d: %s name %v bio %v", i, u.Nickname, u.Name, u.Bio)
		}
	}
}
