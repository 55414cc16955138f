// Package progress counts work that runs on many goroutines for a progress
// function, as planner.Options.Progress and applier.Options.Progress take
// one: the planner and the applier count, the caller renders.
package progress

import "sync"

// Counter reports the items of some work done to its function, one call at
// a time, so that the counts arrive in order. A nil *Counter counts
// nothing.
type Counter struct {
	report func(done, total int)
	total  int
	mu     sync.Mutex
	done   int
}

// New starts counting total items for report, and reports (0, total). It
// returns nil, which counts nothing, when report is nil or there is nothing
// to count.
func New(report func(done, total int), total int) *Counter {
	if report == nil || total <= 0 {
		return nil
	}
	report(0, total)
	return &Counter{report: report, total: total}
}

// Done counts one more item done, and reports the count. Any goroutine may
// call it.
func (c *Counter) Done() {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done++
	c.report(c.done, c.total)
}
