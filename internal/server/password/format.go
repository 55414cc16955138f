package password

import (
	"golang.org/x/crypto/bcrypt"

	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// Format is the kind of a stored password hash, as the servers tell them
// apart by prefix.
type Format int

// The hash formats. Unknown is a hash no server accepts.
const (
	Unknown Format = iota // not recognized: the servers refuse the login
	PBKDF2                // "$pbkdf2-<digest>$…", Pleroma's native format
	Bcrypt                // "$2a$", "$2b$", "$2y$": bcrypt, from Mastodon migrations
	Argon2                // "$argon2id$…" (Akkoma's native format) or "$argon2i$"/"$argon2d$"
)

// String returns the lower-case name of f.
func (f Format) String() string {
	switch f {
	case PBKDF2:
		return "pbkdf2"
	case Bcrypt:
		return "bcrypt"
	case Argon2:
		return "argon2"
	}
	return "unknown"
}

// FormatOf returns the format of hash by its prefix, exactly as the servers
// dispatch at login: "$2" is bcrypt, "$pbkdf2" is pbkdf2, "$argon2" is
// argon2, anything else is Unknown. It does not check the rest of the hash.
func FormatOf(hash string) Format {
	switch {
	case strings.HasPrefix(hash, "$2"):
		return Bcrypt
	case strings.HasPrefix(hash, "$pbkdf2"):
		return PBKDF2
	case strings.HasPrefix(hash, "$argon2"):
		return Argon2
	}
	return Unknown
}

// Errors returned by Verify, wrapped with a description that never contains
// the password or the hash.
var (
	// ErrUnrecognized is a hash whose prefix no server accepts.
	ErrUnrecognized = errors.New("password hash not recognized")
	// ErrMalformed is a hash with a known prefix that cannot be parsed.
	ErrMalformed = errors.New("malformed password hash")
	// ErrUnsupported is a well-formed hash this package cannot verify
	// (argon2d, argon2 version 16, digests other than SHA-1/SHA-2, or
	// argon2 parameters beyond this package's limits).
	ErrUnsupported = errors.New("unsupported password hash")
)

// malformed returns ErrMalformed for format f with a reason; reason must not
// contain any part of the hash.
func malformed(f Format, reason string) error {
	return fmt.Errorf("%w: %s: %s", ErrMalformed, f, reason)
}

// unsupported is malformed's counterpart for ErrUnsupported.
func unsupported(f Format, reason string) error {
	return fmt.Errorf("%w: %s: %s", ErrUnsupported, f, reason)
}

// Verify reports whether password matches hash. It returns (false, nil) for
// a wrong password and (false, err) for a hash it cannot check: one no
// server accepts (ErrUnrecognized), one that does not parse (ErrMalformed)
// or one this package does not implement (ErrUnsupported). Errors never
// contain the password or the hash.
func Verify(password, hash string) (bool, error) {
	switch FormatOf(hash) {
	case PBKDF2:
		return verifyPBKDF2(password, hash)
	case Bcrypt:
		return verifyBcrypt(password, hash)
	case Argon2:
		return verifyArgon2(password, hash)
	}
	return false, ErrUnrecognized
}

// Check parses hash without running the key derivation, and returns the
// error Verify would give for a hash it cannot check. A nil error means a
// password could verify against it.
func Check(hash string) error {
	switch FormatOf(hash) {
	case PBKDF2:
		p, err := parsePBKDF2(hash)
		if err != nil {
			return err
		}
		// The server derives 64-byte keys; any other stored length can
		// never verify.
		if k, err := ab64Decode(p.key); err != nil || len(k) != pbkdf2KeyLen {
			return malformed(PBKDF2, "key is not 64 bytes of ab64")
		}
		return nil
	case Bcrypt:
		if _, err := bcrypt.Cost([]byte(hash)); err != nil {
			return malformed(Bcrypt, "not a valid bcrypt hash")
		}
		return nil
	case Argon2:
		_, err := parseArgon2(hash)
		return err
	}
	return ErrUnrecognized
}

// MemoryCost returns about how many bytes one Verify of hash allocates, so
// callers can bound how many run at once: for argon2 the memory parameter
// (m KiB × 1024), for the other formats 0 (they need only a few KiB). A hash
// Verify would reject before hashing also costs 0.
func MemoryCost(hash string) int64 {
	if FormatOf(hash) != Argon2 {
		return 0
	}
	p, err := parseArgon2(hash)
	if err != nil {
		return 0
	}
	return int64(p.memory) * 1024
}

// RandomPassword returns what the servers' CLI sets when a new user is
// given no password: standard, padded Base64 of 16 random bytes (24
// characters).
func RandomPassword() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random password: %w", err)
	}
	return base64.StdEncoding.EncodeToString(b[:]), nil
}

// randomSalt returns n random bytes.
func randomSalt(n int) ([]byte, error) {
	salt := make([]byte, n)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("random salt: %w", err)
	}
	return salt, nil
}

// inAlphabet reports whether every byte of s is in the standard Base64
// alphabet (without '='), with '.' also allowed when dot is set. The Go
// decoders skip CR and LF, which the servers reject, so check first.
func inAlphabet(s string, dot bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
		case c == '.' && dot:
		default:
			return false
		}
	}
	return true
}
