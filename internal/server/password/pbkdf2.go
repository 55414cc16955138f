package password

import (
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"hash"
	"strconv"
	"strings"
)

// pbkdf2Iterations is Pleroma's default iteration count (config
// :pleroma, :password, :iterations, unset in the shipped config).
const pbkdf2Iterations = 160000

// pbkdf2KeyLen is the derived key length; the servers always use 64, for
// hashing and for verifying whatever the digest.
const pbkdf2KeyLen = 64

// pbkdf2SaltLen is the length of the random salt Pleroma uses.
const pbkdf2SaltLen = 16

// HashPBKDF2 hashes password in Pleroma's native format:
// "$pbkdf2-sha512$160000$<ab64(salt)>$<ab64(key)>" with a 16-byte random
// salt and a 64-byte PBKDF2-HMAC-SHA512 key. ab64 is standard Base64 without
// padding and with '+' replaced by '.', so the salt takes 22 characters and
// the key 86.
func HashPBKDF2(password string) (string, error) {
	salt, err := randomSalt(pbkdf2SaltLen)
	if err != nil {
		return "", err
	}
	return hashPBKDF2With(password, salt, pbkdf2Iterations), nil
}

// hashPBKDF2With is HashPBKDF2 with a given salt and iteration count, for
// tests and benchmarks. It panics if iterations < 1, or if the standard
// library refuses the parameters (as it may in FIPS 140-only mode).
func hashPBKDF2With(password string, salt []byte, iterations int) string {
	if iterations < 1 {
		panic("pbkdf2 iterations < 1")
	}
	dk, err := pbkdf2.Key(sha512.New, password, salt, iterations, pbkdf2KeyLen)
	if err != nil {
		panic("pbkdf2: " + err.Error())
	}
	return "$pbkdf2-sha512$" + strconv.Itoa(iterations) + "$" + ab64Encode(salt) + "$" + ab64Encode(dk)
}

// verifyPBKDF2 checks a "$pbkdf2-<digest>$<iterations>$<salt>$<key>" hash
// as the servers do: the parts come from splitting on '$' with empty parts
// dropped, the key is always 64 bytes long, and the stored key is compared
// in its encoded form.
func verifyPBKDF2(password, encoded string) (bool, error) {
	p, err := parsePBKDF2(encoded)
	if err != nil {
		return false, err
	}
	dk, err := pbkdf2.Key(p.digest, password, p.salt, p.iterations, pbkdf2KeyLen)
	if err != nil {
		return false, unsupported(PBKDF2, "parameters refused by crypto/pbkdf2")
	}
	return subtle.ConstantTimeCompare([]byte(ab64Encode(dk)), []byte(p.key)) == 1, nil
}

// pbkdf2Params is a parsed PBKDF2 hash.
type pbkdf2Params struct {
	digest     func() hash.Hash
	iterations int
	salt       []byte
	key        string // as stored, ab64
}

func parsePBKDF2(encoded string) (pbkdf2Params, error) {
	var p pbkdf2Params
	var parts []string
	for part := range strings.SplitSeq(encoded, "$") {
		if part != "" {
			parts = append(parts, part)
		}
	}
	if len(parts) != 4 {
		return p, malformed(PBKDF2, "want 4 '$'-separated fields")
	}
	digest, ok := strings.CutPrefix(parts[0], "pbkdf2-")
	if !ok {
		return p, malformed(PBKDF2, `first field does not start with "pbkdf2-"`)
	}
	if p.digest = pbkdf2Digest(digest); p.digest == nil {
		return p, unsupported(PBKDF2, "digest is not sha, sha224, sha256, sha384 or sha512")
	}
	var err error
	if p.iterations, err = strconv.Atoi(parts[1]); err != nil || p.iterations < 1 {
		return p, malformed(PBKDF2, "iterations is not a positive integer")
	}
	if p.salt, err = ab64Decode(parts[2]); err != nil {
		return p, malformed(PBKDF2, "salt is not ab64")
	}
	p.key = parts[3]
	return p, nil
}

// pbkdf2Digest returns the hash constructor for an Erlang :crypto digest
// name, or nil.
func pbkdf2Digest(name string) func() hash.Hash {
	switch name {
	case "sha":
		return sha1.New
	case "sha224":
		return sha256.New224
	case "sha256":
		return sha256.New
	case "sha384":
		return sha512.New384
	case "sha512":
		return sha512.New
	}
	return nil
}

// ab64Encode is Pleroma's Base64: standard alphabet, no padding, '+' → '.'.
func ab64Encode(b []byte) string {
	return strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(b), "+", ".")
}

// ab64Decode reverses ab64Encode. Like the server it accepts '+' as well
// as '.'.
func ab64Decode(s string) ([]byte, error) {
	s = strings.TrimRight(s, "=")
	if !inAlphabet(s, true) {
		return nil, fmt.Errorf("invalid character")
	}
	return base64.RawStdEncoding.DecodeString(strings.ReplaceAll(s, ".", "+"))
}
