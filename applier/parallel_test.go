package applier

import (
	"errors"
	"testing"

	"github.com/roster-project/roster/internal/panics"
)

// TestParallelPanic: a panic in one job comes back as parallel's error,
// not as a crash of the process, and the other jobs still run.
func TestParallelPanic(t *testing.T) {
	ran := make([]bool, 20)
	err := parallel(t.Context(), len(ran), 3, func(i int) error {
		ran[i] = true
		if i == 7 {
			panic("job 7 broke")
		}
		return nil
	})
	var pe *panics.Error
	if !errors.As(err, &pe) || err.Error() != "internal error: job 7 broke" {
		t.Fatalf("error %v (%T), want the panic as a *panics.Error", err, err)
	}
	for i, r := range ran {
		if !r {
			t.Errorf("job %d did not run", i)
		}
	}
}
