package flake

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/bits"
	"strconv"
	"time"
)

// ID is a FlakeId: 64-bit Unix milliseconds | 48-bit worker | 16-bit
// sequence, big-endian. Its bytes are exactly what the servers store in a
// uuid column, and ids compare in creation order byte by byte.
type ID [16]byte

// base62Alphabet is the servers' Base62 digit order, least to most.
const base62Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// legacyMaxLen is the length below which the servers read an id string as a
// decimal integer (a legacy serial id) rather than as Base62.
const legacyMaxLen = 18

// New assembles an ID from its three fields. Only the low 48 bits of worker
// are used.
func New(unixMilli uint64, worker uint64, seq uint16) ID {
	var id ID
	binary.BigEndian.PutUint64(id[0:8], unixMilli)
	binary.BigEndian.PutUint64(id[8:16], worker<<16|uint64(seq))
	return id
}

// hi and lo return the upper and lower 64 bits of id.
func (id ID) hi() uint64 { return binary.BigEndian.Uint64(id[0:8]) }
func (id ID) lo() uint64 { return binary.BigEndian.Uint64(id[8:16]) }

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

// UUID returns the id in PostgreSQL's uuid text form, 8-4-4-4-12 lowercase
// hex, for example "0000016e-b3da-2a5c-d529-2ce35fd50000".
func (id ID) UUID() string {
	var b [36]byte
	hex.Encode(b[0:8], id[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], id[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], id[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], id[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], id[10:16])
	return string(b[:])
}

// String returns the id as the servers print it: the 128-bit integer in
// Base62 (alphabet 0-9A-Za-z, most significant digit first, no padding; 18
// characters for ids made since 1975), except that an id whose upper 64 bits
// are zero (a legacy serial id) prints as the decimal integer of its lower 64
// bits.
func (id ID) String() string {
	hi, lo := id.hi(), id.lo()
	if hi == 0 {
		return strconv.FormatUint(lo, 10)
	}
	var buf [22]byte // 62^22 > 2^128
	i := len(buf)
	for hi != 0 || lo != 0 {
		var r uint64
		hi, r = bits.Div64(0, hi, 62)
		lo, r = bits.Div64(r, lo, 62)
		i--
		buf[i] = base62Alphabet[r]
	}
	return string(buf[i:])
}

// ErrSyntax reports a string that is not an id in the expected form.
var ErrSyntax = errors.New("invalid id syntax")

// ParseUUID parses the uuid text form, 8-4-4-4-12 hex digits in either case.
func ParseUUID(s string) (ID, error) {
	var id ID
	if len(s) != 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return ID{}, ErrSyntax
	}
	groups := [...]struct{ from, to, at int }{
		{0, 8, 0}, {9, 13, 4}, {14, 18, 6}, {19, 23, 8}, {24, 36, 10},
	}
	for _, g := range groups {
		if _, err := hex.Decode(id[g.at:], []byte(s[g.from:g.to])); err != nil {
			return ID{}, ErrSyntax
		}
	}
	return id, nil
}

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
