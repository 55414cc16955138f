package account

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"
)

// TestColumns checks that Columns, the constant the benchmarks read, is the
// table's SELECT list, and that ScanTargets scans one target a column.
func TestColumns(t *testing.T) {
	if got, want := strings.Join(strings.Fields(Columns), " "), strings.Join(strings.Fields(selectList()), " "); got != want {
		t.Errorf("Columns does not follow the table; write it as\n%s", selectList())
	}
	if n := len((&Row{}).ScanTargets()); n != columns {
		t.Errorf("ScanTargets returns %d targets, want %d", n, columns)
	}
	seen := map[any]bool{}
	for _, p := range (&Row{}).ScanTargets() {
		if seen[p] {
			t.Errorf("ScanTargets holds the target %T twice", p)
		}
		seen[p] = true
	}
}

// TestEveryAttribute checks what each layer needs of an attribute: a unique
// name, a place in the configuration or the plan, and for a compared one
// the same kind in both, a column to write and one to read.
func TestEveryAttribute(t *testing.T) {
	names := map[string]bool{}
	for a := range All() {
		if names[a.Name] {
			t.Errorf("%s: listed twice", a.Name)
		}
		names[a.Name] = true
		if a.Config == None && a.On == 0 {
			t.Errorf("%s: neither configured nor planned", a.Name)
		}
		if a.Secret && a.Plan != None {
			t.Errorf("%s: a secret whose value a plan holds", a.Name)
		}
		if a.Role && a.Config != Bool {
			t.Errorf("%s: a role that is not a bool", a.Name)
		}
		if !a.Compared() {
			if a.declare != nil || a.live != nil {
				t.Errorf("%s: half compared", a.Name)
			}
			if a.On&OnDelete != 0 {
				t.Errorf("%s: a deletion shows its value before, but there is no live value", a.Name)
			}
			continue
		}
		switch {
		case a.Config == None || a.Config != a.Plan:
			t.Errorf("%s: configured as %v, planned as %v", a.Name, a.Config, a.Plan)
		case a.On&OnCreate == 0 || a.On&OnUpdate == 0:
			t.Errorf("%s: compared but not created and updated", a.Name)
		case a.Column == "" || a.scan == nil || a.declare == nil || a.live == nil:
			t.Errorf("%s: compared without a column, a scan or a field", a.Name)
		}
	}
}

// samples are values of each compared attribute other than a new account's:
// a new attribute needs one here.
var samples = map[string]any{
	Email:     "alice@example.org",
	Name:      "Alice",
	Bio:       "Hello",
	Admin:     true,
	Moderator: true,
	Confirmed: false,
	Approved:  false,
	Locked:    true,
	Active:    false,
	Tags:      []string{"staff", "verified"},
}

// TestRoundTrip checks for every compared attribute that a declared value
// is the desired one, that a scanned value is the live one, and that the
// two are equal.
func TestRoundTrip(t *testing.T) {
	for a := range Compared() {
		v, ok := samples[a.Name]
		if !ok {
			t.Errorf("%s: no sample value", a.Name)
			continue
		}
		if reflect.DeepEqual(v, a.Default) {
			t.Errorf("%s: the sample is the default", a.Name)
		}
		var d Declared
		if a.Desired(&d) != nil {
			t.Errorf("%s: managed in an empty block", a.Name)
		}
		a.Declare(&d, v)
		if got := a.Desired(&d); !reflect.DeepEqual(got, v) {
			t.Errorf("%s: declared %v, desired %v", a.Name, v, got)
		}
		var r Row
		for _, p := range a.scan(&r, nil) {
			scanInto(t, a.Name, p, v)
		}
		if got := a.Live(&r); !reflect.DeepEqual(got, v) || !a.Equal(got, a.Desired(&d)) {
			t.Errorf("%s: scanned %v, live %v", a.Name, v, got)
		}
	}
}

// scanInto stores v in a scan target, as pgx would.
func scanInto(t *testing.T, name string, p, v any) {
	t.Helper()
	switch p := p.(type) {
	case *bool:
		*p = v.(bool)
	case *string:
		*p = v.(string)
	case **string:
		s := v.(string)
		*p = &s
	case *[]string:
		*p = v.([]string)
	default:
		t.Errorf("%s: no sample for a scan target %T", name, p)
	}
}

