package cli_test

import (
	"os"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// TestReadmeGuardrails: the checks the README's Guardrails section shows
// are the ones checks_readme.txtar runs, byte for byte.
func TestReadmeGuardrails(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	a, err := txtar.ParseFile("testdata/script/checks_readme.txtar")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range a.Files {
		if f.Name != "checks.hcl" {
			continue
		}
		if !strings.Contains(string(readme), "```hcl\n"+string(f.Data)+"```\n") {
			t.Errorf("README.md does not show checks_readme.txtar's checks.hcl as it is:\n%s", f.Data)
		}
		return
	}
	t.Fatal("checks_readme.txtar has no checks.hcl")
}
