// Package addrs writes and reads the addresses that name roster's objects
// in plans, drift reports, diagnostics, --target and ignore files:
// user.alice, invite["#12"], remote_instance["spam.example"], local_users.
//
// An address is an HCL traversal of at most two steps, as Terraform's
// resource addresses are: the object's type, then its name as an attribute
// when the name is an HCL identifier, or else as an index with the name
// quoted as an HCL string. So Terraform's tools read it: tf-summarize's tree
// splits an address at the dots outside brackets, and HCL's own traversal
// parser reads it back. Of is the one function that writes an address,
// Parse the one that reads it; ParsePattern reads the globs of an ignore
// file.
//
// roster wrote every address as the type and the name joined by a dot
// before (remote_instance.spam.example, invite.#12, user.1abc), which no
// Terraform tool can split. Parse still reads that spelling, with a warning
// that gives the new one.
package addrs

import (
	"fmt"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

// Object is what an address names: an object's type and its name, which
// is empty for an object of which there is one (local_users).
type Object struct {
	Type string
	Name string
}

// String is the object's address.
func (o Object) String() string { return Of(o.Type, o.Name) }

// Of returns the address of the object of type typ named name: typ alone
// when name is empty, typ.name when name is an HCL identifier of printable
// characters, else typ["name"], name quoted as an HCL string (with HCL's
// escapes, and every character that is not printable escaped). Parse reads
// it back exactly, whatever the name.
func Of(typ, name string) string {
	switch {
	case name == "":
		return typ
	case identifier(name):
		return typ + "." + name
	}
	return typ + "[" + quote(name, true) + "]"
}

// identifier reports whether name is an HCL identifier of printable
// characters. A name of ASCII characters, as every nickname roster manages
// is, is decided by HCL's rule for them (a letter or _, then letters,
// digits, _ and -) without HCL's scanner, which costs a microsecond a name
// and is called for each account drift lists.
func identifier(name string) bool {
	ascii := true
	for i := 0; i < len(name) && ascii; i++ {
		ascii = name[i] < utf8.RuneSelf
	}
	if !ascii {
		return hclsyntax.ValidIdentifier(name) && !strings.ContainsFunc(name, hidden)
	}
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case (c >= '0' && c <= '9' || c == '-') && i > 0:
		default:
			return false
		}
	}
	return name != ""
}

// pattern writes a pattern as Of writes an address, but with the glob
// characters * and ? allowed in a name after a dot, and a ] in a quoted
// name left as it is: it ends a glob's class ([a-z]), and only roster
// reads a pattern.
func pattern(o Object) string {
	masked := strings.NewReplacer("*", "x", "?", "x").Replace(o.Name)
	switch {
	case o.Name != "" && hclsyntax.ValidIdentifier(masked) && !strings.ContainsFunc(o.Name, hidden):
		return o.Type + "." + o.Name
	case strings.Contains(o.Name, "]"):
		return o.Type + "[" + quote(o.Name, false) + "]"
	}
	return o.String()
}

