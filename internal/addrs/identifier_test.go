package addrs

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// TestIdentifierIsHCLs: the shortcut for ASCII names decides as HCL's
// scanner does: every ASCII string of up to two characters, every one of
// three over the characters that matter, and random longer ones.
func TestIdentifierIsHCLs(t *testing.T) {
	hcl := func(s string) bool { return hclsyntax.ValidIdentifier(s) && !strings.ContainsFunc(s, hidden) }
	check := func(s string) {
		if got, want := identifier(s), hcl(s); got != want {
			t.Errorf("identifier(%q) = %t, HCL says %t", s, got, want)
		}
	}
	check("")
	for a := range 128 {
		check(string(rune(a)))
		for b := range 128 {
			check(string([]rune{rune(a), rune(b)}))
		}
	}
	const some = "aZ09_-.#@ \x00\x7f\"é"
	for _, a := range some {
		for _, b := range some {
			for _, c := range some {
				check(string([]rune{a, b, c}))
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "abcXYZ019_-_-.$"
	for range 20_000 {
		b := make([]byte, 1+r.IntN(20))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
}
