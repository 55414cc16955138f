package password

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
)

// Vectors from the servers' test suites.
const (
	pbkdf2Password1 = "$pbkdf2-sha512$1$QJpEYw8iBKcnY.4Rm0eCVw$UBPeWQ91RxSv3snxsb/ZzMeG/2aa03c541bbo8vQudREGNta5t8jBQrd00fyJp8RjaqfvgdZxy2rhSwljyu21g"
	pbkdf2Test      = "$pbkdf2-sha512$160000$loXqbp8GYls43F0i6lEfIw$AY.Ep.2pGe57j2hAPY635sI/6w7l9Q9u9Bp02PkPmF3OrClDtJAI8bCiivPr53OKMF7ph6iHhN68Rom5nEfC2A"
	bcryptPassword  = "$2a$10$uyhC/R/zoE1ndwwCtMusK.TLVzkQ/Ugsbqp3uXI.CTTz0gBw.24jS"
	argon2Password  = "$argon2id$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g"
	argon2Test      = "$argon2id$v=19$m=65536,t=8,p=2$FEAarFuiOsROO24NHIHMYw$oxdaz2fTPpuU+dYCl60FsqE65T1Tjy6lGikKfmql4xo"
	invalidHash     = "psBWV8gxkGOZWBz$PmfCycChoxeJ3GgGzwvhlgacb9mUoZ.KUXNCssekER4SJ7bOK53uXrHNb2e4i8yPFgSKyzaW9CcmrDXWIEMtD1"
)

func TestVerifyVectors(t *testing.T) {
	tests := []struct {
		name, password, hash string
		want                 bool
	}{
		{"pbkdf2 1 iteration", "password", pbkdf2Password1, true},
		{"pbkdf2 1 iteration wrong", "password1", pbkdf2Password1, false},
		{"pbkdf2 160000", "test-password", pbkdf2Test, true},
		{"pbkdf2 160000 wrong", "test-password1", pbkdf2Test, false},
		{"bcrypt", "password", bcryptPassword, true},
		{"bcrypt wrong", "password1", bcryptPassword, false},
		{"argon2id", "password", argon2Password, true},
		{"argon2id wrong", "password1", argon2Password, false},
		{"argon2id factory", "test", argon2Test, true},
		{"argon2id factory wrong", "test1", argon2Test, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Verify(tt.password, tt.hash)
			if err != nil || got != tt.want {
				t.Errorf("Verify = %v, %v; want %v, nil", got, err, tt.want)
			}
		})
	}
}

func TestVerifyInvalid(t *testing.T) {
	ok, err := Verify("password", invalidHash)
	if ok || !errors.Is(err, ErrUnrecognized) {
		t.Errorf("Verify(invalid) = %v, %v; want false, ErrUnrecognized", ok, err)
	}
}

func TestFormatOf(t *testing.T) {
	tests := []struct {
		hash string
		want Format
		name string
	}{
		{pbkdf2Test, PBKDF2, "pbkdf2"},
		{"$pbkdf2-sha256$1$a$b", PBKDF2, "pbkdf2"},
		{bcryptPassword, Bcrypt, "bcrypt"},
		{"$2b$10$x", Bcrypt, "bcrypt"},
		{"$2y$10$x", Bcrypt, "bcrypt"},
		{argon2Password, Argon2, "argon2"},
		{"$argon2i$v=19$", Argon2, "argon2"},
		{invalidHash, Unknown, "unknown"},
		{"$6$rounds=5000$salt$hash", Unknown, "unknown"},
		{"", Unknown, "unknown"},
		{"password", Unknown, "unknown"},
	}
	for _, tt := range tests {
		if got := FormatOf(tt.hash); got != tt.want || got.String() != tt.name {
			t.Errorf("FormatOf(%.20q) = %v, want %v", tt.hash, got, tt.name)
		}
	}
}

var (
	ab64Chars = `[A-Za-z0-9./]`
	pbkdf2RE  = regexp.MustCompile(`^\$pbkdf2-sha512\$160000\$(` + ab64Chars + `{22})\$(` + ab64Chars + `{86})$`)
	argon2RE  = regexp.MustCompile(`^\$argon2id\$v=19\$m=65536,t=8,p=2\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$`)
)

func TestHashPBKDF2(t *testing.T) {
	h, err := HashPBKDF2("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !pbkdf2RE.MatchString(h) {
		t.Fatalf("HashPBKDF2 = %q, not in Pleroma's format", h)
	}
	if len(h) != len("$pbkdf2-sha512$160000$")+22+1+86 {
		t.Errorf("len = %d", len(h))
	}
	assertVerifies(t, "correct horse", h)
	h2, _ := HashPBKDF2("correct horse")
	if h2 == h {
		t.Errorf("two hashes share a salt")
	}
}