// quote writes s as an HCL quoted string: HCL's escapes for quotes,
// backslashes, newlines, carriage returns and tabs; a template introducer
// (${ and %{) doubled, as HCL reads it literally; a closing bracket (when
// bracket is set), and any character that is not printable, as \uXXXX or
// \UXXXXXXXX. It does not normalize s (cty's strings do), so that the name
// comes back byte for byte.
func quote(s string, bracket bool) string {
	var b strings.Builder
	b.WriteByte('"')
	for i, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case (r == '$' || r == '%') && strings.HasPrefix(s[i+1:], "{"):
			b.WriteRune(r)
			b.WriteRune(r)
		case r == ']' && bracket:
			// HCL has no escape for it but \u005d, which keeps a tool
			// that takes a bracket to end at the first ] (tf-summarize's
			// tree) from ending it inside the name.
			b.WriteString(`\u005d`)
		case hidden(r) && r < 0x10000:
			fmt.Fprintf(&b, `\u%04x`, r)
		case hidden(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// hidden reports whether r is not printable as it is: a control or format
// character, a space other than ASCII's, or an unassigned code point.
func hidden(r rune) bool { return !unicode.IsPrint(r) }

// Parse reads an address as Of writes it, or in any spelling HCL reads as
// the same traversal (user["alice"] is user.alice). The type is
// lower-cased; the name is kept as written. The old spelling, the type, a
// dot and a name that is not an identifier (invite.#12), is read with a
// warning that gives the new one. Anything else is an error. Parse does not
// know the types: its caller checks the type it got.
func Parse(s string) (Object, hcl.Diagnostics) { return parse(s, false) }

// ParsePattern reads an address pattern of an ignore file: an address as
// Parse reads it whose name is a glob, as path.Match reads it. The type may
// be * (any type), and a name written after a dot may hold the glob
// characters * and ? besides an identifier's: user.*, user.z*. A pattern
// with brackets ([a-z]) is written as a quoted name: user["[a-z]*"].
func ParsePattern(s string) (Object, hcl.Diagnostics) {
	o, diags := parse(s, true)
	if diags.HasErrors() {
		return o, diags
	}
	if o.Type != "*" && !hclsyntax.ValidIdentifier(o.Type) {
		return Object{}, invalid(s, "its type is neither a type nor *")
	}
	if _, err := path.Match(o.Name, ""); err != nil {
		return Object{}, invalid(s, "its name is not a glob pattern")
	}
	return o, diags
}

// parse reads s as an address, or as an address pattern when glob is set:
// it then reads * as a type, and * and ? in a name after a dot, by reading
// them as letters (a 1-byte letter for a 1-byte character, so that every
// range HCL gives is a range of s).
func parse(s string, glob bool) (Object, hcl.Diagnostics) {
	if !utf8.ValidString(s) {
		return Object{}, invalid(s, "it is not UTF-8")
	}
	src := []byte(s)
	if glob {
		src = maskGlobs(s)
	}
	if o, ok := traversal(s, src); ok {
		return o, nil
	}
	if o, ok := oldSpelling(s, glob); ok {
		now := o.String()
		if glob {
			now = pattern(o)
		}
		return o, hcl.Diagnostics{{Severity: hcl.DiagWarning, Summary: "Deprecated address spelling",
			Detail: fmt.Sprintf("%s is the old spelling of %s, which Terraform's tools cannot read. Write %s: roster reads the old spelling, with this warning.",
				s, now, now)}}
	}
	return Object{}, invalid(s, "")
}

// traversal reads src, s with its glob characters masked, as HCL's
// traversal parser does, and returns the object s names when src is a
// traversal of a type and at most one name (an attribute, or an index by a
// non-empty string), written without spaces or comments between its
// tokens.
func traversal(s string, src []byte) (Object, bool) {
	toks, diags := hclsyntax.LexExpression(src, "", hcl.InitialPos)
	if diags.HasErrors() || !tight(toks) {
		return Object{}, false
	}
	tr, diags := hclsyntax.ParseTraversalAbs(src, "", hcl.InitialPos)
	if diags.HasErrors() || len(tr) == 0 || len(tr) > 2 {
		return Object{}, false
	}
	root := tr[0].(hcl.TraverseRoot)
	o := Object{Type: strings.ToLower(s[root.SrcRange.Start.Byte:root.SrcRange.End.Byte])}
	if len(tr) == 1 {
		return o, true
	}
	switch step := tr[1].(type) {
	case hcl.TraverseAttr:
		end := step.SrcRange.End.Byte
		o.Name = s[end-len(step.Name) : end]
	case hcl.TraverseIndex:
		if !step.Key.Type().Equals(cty.String) {
			return Object{}, false
		}
		o.Name = quoted(toks)
	}
	return o, o.Name != ""
}

// tight reports whether toks follow each other with nothing between them
// (no space) and hold no comment or newline.
func tight(toks hclsyntax.Tokens) bool {
	for i, t := range toks {
		if t.Type == hclsyntax.TokenComment || t.Type == hclsyntax.TokenNewline {
			return false
		}
		if i == 0 && t.Range.Start.Byte != 0 || i > 0 && toks[i-1].Range.End.Byte != t.Range.Start.Byte {
			return false
		}
	}
	return true
}

// quoted returns the text of the first quoted string of toks, with HCL's
// escapes read as HCL's parser reads them, token by token, but without
// normalizing it to Unicode's NFC as a cty string is: the index key of a
// traversal is a cty string, and a name is kept byte for byte.
func quoted(toks hclsyntax.Tokens) string {
	var b strings.Builder
	in := false
	for _, t := range toks {
		switch t.Type {
		case hclsyntax.TokenOQuote:
			in = true
		case hclsyntax.TokenCQuote:
			return b.String()
		case hclsyntax.TokenQuotedLit:
			if in {
				lit, _ := hclsyntax.ParseStringLiteralToken(t)
				b.WriteString(lit)
			}
		}
	}
	return b.String()
}

// maskGlobs returns s with * and ? outside quotes read as the letter x.
func maskGlobs(s string) []byte {
	src := []byte(s)
	in, escaped := false, false
	for i, c := range src {
		switch {
		case escaped:
			escaped = false
		case in && c == '\\':
			escaped = true
		case c == '"':
			in = !in
		case !in && (c == '*' || c == '?'):
			src[i] = 'x'
		}
	}
	return src
}

// oldSpelling reads s as roster's old spelling of an address: a type, a
// dot, and a name of printable characters and no space. In a pattern the
// type may be *.
func oldSpelling(s string, glob bool) (Object, bool) {
	typ, name, ok := strings.Cut(s, ".")
	if !ok || name == "" || strings.ContainsFunc(name, func(r rune) bool { return hidden(r) || unicode.IsSpace(r) }) {
		return Object{}, false
	}
	if !hclsyntax.ValidIdentifier(typ) && !(glob && typ == "*") {
		return Object{}, false
	}
	return Object{Type: strings.ToLower(typ), Name: name}, true
}

// invalid is the error of s, which is not an address; why, when not
// empty, says why.
func invalid(s, why string) hcl.Diagnostics {
	detail := fmt.Sprintf("%q is not an address", s)
	if why != "" {
		detail += ": " + why
	}
	detail += `. An address is a type and a name, the name after a dot when it is an identifier and in quotes and brackets when it is not: user.alice, invite["#12"], remote_instance["spam.example"]; or local_users.`
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Invalid address", Detail: detail}}
}
