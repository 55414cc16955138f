package addrs_test

import (
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"golang.org/x/text/unicode/norm"

	"github.com/roster-project/roster/internal/addrs"
)

func TestOf(t *testing.T) {
	for _, tc := range []struct{ typ, name, want string }{
		{"local_users", "", "local_users"},
		{"user", "alice", "user.alice"},
		{"user", "alice-b", "user.alice-b"}, // HCL identifiers may hold -
		{"user", "_x", "user._x"},
		{"user", "Zed_9", "user.Zed_9"},
		{"user", "1abc", `user["1abc"]`},
		{"user", "-x", `user["-x"]`},
		{"user", "42", `user["42"]`},
		{"remote_instance", "spam.example", `remote_instance["spam.example"]`},
		{"remote_instance", "spam.example:8443", `remote_instance["spam.example:8443"]`},
		{"remote_instance", "localhost", "remote_instance.localhost"},
		{"invite", "#12", `invite["#12"]`},
		{"invite", "spring-2027", "invite.spring-2027"},
		{"invite", "spring 2027", `invite["spring 2027"]`},
		{"invite", "été", "invite.été"},
		{"invite", `a"b\c`, `invite["a\"b\\c"]`},
		{"invite", "a\nb\tc\r", `invite["a\nb\tc\r"]`},
		{"invite", "${x} %{y} $x %y", `invite["$${x} %%{y} $x %y"]`},
		{"invite", "a]b.c", `invite["a\u005db.c"]`},
		{"invite", "a\x00\x1b", `invite["a\u0000\u001b"]`},
		{"invite", "nb\u00a0sp zw\u200bj", `invite["nb\u00a0sp zw\u200bj"]`},
		{"invite", "tag\U000e0041", `invite["tag\U000e0041"]`},
		{"invite", "🎉", `invite["🎉"]`},
		{"tag", "staff", "tag.staff"},
		{"role", "admin", "role.admin"},
	} {
		if got := addrs.Of(tc.typ, tc.name); got != tc.want {
			t.Errorf("Of(%q, %q) = %s, want %s", tc.typ, tc.name, got, tc.want)
		}
		if got := (addrs.Object{Type: tc.typ, Name: tc.name}).String(); got != tc.want {
			t.Errorf("String of %q %q = %s, want %s", tc.typ, tc.name, got, tc.want)
		}
		roundTrip(t, tc.typ, tc.name)
	}
}

