package flake

import (
	"bytes"
	"sync"
	"testing"
	"time"
)

var testWorker = [6]byte{0x01, 0x23, 0x45, 0x67, 0x89, 0xab}

func TestGeneratorVector(t *testing.T) {
	g := NewGenerator(testWorker)
	now := time.UnixMilli(1729209600000)
	var id ID
	for range 8 {
		id = g.Next(now)
	}
	if got, want := id.UUID(), "00000192-9cec-8800-0123-456789ab0007"; got != want {
		t.Errorf("8th id = %s, want %s", got, want)
	}
	if got, want := id.String(), "An75T6fhBmTajVBuNT"; got != want {
		t.Errorf("8th id = %s, want %s", got, want)
	}
}

func TestGeneratorSequence(t *testing.T) {
	g := NewGenerator(testWorker)
	t0 := time.UnixMilli(1729209600000)
	check := func(id ID, ms uint64, seq uint16) {
		t.Helper()
		if id.UnixMilli() != ms || id.Seq() != seq || id.Worker() != 0x0123456789ab {
			t.Errorf("got ms=%d seq=%d worker=%x, want ms=%d seq=%d", id.UnixMilli(), id.Seq(), id.Worker(), ms, seq)
		}
	}
	check(g.Next(t0), 1729209600000, 0)
	check(g.Next(t0.Add(500*time.Microsecond)), 1729209600000, 1) // same ms
	check(g.Next(t0.Add(time.Millisecond)), 1729209600001, 0)     // new ms resets
	check(g.Next(t0.Add(5*time.Millisecond)), 1729209600005, 0)
	check(g.Next(t0), 1729209600005, 1) // clock went back: stay on the last ms
	check(g.Next(t0.Add(5*time.Millisecond)), 1729209600005, 2)
}

func TestGeneratorOverflow(t *testing.T) {
	g := NewGenerator(testWorker)
	t0 := time.UnixMilli(1000)
	var prev ID
	for i := range 1<<16 + 3 {
		id := g.Next(t0)
		if i > 0 && bytes.Compare(prev[:], id[:]) >= 0 {
			t.Fatalf("id %d not increasing: %s then %s", i, prev.UUID(), id.UUID())
		}
		prev = id
	}
	if prev.UnixMilli() != 1001 || prev.Seq() != 2 {
		t.Errorf("after overflow: ms=%d seq=%d, want 1001, 2", prev.UnixMilli(), prev.Seq())
	}
	// The real clock catching up to the advanced ms continues from there.
	if id := g.Next(time.UnixMilli(1001)); id.UnixMilli() != 1001 || id.Seq() != 3 {
		t.Errorf("ms=%d seq=%d, want 1001, 3", id.UnixMilli(), id.Seq())
	}
}

func TestGeneratorConcurrent(t *testing.T) {
	g, err := NewRandomGenerator()
	if err != nil {
		t.Fatal(err)
	}
	const workers, each = 8, 2000
	var wg sync.WaitGroup
	results := make([][]ID, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				results[w] = append(results[w], g.Next(time.Now()))
			}
		}()
	}
	wg.Wait()
	seen := make(map[ID]bool, workers*each)
	for _, r := range results {
		for i, id := range r {
			if seen[id] {
				t.Fatalf("duplicate id %s", id.UUID())
			}
			seen[id] = true
			if i > 0 && bytes.Compare(r[i-1][:], id[:]) >= 0 {
				t.Fatalf("ids of one goroutine not increasing")
			}
		}
	}
}

func TestNewRandomGenerator(t *testing.T) {
	a, err := NewRandomGenerator()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewRandomGenerator()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ia, ib := a.Next(now), b.Next(now)
	if ia.Worker() == ib.Worker() {
		t.Errorf("two random generators share worker %x", ia.Worker())
	}
	if d := ia.Time().Sub(now); d > time.Millisecond || d < -time.Millisecond {
		t.Errorf("Time() off by %v", d)
	}
}