func TestHashPBKDF2With(t *testing.T) {
	salt, err := ab64Decode("QJpEYw8iBKcnY.4Rm0eCVw")
	if err != nil {
		t.Fatal(err)
	}
	if got := hashPBKDF2With("password", salt, 1); got != pbkdf2Password1 {
		t.Errorf("HashPBKDF2With = %q, want %q", got, pbkdf2Password1)
	}
	salt, _ = ab64Decode("loXqbp8GYls43F0i6lEfIw")
	if got := hashPBKDF2With("test-password", salt, 160000); got != pbkdf2Test {
		t.Errorf("HashPBKDF2With = %q, want %q", got, pbkdf2Test)
	}
}

func TestHashArgon2id(t *testing.T) {
	h, err := HashArgon2id("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	m := argon2RE.FindStringSubmatch(h)
	if m == nil {
		t.Fatalf("HashArgon2id = %q, not in Akkoma's format", h)
	}
	assertVerifies(t, "correct horse", h)
}

func TestHashArgon2idWith(t *testing.T) {
	salt, err := decodeB64("zEMMsTuK5KkL5AFWbX7jyQ")
	if err != nil {
		t.Fatal(err)
	}
	if got := hashArgon2idWith("password", salt); got != argon2Password {
		t.Errorf("HashArgon2idWith = %q, want %q", got, argon2Password)
	}
}

func assertVerifies(t *testing.T, password, hash string) {
	t.Helper()
	if ok, err := Verify(password, hash); !ok || err != nil {
		t.Errorf("Verify(right password) = %v, %v", ok, err)
	}
	if ok, err := Verify(password+"x", hash); ok || err != nil {
		t.Errorf("Verify(wrong password) = %v, %v", ok, err)
	}
	if ok, err := Verify("", hash); ok || err != nil {
		t.Errorf("Verify(empty password) = %v, %v", ok, err)
	}
}

func TestVerifyPBKDF2Variants(t *testing.T) {
	salt := []byte("0123456789abcdef")
	ok, err := Verify("password", hashPBKDF2With("password", salt, 3))
	if !ok || err != nil {
		t.Fatalf("3 iterations: %v, %v", ok, err)
	}
	// Empty fields are dropped, as the servers split with trim: true.
	h := strings.Replace(pbkdf2Password1, "$1$", "$$1$$", 1)
	if ok, err := Verify("password", h); !ok || err != nil {
		t.Errorf("with empty fields: %v, %v", ok, err)
	}
	// '+' in place of '.' in the salt decodes alike, but the key is
	// compared in its ab64 form, so '+' there never matches.
	h = strings.Replace(pbkdf2Password1, "Y.4R", "Y+4R", 1)
	if ok, err := Verify("password", h); !ok || err != nil {
		t.Errorf("'+' in salt: %v, %v", ok, err)
	}
	h = strings.Replace(pbkdf2Test, "AY.Ep", "AY+Ep", 1)
	if ok, err := Verify("test-password", h); ok || err != nil {
		t.Errorf("'+' in key: %v, %v; want false, nil", ok, err)
	}
	// Another digest, with the servers' fixed 64-byte key.
	for _, d := range []string{"sha", "sha224", "sha256", "sha384"} {
		h := "$pbkdf2-" + d + "$2$" + ab64Encode(salt) + "$" + ab64Encode(pbkdf2Ref(d, "pw", salt, 2))
		if ok, err := Verify("pw", h); !ok || err != nil {
			t.Errorf("%s: %v, %v", d, ok, err)
		}
	}
	// A foreign pbkdf2-sha256 hash with a 32-byte key never verifies.
	h = "$pbkdf2-sha256$2$" + ab64Encode(salt) + "$" + ab64Encode(pbkdf2Ref("sha256", "pw", salt, 2)[:32])
	if ok, err := Verify("pw", h); ok || err != nil {
		t.Errorf("32-byte sha256 key: %v, %v; want false, nil", ok, err)
	}
}

func TestVerifyArgon2Variants(t *testing.T) {
	salt := []byte("saltsaltsalt")
	// argon2i, small parameters, a 20-byte hash.
	h := encodeArgon2("argon2i", 0x13, 64, 1, 1, salt, argon2KeyI("pw", salt, 1, 64, 1, 20))
	if ok, err := Verify("pw", h); !ok || err != nil {
		t.Errorf("argon2i: %v, %v", ok, err)
	}
	if ok, err := Verify("pX", h); ok || err != nil {
		t.Errorf("argon2i wrong: %v, %v", ok, err)
	}
	if got := MemoryCost(h); got != 64*1024 {
		t.Errorf("MemoryCost = %d", got)
	}
}

func TestMemoryCost(t *testing.T) {
	tests := []struct {
		hash string
		want int64
	}{
		{argon2Password, 64 << 20},
		{pbkdf2Test, 0},
		{bcryptPassword, 0},
		{invalidHash, 0},
		{"$argon2id$v=19$m=65536,t=8,p=2$zz$zz", 0},
	}
	for _, tt := range tests {
		if got := MemoryCost(tt.hash); got != tt.want {
			t.Errorf("MemoryCost(%.25q) = %d, want %d", tt.hash, got, tt.want)
		}
	}
}

// TestVerifyErrors checks that hashes that cannot be checked give errors of
// the right kind, and that no error quotes the password or the hash.
func TestVerifyErrors(t *testing.T) {
	const secret = "Sup3rSecretPassw0rd"
	tests := []struct {
		hash string
		want error
	}{
		{invalidHash, ErrUnrecognized},
		{"", ErrUnrecognized},
		{secret, ErrUnrecognized},
		{"$6$saltsalt$" + secret, ErrUnrecognized},
		{"$pbkdf2-sha512$160000$" + secret, ErrMalformed},
		{"$pbkdf2-sha512$x" + secret + "$c2FsdA$aGFzaA", ErrMalformed},
		{"$pbkdf2-sha512$-1$c2FsdA$aGFzaA", ErrMalformed},
		{"$pbkdf2-sha512$0$c2FsdA$aGFzaA", ErrMalformed},
		{"$pbkdf2-sha512$1$" + secret + "!$aGFzaA", ErrMalformed},
		{"$pbkdf2sha512$1$c2FsdA$aGFzaA", ErrMalformed},
		{"$pbkdf2-md5" + secret + "$1$c2FsdA$aGFzaA", ErrUnsupported},
		{"$pbkdf2-sha512$1$c2FsdA$aGFzaA$" + secret, ErrMalformed},
		{"$2a$10$" + secret, ErrMalformed},
		{"$2" + secret, ErrMalformed},
		{"$2a$99$uyhC/R/zoE1ndwwCtMusK.TLVzkQ/Ugsbqp3uXI.CTTz0gBw.24jS", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=8,p=2$" + secret, ErrMalformed},
		{"$argon2" + secret + "$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=" + secret + ",p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=08,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$t=8,m=65536,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=0,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=8,p=0$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=8,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ==$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyR$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=8,p=2$c2FsdA$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$Vy\naQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrMalformed},
		{"$argon2id$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g$" + secret, ErrMalformed},
		{"$argon2id$v=16$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrUnsupported},
		{"$argon2id$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrUnsupported},
		{"$argon2d$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrUnsupported},
		{"$argon2id$v=19$m=65536,t=8,p=256$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrUnsupported},
		{"$argon2id$v=19$m=4294967295,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g", ErrUnsupported},
	}
	for _, tt := range tests {
		ok, err := Verify(secret, tt.hash)
		if ok || !errors.Is(err, tt.want) {
			t.Errorf("Verify(_, %.40q) = %v, %v; want false, %v", tt.hash, ok, err, tt.want)
			continue
		}
		msg := err.Error()
		if strings.Contains(msg, secret) || (len(tt.hash) > 8 && strings.Contains(msg, tt.hash)) {
			t.Errorf("error %q quotes the password or hash", msg)
		}
		for _, field := range strings.Split(tt.hash, "$") {
			if len(field) >= 10 && strings.Contains(msg, field) {
				t.Errorf("error %q quotes hash field %q", msg, field)
			}
		}
	}
}

func TestRandomPassword(t *testing.T) {
	re := regexp.MustCompile(`^[A-Za-z0-9+/]{22}==$`)
	a, err := RandomPassword()
	if err != nil {
		t.Fatal(err)
	}
	b, err := RandomPassword()
	if err != nil {
		t.Fatal(err)
	}
	if !re.MatchString(a) || !re.MatchString(b) || a == b {
		t.Errorf("RandomPassword = %q, %q", a, b)
	}
}

func TestAb64(t *testing.T) {
	b := []byte{0xfb, 0xef, 0xff, 0x00}
	if got := ab64Encode(b); got != "..//AA" {
		t.Errorf("ab64Encode = %q", got)
	}
	if got, err := ab64Decode("..//AA"); err != nil || !bytes.Equal(got, b) {
		t.Errorf("ab64Decode = %x, %v", got, err)
	}
}

func BenchmarkHashPBKDF2(b *testing.B) {
	for b.Loop() {
		if _, err := HashPBKDF2("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkHashArgon2id(b *testing.B) {
	for b.Loop() {
		if _, err := HashArgon2id("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}
