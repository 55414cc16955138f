package keys

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
)

// bits is the size of the keys the servers generate (with e = 65537).
const bits = 2048

// Pair is a user's signing key pair in the servers' stored text forms.
type Pair struct {
	// PrivatePEM is the PKCS#1 private key, "-----BEGIN RSA PRIVATE
	// KEY-----", 64-character lines and no trailing newline: Pleroma's
	// users.keys and Akkoma's signing_keys.private_key.
	PrivatePEM string
	// PublicPEM is the SubjectPublicKeyInfo public key, "-----BEGIN PUBLIC
	// KEY-----", ending in "\n\n": Akkoma's signing_keys.public_key.
	PublicPEM string
}

// Generate makes a new RSA-2048 key pair with e = 65537 from crypto/rand.
func Generate() (Pair, error) {
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return Pair{}, fmt.Errorf("generate RSA key: %w", err)
	}
	if key.E != 65537 {
		return Pair{}, fmt.Errorf("generate RSA key: unexpected public exponent %d", key.E)
	}
	pub, err := publicPEM(&key.PublicKey)
	if err != nil {
		return Pair{}, err
	}
	return Pair{PrivatePEM: privatePEM(key), PublicPEM: pub}, nil
}

// privatePEM encodes key as the servers store a private key: PKCS#1 PEM
// with trailing whitespace trimmed. Both servers write
// :public_key.pem_encode([entry]) |> String.trim_trailing()
// (Pleroma lib/pleroma/keys.ex:12-14, Akkoma
// lib/pleroma/user/signing_key.ex:70-72), that is, the PEM without its
// final newline.
func privatePEM(key *rsa.PrivateKey) string {
	b := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	return strings.TrimRight(string(b), " \t\r\n")
}

// publicPEM encodes key as Akkoma stores signing_keys.public_key: a
// SubjectPublicKeyInfo PEM ending in "-----END PUBLIC KEY-----\n\n".
// Akkoma writes :public_key.pem_encode([spki_entry]) without trimming
// (lib/pleroma/user/signing_key.ex:109, private_pem_to_public_pem/1), and
// OTP's pem_encode ends every entry with "\n\n" (pubkey_pem.erl,
// encode_pem_entry/1: [StartStr, "\n", Base64Lines, "\n", EndStr, "\n\n"]).
func publicPEM(key *rsa.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(key)
	if err != nil {
		return "", fmt.Errorf("encode RSA public key: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})) + "\n", nil
}

// KeyID returns the key id Akkoma gives a local user's key,
// apID + "#main-key" (Akkoma lib/pleroma/user/signing_key.ex:96); Pleroma's
// actor documents use the same id (lib/pleroma/web/activity_pub/views/
// user_view.ex:118).
func KeyID(apID string) string {
	return apID + "#main-key"
}
