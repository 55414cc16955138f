package applier

import (
	"reflect"
	"testing"
)

// TestMergeTags pins untag then tag as the server runs them (PL
// user.ex:2345-2382): exact comparisons, the stored order kept, untagged
// tags gone (every copy), and Enum.uniq only when tag adds something.
func TestMergeTags(t *testing.T) {
	for name, c := range map[string]struct{ stored, want, out []string }{
		"append":             {[]string{"b", "a"}, []string{"a", "b", "c"}, []string{"b", "a", "c"}},
		"untag":              {[]string{"b", "a", "c"}, []string{"c", "a"}, []string{"a", "c"}},
		"capitals stay":      {[]string{"Staff", "x"}, []string{"Staff", "staff"}, []string{"Staff", "staff"}},
		"untag every copy":   {[]string{"x", "a", "x"}, []string{"a"}, []string{"a"}},
		"untag keeps copies": {[]string{"a", "a", "x"}, []string{"a"}, []string{"a", "a"}},
		"tag removes copies": {[]string{"a", "a"}, []string{"a", "b"}, []string{"a", "b"}},
		"none left":          {[]string{"x"}, []string{}, []string{}},
	} {
		if got := mergeTags(c.stored, c.want); !reflect.DeepEqual(got, c.out) {
			t.Errorf("%s: mergeTags(%q, %q) = %q, want %q", name, c.stored, c.want, got, c.out)
		}
	}
}
