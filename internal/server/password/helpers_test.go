package password

import (
	"crypto/pbkdf2"

	"golang.org/x/crypto/argon2"
)

// pbkdf2Ref derives the servers' 64-byte key for a digest name.
func pbkdf2Ref(digest, password string, salt []byte, iterations int) []byte {
	k, err := pbkdf2.Key(pbkdf2Digest(digest), password, salt, iterations, pbkdf2KeyLen)
	if err != nil {
		panic(err)
	}
	return k
}

// argon2KeyI is argon2i.
func argon2KeyI(password string, salt []byte, time, memory uint32, threads uint8, n uint32) []byte {
	return argon2.Key([]byte(password), salt, time, memory, threads, n)
}
