package bench

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/schema"
)

const (
	csvRosterRows   = 10_000
	csvRosterTarget = 0.5 // a CSV roster validates in under half the time of user blocks
	csvRosterRounds = 5
)

// BenchmarkCSVRoster times schema.Load (what validate does) of 10,000
// accounts kept as the rows of a CSV file under a users block, against the
// same accounts written as 10,000 user blocks, in interleaved rounds. The
// CSV roster must take under half the time. No database is needed.
func BenchmarkCSVRoster(b *testing.B) {
	csvDir, blocksDir := b.TempDir(), b.TempDir()
	if err := writeCSVRoster(csvDir, blocksDir, csvRosterRows); err != nil {
		b.Fatal(err)
	}
	if err := sameRoster(csvDir, blocksDir, csvRosterRows); err != nil {
		b.Fatal(err)
	}
	var fromCSV, fromBlocks []time.Duration
	for range csvRosterRounds {
		runtime.GC()
		d, err := loadRoster(csvDir, csvRosterRows)
		if err != nil {
			b.Fatal(err)
		}
		fromCSV = append(fromCSV, d)
		runtime.GC()
		if d, err = loadRoster(blocksDir, csvRosterRows); err != nil {
			b.Fatal(err)
		}
		fromBlocks = append(fromBlocks, d)
	}
	r := &result{scenario: fmt.Sprintf("validate, %d accounts from a CSV file", csvRosterRows), took: median(fromCSV), floor: median(fromBlocks),
		target: fmt.Sprintf("≤ %.1fx", csvRosterTarget), limit: csvRosterTarget}
	r.notes = append(r.notes, fmt.Sprintf("schema.Load of a users block over csvdecode(file(\"staff.csv\")), %d rows of nickname, e-mail, name and tags; "+
		"floor = schema.Load of the same accounts as %d user blocks; medians of %d interleaved rounds", csvRosterRows, csvRosterRows, csvRosterRounds))
	r.report(b)
	fmt.Fprintln(os.Stdout)
	printTable(os.Stdout, []*result{r})
}

// csvRow is one account of the roster: nickname, e-mail, name and tags.
func csvRow(i int) (nick, email, name string, tags []string) {
	nick = fmt.Sprintf("member%05d", i)
	tags = []string{"staff"}
	if i%3 == 0 {
		tags = append(tags, "verified")
	}
	return nick, nick + "@example.org", fmt.Sprintf("Member %d, of the staff", i), tags
}

// writeCSVRoster writes n accounts as staff.csv and a users block in
// csvDir, and as n user blocks in blocksDir.
func writeCSVRoster(csvDir, blocksDir string, n int) error {
	var csv, blocks strings.Builder
	csv.WriteString("nickname,email,name,tags\n")
	for i := range n {
		nick, email, name, tags := csvRow(i)
		fmt.Fprintf(&csv, "%s,%s,\"%s\",%s\n", nick, email, name, strings.Join(tags, ";"))
		fmt.Fprintf(&blocks, "user %s {\n  email = %s\n  name  = %s\n  tags  = [%s]\n}\n\n", quote(nick), quote(email), quote(name),
			strings.Join(quoteAll(tags), ", "))
	}
	users := `users "staff" {
  for_each = { for row in csvdecode(file("staff.csv")) : row.nickname => row }
  email    = each.value.email
  name     = each.value.name
  tags     = split(";", each.value.tags)
}
`
	for path, src := range map[string]string{
		filepath.Join(csvDir, "staff.csv"):    csv.String(),
		filepath.Join(csvDir, "users.hcl"):    users,
		filepath.Join(blocksDir, "users.hcl"): blocks.String(),
	} {
		if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = quote(s)
	}
	return out
}

// loadRoster times schema.Load of dir and checks it declares n users.
func loadRoster(dir string, n int) (time.Duration, error) {
	start := time.Now()
	cfg, diags := schema.Load(dir, schema.Inputs{})
	took := time.Since(start)
	if diags.HasErrors() {
		return 0, errors.New(diags.Error())
	}
	if len(cfg.Users) != n {
		return 0, fmt.Errorf("%s declares %d users, want %d", dir, len(cfg.Users), n)
	}
	return took, nil
}

// sameRoster checks that both directories declare the same n accounts.
func sameRoster(csvDir, blocksDir string, n int) error {
	a, diags := schema.Load(csvDir, schema.Inputs{})
	if diags.HasErrors() {
		return errors.New(diags.Error())
	}
	c, diags := schema.Load(blocksDir, schema.Inputs{})
	if diags.HasErrors() {
		return errors.New(diags.Error())
	}
	if len(a.Users) != n || len(c.Users) != n {
		return fmt.Errorf("%d and %d users, want %d", len(a.Users), len(c.Users), n)
	}
	for _, u := range c.Users {
		v := a.User(u.Nickname)
		if v == nil || !reflect.DeepEqual(v.Declared, u.Declared) {
			return fmt.Errorf("user %s differs: %+v from the CSV, %+v from a block", u.Nickname, v, u)
		}
	}
	return nil
}

// TestCSVRosterLoads checks the benchmark's configurations, fast: both
// declare the same accounts.
func TestCSVRosterLoads(t *testing.T) {
	csvDir, blocksDir := t.TempDir(), t.TempDir()
	if err := writeCSVRoster(csvDir, blocksDir, 300); err != nil {
		t.Fatal(err)
	}
	if err := sameRoster(csvDir, blocksDir, 300); err != nil {
		t.Fatal(err)
	}
}