func TestTagsAreASet(t *testing.T) {
	a, _ := Lookup(Tags)
	var d Declared
	a.Declare(&d, []string{"Staff", "staff", "Bot"})
	if got, want := a.Desired(&d), []string{"staff", "bot"}; !reflect.DeepEqual(got, want) {
		t.Errorf("declared tags %v, want %v", got, want)
	}
	r := Row{Tags: []string{"bot", "staff", "staff"}}
	if !a.Equal(a.Live(&r), a.Desired(&d)) {
		t.Errorf("tags %v and %v differ", a.Live(&r), a.Desired(&d))
	}
	// The server compares stored tags exactly: "STAFF" is not "staff", and
	// its untag, given "STAFF", looks for "staff".
	r = Row{Tags: []string{"bot", "STAFF", "staff", "STAFF"}}
	if got, want := a.Live(&r), []string{"bot", "STAFF", "staff"}; !reflect.DeepEqual(got, want) {
		t.Errorf("stored tags %v, want %v", got, want)
	}
	if got, want := r.FixedTags(), []string{"STAFF"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fixed tags %v, want %v", got, want)
	}
	if a.Equal([]string{"staff"}, []string{"staff", "bot"}) {
		t.Error("a subset equals its set")
	}
}

func TestBlankBio(t *testing.T) {
	a, _ := Lookup(Bio)
	var d Declared
	a.Declare(&d, " \n")
	if got := a.Desired(&d); got != "" {
		t.Errorf("a blank bio is desired as %q, want \"\" (as stored)", got)
	}
}

// TestNames pins the lists other layers take from the table: the user
// block's attributes, the roles, and the attributes of each change.
func TestNames(t *testing.T) {
	for _, c := range []struct {
		name      string
		got, want []string
	}{
		{"configured", Configured(), []string{"email", "name", "bio", "admin", "moderator", "confirmed", "approved",
			"locked", "active", "tags", "password", "initial_password", "password_hash", "state",
			"sessions_valid_after", "mfa"}},
		{"roles", Roles(), []string{"admin", "moderator"}},
		{"on create", Names(OnCreate), []string{"active", "admin", "ap_id", "approved", "bio", "confirmed", "email", "id",
			"initial_password", "locked", "moderator", "name", "password", "password_hash", "tags"}},
		{"on update (ignorable)", Names(OnUpdate), []string{"active", "admin", "approved", "bio", "confirmed", "email", "locked",
			"mfa", "moderator", "name", "password", "password_hash", "sessions", "tags"}},
		{"on delete", Names(OnDelete), []string{"active", "admin", "email", "moderator", "name", "tags"}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s: %q, want %q", c.name, c.got, c.want)
		}
	}
}

// selectList is the SELECT list that ScanTargets reads: Columns as the
// table makes it.
func selectList() string {
	var cols []string
	for _, c := range own {
		cols = append(cols, c.sql)
	}
	for _, a := range table {
		switch {
		case a.scan == nil:
		case a.read != "":
			cols = append(cols, a.read)
		default:
			cols = append(cols, a.Column)
		}
	}
	return strings.Join(cols, ", ")
}

// TestCloneSharesNothing fills every field of a row, through reflection so
// that a field added later is covered, and requires a Clone equal to it
// whose strings and lists share no memory with it: a row read borrowed is
// kept as its Clone.
func TestCloneSharesNothing(t *testing.T) {
	var r Row
	v := reflect.ValueOf(&r).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		name := v.Type().Field(i).Name
		switch f.Interface().(type) {
		case string:
			f.SetString(name + " value")
		case *string:
			s := name + " value"
			f.Set(reflect.ValueOf(&s))
		case bool:
			f.SetBool(true)
		case []string:
			f.Set(reflect.ValueOf([]string{name + " one", name + " two"}))
		case time.Time:
			f.Set(reflect.ValueOf(time.Date(2026, 12, 7, 6, 0, i, 0, time.UTC)))
		case *time.Time:
			tm := time.Date(2026, 12, 7, 6, 0, i, 0, time.UTC)
			f.Set(reflect.ValueOf(&tm))
		default:
			t.Fatalf("field %s of type %s: teach this test and Clone about it", name, f.Type())
		}
	}
	c := r.Clone()
	if !reflect.DeepEqual(*c, r) {
		t.Fatalf("Clone = %+v, want %+v", *c, r)
	}
	cv := reflect.ValueOf(c).Elem()
	shared := func(a, b string) bool { return len(a) > 0 && unsafe.StringData(a) == unsafe.StringData(b) }
	for i := range v.NumField() {
		name := v.Type().Field(i).Name
		switch orig := v.Field(i).Interface().(type) {
		case string:
			if shared(orig, cv.Field(i).Interface().(string)) {
				t.Errorf("the clone's %s shares its bytes", name)
			}
		case *string:
			p := cv.Field(i).Interface().(*string)
			if p == orig || shared(*orig, *p) {
				t.Errorf("the clone's %s shares its string", name)
			}
		case []string:
			l := cv.Field(i).Interface().([]string)
			if &l[0] == &orig[0] || shared(orig[0], l[0]) {
				t.Errorf("the clone's %s shares its list", name)
			}
		case *time.Time:
			if cv.Field(i).Interface().(*time.Time) == orig {
				t.Errorf("the clone's %s shares its time", name)
			}
		}
	}
	if (&Row{}).Clone().Tags != nil || (&Row{Tags: []string{}}).Clone().Tags == nil {
		t.Error("Clone does not keep an empty list apart from none")
	}
}
