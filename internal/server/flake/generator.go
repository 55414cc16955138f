package flake

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"sync"
	"time"
)

// maxSeq is the largest 16-bit sequence number.
const maxSeq = 1<<16 - 1

// Generator makes FlakeIds for one worker. Ids from one Generator are
// strictly increasing. It is safe for concurrent use; use it through the
// pointer returned by NewGenerator or NewRandomGenerator.
type Generator struct {
	mu     sync.Mutex
	worker uint64 // 48 bits
	last   uint64 // ms of the last id made
	seq    uint16 // sequence of the last id made
	used   bool   // whether any id has been made
}

// NewGenerator returns a Generator for the given 48-bit worker id.
func NewGenerator(worker [6]byte) *Generator {
	var w [8]byte
	copy(w[2:], worker[:])
	return &Generator{worker: binary.BigEndian.Uint64(w[:])}
}

// NewRandomGenerator returns a Generator with a worker id from crypto/rand,
// as each server node picks a random worker id when it starts.
func NewRandomGenerator() (*Generator, error) {
	var w [6]byte
	if _, err := rand.Read(w[:]); err != nil {
		return nil, fmt.Errorf("random worker id: %w", err)
	}
	return NewGenerator(w), nil
}

// Next returns a new id for the time now. The sequence starts at 0 in each
// new millisecond and counts up within the same millisecond. When now is not
// after the previous id's millisecond (the clock went backwards) the
// sequence keeps counting in the previous millisecond, and when the sequence
// is used up the millisecond is advanced, so ids always increase. (The
// servers instead fail when the clock runs backwards.) Times before 1970 are
// taken as 1970.
func (g *Generator) Next(now time.Time) ID {
	ms := uint64(0)
	if m := now.UnixMilli(); m > 0 {
		ms = uint64(m)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case !g.used || ms > g.last:
		g.last, g.seq = ms, 0
	case g.seq < maxSeq:
		g.seq++
	default:
		g.last, g.seq = g.last+1, 0
	}
	g.used = true
	return New(g.last, g.worker, g.seq)
}
