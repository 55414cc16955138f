package password

import (
	"crypto/subtle"
	"encoding/base64"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Akkoma's Argon2id parameters: the argon2_elixir 3.2.1 defaults, which
// Akkoma does not override.
const (
	argon2Time      = 8     // t, passes
	Argon2MemoryKiB = 65536 // m, KiB (64 MiB)
	argon2Threads   = 2     // p, lanes
	argon2SaltLen   = 16
	argon2KeyLen    = 32
)

// Limits of what Verify accepts. The reference implementation's minimums
// (salt ≥ 8 bytes, hash ≥ 4 bytes, t ≥ 1, 1 ≤ p, m ≥ 8p) are the servers';
// the maximum memory and p ≤ 255 (x/crypto's limit) are this package's.
const (
	argon2MaxMemoryKiB = 4 << 20 // 4 GiB
	argon2MinSaltLen   = 8
	argon2MinKeyLen    = 4
)

// HashArgon2id hashes password in Akkoma's native format, a PHC string
// "$argon2id$v=19$m=65536,t=8,p=2$<salt>$<hash>" with a 16-byte random salt
// and a 32-byte hash, both in standard Base64 without padding.
func HashArgon2id(password string) (string, error) {
	salt, err := randomSalt(argon2SaltLen)
	if err != nil {
		return "", err
	}
	return hashArgon2idWith(password, salt), nil
}

// hashArgon2idWith is HashArgon2id with a given salt, for tests.
func hashArgon2idWith(password string, salt []byte) string {
	key := argon2.IDKey([]byte(password), salt, argon2Time, Argon2MemoryKiB, argon2Threads, argon2KeyLen)
	return encodeArgon2("argon2id", argon2.Version, Argon2MemoryKiB, argon2Time, argon2Threads, salt, key)
}

// encodeArgon2 formats a PHC string.
func encodeArgon2(variant string, version, memory, time uint32, threads uint8, salt, key []byte) string {
	var b strings.Builder
	b.WriteString("$" + variant + "$v=" + strconv.FormatUint(uint64(version), 10))
	b.WriteString("$m=" + strconv.FormatUint(uint64(memory), 10))
	b.WriteString(",t=" + strconv.FormatUint(uint64(time), 10))
	b.WriteString(",p=" + strconv.FormatUint(uint64(threads), 10))
	b.WriteString("$" + base64.RawStdEncoding.EncodeToString(salt))
	b.WriteString("$" + base64.RawStdEncoding.EncodeToString(key))
	return b.String()
}

// argon2Params is a parsed argon2 PHC string.
type argon2Params struct {
	variant      string // "argon2id", "argon2i" or "argon2d"
	version      uint32
	memory, time uint32
	threads      uint8
	salt, key    []byte
}

// parseArgon2 parses "$argon2<x>[$v=<n>]$m=<n>,t=<n>,p=<n>$<salt>$<hash>"
// as the reference implementation's decoder does (a missing version means
// 16; Base64 must be unpadded with zero trailing bits) and checks the
// parameters against its and this package's limits.
func parseArgon2(s string) (argon2Params, error) {
	var p argon2Params
	fields := strings.Split(s, "$")
	if fields[0] != "" || len(fields) < 5 {
		return p, malformed(Argon2, "wrong number of '$'-separated fields")
	}
	p.variant = fields[1]
	switch p.variant {
	case "argon2id", "argon2i", "argon2d":
	default:
		return p, malformed(Argon2, "unknown argon2 variant")
	}
	rest := fields[2:]
	p.version = 0x10
	if v, ok := strings.CutPrefix(rest[0], "v="); ok {
		n, ok := decimalU32(v)
		if !ok {
			return p, malformed(Argon2, "version is not a number")
		}
		p.version = n
		rest = rest[1:]
	}
	if len(rest) != 3 {
		return p, malformed(Argon2, "wrong number of '$'-separated fields")
	}
	params := strings.Split(rest[0], ",")
	if len(params) != 3 {
		return p, malformed(Argon2, "parameters are not m=,t=,p=")
	}
	var vals [3]uint32
	for i, name := range [3]string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(params[i], name)
		n, okN := decimalU32(v)
		if !ok || !okN {
			return p, malformed(Argon2, "parameters are not m=,t=,p=")
		}
		vals[i] = n
	}
	var err error
	if p.salt, err = decodeB64(rest[1]); err != nil {
		return p, malformed(Argon2, "salt is not unpadded Base64")
	}
	if p.key, err = decodeB64(rest[2]); err != nil {
		return p, malformed(Argon2, "hash is not unpadded Base64")
	}
	memory, time, threads := vals[0], vals[1], vals[2]
	switch {
	case time < 1:
		return p, malformed(Argon2, "t < 1")
	case threads < 1:
		return p, malformed(Argon2, "p < 1")
	case uint64(memory) < 8*uint64(threads):
		return p, malformed(Argon2, "m < 8p")
	case len(p.salt) < argon2MinSaltLen:
		return p, malformed(Argon2, "salt shorter than 8 bytes")
	case len(p.key) < argon2MinKeyLen:
		return p, malformed(Argon2, "hash shorter than 4 bytes")
	case threads > 255:
		return p, unsupported(Argon2, "p > 255")
	case memory > argon2MaxMemoryKiB:
		return p, unsupported(Argon2, "m above 4 GiB")
	}
	p.memory, p.time, p.threads = memory, time, uint8(threads)
	return p, nil
}

// verifyArgon2 checks an argon2id or argon2i hash of version 19.
func verifyArgon2(password, hash string) (bool, error) {
	p, err := parseArgon2(hash)
	if err != nil {
		return false, err
	}
	if p.version != argon2.Version {
		return false, unsupported(Argon2, "only version 19 is implemented")
	}
	var key []byte
	switch p.variant {
	case "argon2id":
		key = argon2.IDKey([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	case "argon2i":
		key = argon2.Key([]byte(password), p.salt, p.time, p.memory, p.threads, uint32(len(p.key)))
	default:
		return false, unsupported(Argon2, "argon2d is not implemented")
	}
	return subtle.ConstantTimeCompare(key, p.key) == 1, nil
}

// decodeB64 decodes unpadded standard Base64 whose unused trailing bits are
// zero, as the argon2 reference decoder requires.
func decodeB64(s string) ([]byte, error) {
	if !inAlphabet(s, false) {
		return nil, ErrMalformed
	}
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

// decimalU32 parses a non-empty run of decimal digits without leading
// zeros that fits in 32 bits, as the reference decoder does.
func decimalU32(s string) (uint32, bool) {
	if s == "" || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, false
	}
	if len(s) > 1 && s[0] == '0' {
		return 0, false
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err == nil
}
