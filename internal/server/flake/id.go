package flake

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/bits"
	"strconv"
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
