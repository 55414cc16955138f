package schema_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/roster-project/roster/schema"
)

func TestSecretNeverFormatted(t *testing.T) {
	const pw = "curiouser and curiouser"
	cfg := load(t, "example", schema.Inputs{Vars: []string{"alice_password=" + pw}})
	u := cfg.User("alice")
	if u.Password.Reveal() != pw {
		t.Fatalf("Reveal() = %q, want %q", u.Password.Reveal(), pw)
	}
	out := fmt.Sprintf("%v %+v %#v %s", u.Password, u, u, u.Password)
	out += fmt.Sprintf(" %v %+v %#v %q %x", *u, *u, *u, u.Password, u.Password)
	out += fmt.Sprint(u.Password, []schema.Secret{u.Password}, map[string]schema.Secret{"p": u.Password})
	b, err := json.Marshal(u)
	if err != nil {
		t.Fatal(err)
	}
	out += string(b)
	if strings.Contains(out, pw) || strings.Contains(out, fmt.Sprintf("%x", pw)) {
		t.Errorf("the password is in\n%s", out)
	}
	if !strings.Contains(out, "(sensitive value)") {
		t.Errorf("no redaction in\n%s", out)
	}
}

// TestSensitiveDiagnostics loads testdata/invalid/sensitive, whose errors
// all involve values of sensitive variables (TestLoadInvalid checks which
// errors), and checks that neither the diagnostics nor their rendering by
// HCL's diagnostic writer contain those values.
func TestSensitiveDiagnostics(t *testing.T) {
	in := sensitiveInputs()
	cfg, diags := schema.Load("testdata/invalid/sensitive", in)
	if !diags.HasErrors() {
		t.Fatal("no errors")
	}
	var out bytes.Buffer
	w := hcl.NewDiagnosticTextWriter(&out, cfg.Files, 100, false)
	if err := w.WriteDiagnostics(diags); err != nil {
		t.Fatal(err)
	}
	for _, d := range diags {
		fmt.Fprintf(&out, "%s\n%s\n%v\n", d.Summary, d.Detail, d)
	}
	text := strings.ToLower(out.String())
	for _, kv := range in.Vars {
		_, value, _ := strings.Cut(kv, "=")
		if strings.Contains(text, strings.ToLower(value)) {
			t.Errorf("the value of sensitive %s is in the diagnostics:\n%s", kv, out.String())
		}
	}
	if strings.Contains(text, "hunter2") {
		t.Errorf("a part of a sensitive value is in the diagnostics:\n%s", out.String())
	}

	details := map[string]string{}
	for _, d := range diags {
		details[d.Summary] = d.Detail
	}
	if d := details["Invalid e-mail address"]; !strings.Contains(d, `"(sensitive value)" does not match`) {
		t.Errorf("the e-mail error does not name the value as (sensitive value): %q", d)
	}

	// The same file with variables that are not sensitive names the values,
	// so the checks above are not vacuous.
	src, err := os.ReadFile("testdata/invalid/sensitive/main.hcl")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	src = bytes.ReplaceAll(src, []byte("sensitive = true"), []byte("sensitive = false"))
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), src, 0o644); err != nil {
		t.Fatal(err)
	}
	_, diags = schema.Load(dir, in)
	var plain strings.Builder
	for _, d := range diags {
		fmt.Fprintf(&plain, "%s: %s\n", d.Summary, d.Detail)
	}
	for _, v := range []string{"hunter2-mail", "hunter2-word"} {
		if !strings.Contains(plain.String(), v) {
			t.Errorf("%q is not in the diagnostics even when its variable is not sensitive:\n%s", v, plain.String())
		}
	}
}

// TestVarFileNotInFiles: a variables file holds values that may be secret,
// so Config.Files, the sources for snippets, leaves it out; a warning about
// it names the file and line without quoting the line.
func TestVarFileNotInFiles(t *testing.T) {
	const file = "testdata/vars/precedence-1.vars"
	cfg, diags := schema.Load("testdata/valid/precedence", schema.Inputs{VarFiles: []string{file}})
	if len(diags) != 1 || diags[0].Severity != hcl.DiagWarning {
		t.Fatalf("diagnostics:\n%s\nwant one warning", diagList(diags))
	}
	if _, ok := cfg.Files[file]; ok || len(cfg.Files) != 1 || cfg.Files["main.hcl"] == nil {
		t.Errorf("Files holds %d files, want only main.hcl", len(cfg.Files))
	}
	var out bytes.Buffer
	if err := hcl.NewDiagnosticTextWriter(&out, cfg.Files, 100, false).WriteDiagnostics(diags); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "hunter2") {
		t.Errorf("a value of the variables file is in the warning:\n%s", out.String())
	}
	if !strings.Contains(out.String(), filepath.ToSlash(file)+" line 3") {
		t.Errorf("the warning does not name %s line 3:\n%s", file, out.String())
	}
}
