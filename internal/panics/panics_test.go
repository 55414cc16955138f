package panics_test

import (
	"errors"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/roster-project/roster/internal/panics"
)

func TestCatch(t *testing.T) {
	sentinel := errors.New("an ordinary error")
	for name, tc := range map[string]struct {
		f    func() error
		want string // the error's message, "" for none
	}{
		"no error":       {func() error { return nil }, ""},
		"an error":       {func() error { return sentinel }, "an ordinary error"},
		"a string panic": {func() error { panic("boom") }, "internal error: boom"},
		"a runtime error": {func() error {
			var s []int
			_ = s[3]
			return nil
		}, "internal error: runtime error: index out of range [3] with length 0"},
		"a multi-line value": {func() error { panic("first line\n\tsecond line\n") }, "internal error: first line second line"},
		"an *Error":          {func() error { panic(&panics.Error{Value: "inner"}) }, "internal error: inner"},
	} {
		t.Run(name, func(t *testing.T) {
			err := panics.Catch(tc.f)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("error %v, want none", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestCatchKeepsTheValue(t *testing.T) {
	err := panics.Catch(func() error {
		var s []int
		i := len(os.Args) + 1 // past the end, and not a constant
		s[i] = 1
		return nil
	})
	var pe *panics.Error
	if !errors.As(err, &pe) {
		t.Fatalf("%v (%T) is not a *panics.Error", err, err)
	}
	var re runtime.Error
	if !errors.As(err, &re) {
		t.Errorf("the runtime.Error is not unwrapped from %v", err)
	}
	if errors.Is(panics.Catch(func() error { return errors.ErrUnsupported }), errors.ErrUnsupported) == false {
		t.Error("an ordinary error is not returned as it is")
	}
}

func TestErrorIsCut(t *testing.T) {
	msg := (&panics.Error{Value: strings.Repeat("é", 10_000)}).Error()
	if n := utf8.RuneCountInString(msg); n != len("internal error: ")+200 || !strings.HasSuffix(msg, "…") {
		t.Errorf("a message of %d runes: %.40q…", n, msg)
	}
}

// TestCatchInWorkers: a panic in one goroutine of a pool comes back as an
// error and the others keep working, so a producer never blocks on a pool
// whose workers died.
func TestCatchInWorkers(t *testing.T) {
	const n = 100
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for i := range work {
				errs[i] = panics.Catch(func() error {
					if i%10 == 3 {
						panic("bad item")
					}
					return nil
				})
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	for i, err := range errs {
		if (err != nil) != (i%10 == 3) {
			t.Errorf("item %d: %v", i, err)
		}
	}
}