// nicknames are every valid nickname shape of the servers' rule
// ^[a-zA-Z0-9_-]+$ (a digit, a dash or an underscore first, or last);
// domains are remote instances' labels; invites' names are any string.
var (
	nicknames = []string{"a", "A", "0", "_", "-", "--", "a-", "-a", "_a", "a_", "1a", "a1", "Alice", "alice-b", "alice_b",
		"9pQtDGXuq4p3VlcJEm", "0-0", "null", "true", "for", "in", "if", "user", strings.Repeat("x", 255)}
	domains = []string{"spam.example", "xn--bcher-kva.example", "spam.example:8443", "localhost", "10.0.0.1",
		"a-b.example", "example", "1.example", "[::1]:4000"}
	names = []string{"#1", "#123456789", "spring-2027", "spring.2027", "spring 2027", "x]", "[", "]]", `"`, `\`,
		`\u0041`, "$", "%", "${", "%{", "$${", "%%{", "$$${x}", "${${", "a\u0301", "e\u0301té", "\u00e9",
		"ǅ", "İ", "Ω", "\u200d", "a\u200db", "\ufeff", "\U0010ffff", "\x7f", "\t", "//", "/*x*/", "# x", "x#y", "a.b.c"}
)

func TestRoundTrip(t *testing.T) {
	for _, n := range nicknames {
		roundTrip(t, "user", n)
	}
	for _, d := range domains {
		roundTrip(t, "remote_instance", d)
	}
	for _, n := range append(append(names, nicknames...), domains...) {
		roundTrip(t, "invite", n)
	}
}

func FuzzRoundTrip(f *testing.F) {
	for _, n := range append(append(names, nicknames...), domains...) {
		f.Add(n)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if name == "" || !utf8.ValidString(name) {
			return // no object has such a name: labels and rows are UTF-8
		}
		roundTrip(t, "invite", name)
	})
}

// roundTrip checks that the address of typ and name reads back, by Parse
// and by ParsePattern (a name without glob characters matches itself),
// without a diagnostic, as the same object; that HCL's own traversal
// parser reads it as two steps (the type, then the name as an attribute or
// an index key, which cty holds in NFC); and that a tool that splits an
// address at the dots outside brackets, a bracket ending at the first ],
// splits it into the type and the name, or keeps it whole when the name is
// an index, as it does Terraform's aws_instance["a"].
func roundTrip(t *testing.T, typ, name string) {
	t.Helper()
	a := addrs.Of(typ, name)
	want := addrs.Object{Type: typ, Name: name}
	o, diags := addrs.Parse(a)
	if len(diags) > 0 || o != want {
		t.Fatalf("Parse(%s) = %#v, %v; want %#v", a, o, diags, want)
	}
	if !strings.ContainsAny(name, `*?[\`) {
		if o, diags := addrs.ParsePattern(a); len(diags) > 0 || o != want {
			t.Fatalf("ParsePattern(%s) = %#v, %v; want %#v", a, o, diags, want)
		}
	}
	tr, diags := hclsyntax.ParseTraversalAbs([]byte(a), "", hcl.InitialPos)
	if diags.HasErrors() {
		t.Fatalf("HCL cannot read %s: %v", a, diags)
	}
	if name == "" {
		if len(tr) != 1 {
			t.Fatalf("HCL reads %s as %d steps", a, len(tr))
		}
		return
	}
	if len(tr) != 2 || tr.RootName() != typ {
		t.Fatalf("HCL reads %s as %d steps from %s", a, len(tr), tr.RootName())
	}
	switch step := tr[1].(type) {
	case hcl.TraverseAttr:
		if step.Name != name {
			t.Fatalf("HCL reads %s as .%s", a, step.Name)
		}
	case hcl.TraverseIndex:
		if step.Key.AsString() != norm.NFC.String(name) {
			t.Fatalf("HCL reads %s as [%q]", a, step.Key.AsString())
		}
	}
	steps := splitLikeTfSummarize(a)
	dotted := len(steps) == 2 && steps[0] == typ && steps[1] == name
	indexed := len(steps) == 1 && strings.HasPrefix(a, typ+"[")
	if !dotted && !indexed {
		t.Fatalf("a tree would split %s into %q", a, steps)
	}
	if strings.ContainsFunc(a, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		t.Fatalf("%q holds a control character", a)
	}
}

// splitLikeTfSummarize splits an address at the dots outside brackets, a
// bracket running to the first ] after it, as tf-summarize's tree view
// does (its behaviour, written here from its description).
func splitLikeTfSummarize(a string) []string {
	var out []string
	var cur strings.Builder
	for i := 0; i < len(a); i++ {
		switch a[i] {
		case '[':
			end := strings.IndexByte(a[i:], ']')
			if end < 0 {
				end = len(a) - i - 1
			}
			cur.WriteString(a[i : i+end+1])
			i += end
		case '.':
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(a[i])
		}
	}
	return append(out, cur.String())
}

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want addrs.Object
		old  bool // read with a warning
	}{
		{"user.alice", addrs.Object{"user", "alice"}, false},
		{"USER.Alice", addrs.Object{"user", "Alice"}, false},
		{`user["alice"]`, addrs.Object{"user", "alice"}, false},
		{`user["1abc"]`, addrs.Object{"user", "1abc"}, false},
		{"local_users", addrs.Object{"local_users", ""}, false},
		{`invite["a\u005db"]`, addrs.Object{"invite", "a]b"}, false},
		{`invite["a\u0041"]`, addrs.Object{"invite", "aA"}, false},
		{`invite["#1"]`, addrs.Object{"invite", "#1"}, false},
		{`remote_instance["spam.example"]`, addrs.Object{"remote_instance", "spam.example"}, false},
		// The old spelling: type, dot, name.
		{"user.1abc", addrs.Object{"user", "1abc"}, true},
		{"user.-x", addrs.Object{"user", "-x"}, true},
		{"invite.#1", addrs.Object{"invite", "#1"}, true},
		{"remote_instance.spam.example", addrs.Object{"remote_instance", "spam.example"}, true},
		{"remote_instance.spam.example:8443", addrs.Object{"remote_instance", "spam.example:8443"}, true},
		{"user.alice#x", addrs.Object{"user", "alice#x"}, true},
		{"user.alice//x", addrs.Object{"user", "alice//x"}, true},
	} {
		o, diags := addrs.Parse(tc.in)
		if diags.HasErrors() || o != tc.want || (len(diags) == 1) != tc.old || len(diags) > 1 {
			t.Errorf("Parse(%s) = %#v, %v; want %#v (old spelling: %t)", tc.in, o, diags, tc.want, tc.old)
			continue
		}
		if tc.old {
			d := diags[0]
			if d.Severity != hcl.DiagWarning || d.Summary != "Deprecated address spelling" || !strings.Contains(d.Detail, "Write "+tc.want.String()+":") {
				t.Errorf("Parse(%s) warns %s: %s", tc.in, d.Summary, d.Detail)
			}
		}
	}
	for _, in := range []string{"", ".", "user.", ".alice", "user alice", " user.alice", "user.alice ", "user. alice", "user .alice",
		`user [ "alice" ]`, `user[""]`, "user[1]", `user["a"].b`, `user["a"]["b"]`, `user["a`, "user[alice]", "*.alice",
		"user.alice\n", "user.a\x00", "user.a b", "user#x", "/*x*/user.alice", `user["a"]#x`} {
		o, diags := addrs.Parse(in)
		if !diags.HasErrors() {
			t.Errorf("Parse(%q) = %#v, %v; want an error", in, o, diags)
			continue
		}
		if diags[0].Summary != "Invalid address" || !strings.Contains(diags[0].Detail, "is not an address") {
			t.Errorf("Parse(%q) errs %s: %s", in, diags[0].Summary, diags[0].Detail)
		}
	}
}

func TestParsePattern(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want addrs.Object
		old  bool
	}{
		{"user.*", addrs.Object{"user", "*"}, false},
		{"user.z*", addrs.Object{"user", "z*"}, false},
		{"user.?ob", addrs.Object{"user", "?ob"}, false},
		{"*.bob", addrs.Object{"*", "bob"}, false},
		{"*.*", addrs.Object{"*", "*"}, false},
		{`user["[a-z]*"]`, addrs.Object{"user", "[a-z]*"}, false},
		{`invite["#*"]`, addrs.Object{"invite", "#*"}, false},
		{`remote_instance["*.example"]`, addrs.Object{"remote_instance", "*.example"}, false},
		{"local_users", addrs.Object{"local_users", ""}, false},
		{"user.[a-z]*", addrs.Object{"user", "[a-z]*"}, true},
		{"invite.#*", addrs.Object{"invite", "#*"}, true},
		{"remote_instance.*.example", addrs.Object{"remote_instance", "*.example"}, true},
		{"*.1*", addrs.Object{"*", "1*"}, true},
		{"user.[d]ave", addrs.Object{"user", "[d]ave"}, true},
		{"invite.[ab]]x", addrs.Object{"invite", "[ab]]x"}, true},
	} {
		o, diags := addrs.ParsePattern(tc.in)
		if diags.HasErrors() || o != tc.want || (len(diags) == 1) != tc.old || len(diags) > 1 {
			t.Errorf("ParsePattern(%s) = %#v, %v; want %#v (old spelling: %t)", tc.in, o, diags, tc.want, tc.old)
			continue
		}
		if tc.old {
			// The spelling the warning gives reads as the same pattern.
			now := regexp.MustCompile(`Write (.*): roster`).FindStringSubmatch(diags[0].Detail)
			if now == nil {
				t.Fatalf("ParsePattern(%s) warns %s", tc.in, diags[0].Detail)
			}
			if o2, diags := addrs.ParsePattern(now[1]); len(diags) > 0 || o2 != o {
				t.Errorf("ParsePattern(%s) suggests %s, which reads as %#v, %v", tc.in, now[1], o2, diags)
			}
		}
	}
	for _, in := range []string{"", "user.[a", `user["[a"]`, "user[*]", "**.bob", "u*.bob", "user.* ", "user .*"} {
		if o, diags := addrs.ParsePattern(in); !diags.HasErrors() {
			t.Errorf("ParsePattern(%q) = %#v, %v; want an error", in, o, diags)
		}
	}
}

// The warning names the old and the new spelling, and nothing else.
func TestOldSpellingWarning(t *testing.T) {
	_, diags := addrs.Parse("remote_instance.spam.example")
	want := hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Deprecated address spelling",
		Detail: `remote_instance.spam.example is the old spelling of remote_instance["spam.example"], which Terraform's tools cannot read. Write remote_instance["spam.example"]: roster reads the old spelling, with this warning.`}}
	if d := cmp.Diff(want, diags); d != "" {
		t.Error(d)
	}
	if !regexp.MustCompile(`"user\.1 x" is not an address`).MatchString(mustErr(t, "user.1 x")) {
		t.Error(mustErr(t, "user.1 x"))
	}
}

