package flake

// The reading side of ids, which roster's code never needs (it only makes
// them): kept for the tests that check what it makes.

import (
	"encoding/binary"
	"math/bits"
	"strconv"
	"time"
)

// UnixMilli returns the id's time field, Unix milliseconds.
func (id ID) UnixMilli() uint64 { return id.hi() }

// Worker returns the id's 48-bit worker field.
func (id ID) Worker() uint64 { return id.lo() >> 16 }

// Seq returns the id's 16-bit sequence field.
func (id ID) Seq() uint16 { return uint16(id.lo()) }

// Time returns the id's time field as a time.Time in UTC.
func (id ID) Time() time.Time {
	return time.UnixMilli(int64(id.hi())).UTC()
}

// IsZero reports whether id is all zero bytes.
func (id ID) IsZero() bool { return id == ID{} }

// ParseBase62 parses an id in the servers' string form, following their
// rule: a string shorter than 18 characters is a legacy id and must be a
// decimal integer below 2^64 (the id then has zero upper 64 bits); a longer
// one is Base62 (alphabet 0-9A-Za-z) and must fit in 128 bits. Unlike the
// servers, signs ("+42", "-1") are rejected.
//
// So, as with the servers, two kinds of id do not survive String and
// ParseBase62: ids dated before 1975 (their Base62 is shorter than 18
// characters and is rejected, or read as decimal) and legacy ids of 10^17 or
// more (their 18+ decimal digits are read as Base62).
func ParseBase62(s string) (ID, error) {
	if s == "" {
		return ID{}, ErrSyntax
	}
	if len(s) < legacyMaxLen {
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return ID{}, ErrSyntax
			}
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			return ID{}, ErrSyntax
		}
		var id ID
		binary.BigEndian.PutUint64(id[8:16], n)
		return id, nil
	}
	var hi, lo uint64
	for i := 0; i < len(s); i++ {
		d := base62Digit(s[i])
		if d < 0 {
			return ID{}, ErrSyntax
		}
		// (hi, lo) = (hi, lo)*62 + d, failing on overflow past 128 bits.
		carryHi, newHi := bits.Mul64(hi, 62)
		if carryHi != 0 {
			return ID{}, ErrSyntax
		}
		carryLo, newLo := bits.Mul64(lo, 62)
		newLo, c := bits.Add64(newLo, uint64(d), 0)
		newHi, c = bits.Add64(newHi, carryLo, c)
		if c != 0 {
			return ID{}, ErrSyntax
		}
		hi, lo = newHi, newLo
	}
	var id ID
	binary.BigEndian.PutUint64(id[0:8], hi)
	binary.BigEndian.PutUint64(id[8:16], lo)
	return id, nil
}

// base62Digit returns the value of Base62 digit c, or -1.
func base62Digit(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 36
	}
	return -1
}
