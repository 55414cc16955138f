package password

import (
	"errors"

	"golang.org/x/crypto/bcrypt"
)

// verifyBcrypt checks a "$2a$"/"$2b$"/"$2y$" bcrypt hash. The x/crypto
// errors are replaced because some quote bytes of the hash.
func verifyBcrypt(password, hash string) (bool, error) {
	err := bcrypt.CompareHashAndPassword([]byte(hash), []byte(password))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, bcrypt.ErrMismatchedHashAndPassword):
		return false, nil
	}
	return false, malformed(Bcrypt, "not a valid bcrypt hash")
}