func mustErr(t *testing.T, s string) string {
	t.Helper()
	_, diags := addrs.Parse(s)
	if !diags.HasErrors() {
		t.Fatalf("Parse(%q) gives no error", s)
	}
	return diags[0].Detail
}

// Whatever Parse and ParsePattern read without an error, they read again
// from its address as the same object, without a warning.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"user.alice", `invite["#1"]`, "invite.#1", "user.*", `user["[a-z]*"]`, "*.bob", "local_users",
		"remote_instance.spam.example", `user["a\u005d"]`, `x["$${"]`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if o, diags := addrs.Parse(s); !diags.HasErrors() {
			if o2, diags := addrs.Parse(o.String()); len(diags) > 0 || o2 != o {
				t.Fatalf("Parse(%q) = %#v, whose address %s reads as %#v, %v", s, o, o, o2, diags)
			}
		}
		if o, diags := addrs.ParsePattern(s); !diags.HasErrors() && o.Type != "*" && !strings.ContainsAny(o.Name, "*?[") {
			if o2, diags := addrs.ParsePattern(o.String()); len(diags) > 0 || o2 != o {
				t.Fatalf("ParsePattern(%q) = %#v, whose address %s reads as %#v, %v", s, o, o, o2, diags)
			}
		}
	})
}
