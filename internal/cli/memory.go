package cli

import (
	"fmt"
	"runtime/debug"
	"runtime/metrics"
	"strconv"
	"strings"
	"time"

	"github.com/roster-project/roster/internal/confine"
)

// defaultMemoryLimit is how much heap roster may use before it stops: far
// above a plan of 100,000 accounts (about 1.3 GB), below what a CI runner
// has.
const defaultMemoryLimit = 4 << 30

// memoryLimitEnv names the environment variable that changes the limit,
// e.g. ROSTER_MEMORY_LIMIT=8GiB.
const memoryLimitEnv = "ROSTER_MEMORY_LIMIT"

// watchMemory stops roster, with exit code 1 and a message, when its heap
// passes the limit: an expression can build values without bound (a
// template that repeats a large value, locals that double one, range() of
// millions of numbers), and the kernel's OOM killer would end roster with
// no word of why. It asks the garbage collector to keep under three
// quarters of the limit first. It watches only a process of its own (exit
// set); stop ends the watch.
func watchMemory(con *console, exit func(int), environ []string) (stop func()) {
	if exit == nil {
		return func() {}
	}
	limit := int64(defaultMemoryLimit)
	if v := getenv(environ, memoryLimitEnv); v != "" {
		n, err := parseSize(v)
		if err != nil {
			fmt.Fprintf(con.w, "Warning: %s=%q is not a size such as 8GiB or 512MiB: the limit stays %s.\n", memoryLimitEnv, v, confine.Size(limit))
		} else {
			limit = n
		}
	}
	debug.SetMemoryLimit(limit / 4 * 3)
	done := make(chan struct{})
	go func() {
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(sample)
			if int64(sample[0].Value.Uint64()) > limit {
				con.halt()
				fmt.Fprintf(con.w, "\nError: Memory limit reached\n\nroster used more than %s of memory and stopped. The configuration builds values too large to handle (a template that repeats a large value, locals that double one, range() of millions of numbers), or the work needs more than this limit allows: raise it with %s (e.g. %s=8GiB). An apply that had not sent its COMMIT is rolled back by the database when roster's connection closes; one that had may or may not have been written: run roster plan to see.\n",
					confine.Size(limit), memoryLimitEnv, memoryLimitEnv)
				exit(1)
				return
			}
		}
	}()
	return func() { close(done) }
}

// getenv looks key up in environ.
func getenv(environ []string, key string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// parseSize reads a size in bytes, KiB, MiB or GiB: "8GiB", "512MiB".
func parseSize(s string) (int64, error) {
	s = strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	return n * mult, nil
}

// defaultConfigTimeout bounds how long evaluating a configuration may take:
// 100,000 users take about 12 s.
const defaultConfigTimeout = 2 * time.Minute

// configTimeoutEnv names the environment variable that changes it, e.g.
// ROSTER_CONFIG_TIMEOUT=10m.
const configTimeoutEnv = "ROSTER_CONFIG_TIMEOUT"

// watchTime stops roster, with exit code 1 and a message, when evaluating
// the configuration takes longer than its limit: HCL evaluates with no
// way to cancel it, and an expression can loop a billion times in little
// memory (for expressions nested over range(1000), equality of values that
// locals double). It watches only a process of its own; stop ends the
// watch, once the configuration is read.
func (a *app) watchTime() (stop func()) {
	if a.Exit == nil {
		return func() {}
	}
	limit := defaultConfigTimeout
	if v := a.getenv(configTimeoutEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			fmt.Fprintf(a.Err, "Warning: %s=%q is not a duration such as 10m or 90s: the limit stays %s.\n", configTimeoutEnv, v, limit)
		} else {
			limit = d
		}
	}
	t := time.AfterFunc(limit, func() {
		a.con.halt()
		fmt.Fprintf(a.Err, "\nError: Configuration took too long\n\nEvaluating the configuration took more than %s and roster stopped: an expression does work without bound (for expressions nested over large ranges, comparisons of values that locals double). If the configuration is really this large, raise the limit with %s (e.g. %s=10m). Nothing was written.\n",
			limit, configTimeoutEnv, configTimeoutEnv)
		a.Exit(1)
	})
	return func() { t.Stop() }
}
