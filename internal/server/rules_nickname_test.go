package server

import (
	"regexp"
	"testing"
)

// TestValidNicknameMatchesPattern: the byte-by-byte check agrees with the
// documented pattern on every string of up to three bytes over a mixed
// alphabet, in both formats, and on non-ASCII input.
func TestValidNicknameMatchesPattern(t *testing.T) {
	alphabet := []string{"a", "Z", "0", "9", "_", "-", ".", "@", " ", "é", "\x00", "\n"}
	var inputs []string
	var grow func(prefix string, n int)
	grow = func(prefix string, n int) {
		inputs = append(inputs, prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			grow(prefix+c, n-1)
		}
	}
	grow("", 3)
	inputs = append(inputs, "alice\n", "bob\u00e9", "internal.fetch", "a_b-c")
	for _, ext := range []bool{false, true} {
		l := Limits{ExtendedNicknameFormat: ext}
		re := regexp.MustCompile(`\A` + l.NicknamePattern()[1:len(l.NicknamePattern())-1] + `\z`)
		for _, in := range inputs {
			if got, want := l.ValidNickname(in), re.MatchString(in); got != want {
				t.Errorf("extended=%v ValidNickname(%q) = %v, the pattern says %v", ext, in, got, want)
			}
		}
	}
}
