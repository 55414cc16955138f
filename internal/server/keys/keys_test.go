package keys

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
)

func TestGenerate(t *testing.T) {
	pair, err := Generate()
	if err != nil {
		t.Fatal(err)
	}

	t.Run("private PEM", func(t *testing.T) {
		checkPEM(t, pair.PrivatePEM, "RSA PRIVATE KEY", "")
		key, err := parsePrivatePEM(pair.PrivatePEM)
		if err != nil {
			t.Fatal(err)
		}
		if key.N.BitLen() != 2048 || key.E != 65537 {
			t.Errorf("key is %d bits, e=%d", key.N.BitLen(), key.E)
		}
		if err := key.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
		if len(key.Primes) != 2 {
			t.Errorf("%d primes", len(key.Primes))
		}
		if got := privatePEM(key); got != pair.PrivatePEM {
			t.Errorf("PrivatePEM(parsePrivatePEM(pem)) differs")
		}
	})

	t.Run("public PEM", func(t *testing.T) {
		checkPEM(t, pair.PublicPEM, "PUBLIC KEY", "\n\n")
		block, rest := pem.Decode([]byte(pair.PublicPEM))
		if block == nil || strings.TrimSpace(string(rest)) != "" {
			t.Fatalf("public PEM does not decode to one block")
		}
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		rsaPub, ok := pub.(*rsa.PublicKey)
		if !ok {
			t.Fatalf("public key is %T", pub)
		}
		key, err := parsePrivatePEM(pair.PrivatePEM)
		if err != nil {
			t.Fatal(err)
		}
		if !rsaPub.Equal(&key.PublicKey) {
			t.Fatalf("public PEM does not match the private key")
		}
		// A signature by the private key verifies with the public one.
		digest := sha256.Sum256([]byte("(request-target): post /inbox"))
		sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
		if err != nil {
			t.Fatal(err)
		}
		if err := rsa.VerifyPKCS1v15(rsaPub, crypto.SHA256, digest[:], sig); err != nil {
			t.Errorf("signature does not verify: %v", err)
		}
	})

	other, err := Generate()
	if err != nil {
		t.Fatal(err)
	}
	if other.PrivatePEM == pair.PrivatePEM || other.PublicPEM == pair.PublicPEM {
		t.Errorf("two generated pairs are equal")
	}
}

// checkPEM checks the exact layout OTP's :public_key.pem_encode gives:
// the BEGIN line, Base64 in 64-character lines (the last one shorter or
// equal), the END line, then end (the private key, trimmed) or "\n\n".
func checkPEM(t *testing.T, s, typ, tail string) {
	t.Helper()
	begin, end := "-----BEGIN "+typ+"-----\n", "\n-----END "+typ+"-----"+tail
	if !strings.HasPrefix(s, begin) {
		t.Fatalf("PEM does not start with %q", begin)
	}
	if !strings.HasSuffix(s, end) {
		t.Fatalf("PEM does not end with %q: ends %q", end, s[max(0, len(s)-40):])
	}
	body := strings.TrimSuffix(strings.TrimPrefix(s, begin), end)
	lines := strings.Split(body, "\n")
	for i, line := range lines {
		last := i == len(lines)-1
		if (!last && len(line) != 64) || (last && (len(line) == 0 || len(line) > 64)) {
			t.Errorf("line %d has %d characters", i+2, len(line))
		}
		if strings.ContainsAny(strings.TrimRight(line, "="), " \t\r=:") || (!last && strings.Contains(line, "=")) {
			t.Errorf("line %d has unexpected characters", i+2)
		}
	}
}

func TestPEMFixture(t *testing.T) {
	// A key made by OpenSSL, an encoder independent of Go's: re-encoding
	// it must give OpenSSL's bytes (the same standard DER OTP writes:
	// PKCS#1 RSAPrivateKey, SPKI with rsaEncryption and NULL parameters).
	key, err := parsePrivatePEM(fixturePrivate)
	if err != nil {
		t.Fatal(err)
	}
	if got := privatePEM(key); got != fixturePrivate {
		t.Errorf("PrivatePEM =\n%s\nwant\n%s", got, fixturePrivate)
	}
	pub, err := publicPEM(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if pub != fixturePublic {
		t.Errorf("PublicPEM =\n%q\nwant\n%q", pub, fixturePublic)
	}
	// A trailing newline, as a hand-edited row might have, still parses.
	if _, err := parsePrivatePEM(fixturePrivate + "\n"); err != nil {
		t.Errorf("with trailing newline: %v", err)
	}
}

func TestParsePrivatePEMErrors(t *testing.T) {
	for _, s := range []string{
		"",
		"not a pem",
		fixturePublic,
		"-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----",
		"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
	} {
		if _, err := parsePrivatePEM(s); err == nil {
			t.Errorf("parsePrivatePEM(%.30q) succeeded", s)
		}
	}
}

func TestParsePKCS8(t *testing.T) {
	key, err := parsePrivatePEM(fixturePrivate)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	got, err := parsePrivatePEM(string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	if err != nil || !got.Equal(key) {
		t.Errorf("PKCS#8: %v", err)
	}
}

func TestKeyID(t *testing.T) {
	if got, want := KeyID("https://example.org/users/alice"), "https://example.org/users/alice#main-key"; got != want {
		t.Errorf("KeyID = %q, want %q", got, want)
	}
}

func BenchmarkGenerate(b *testing.B) {
	for b.Loop() {
		if _, err := Generate(); err != nil {
			b.Fatal(err)
		}
	}
}
