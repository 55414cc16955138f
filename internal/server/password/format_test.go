package password

import (
	"errors"
	"testing"
)

func TestCheck(t *testing.T) {
	valid := []string{
		"$pbkdf2-sha512$160000$loXqbp8GYls43F0i6lEfIw$AY.Ep.2pGe57j2hAPY635sI/6w7l9Q9u9Bp02PkPmF3OrClDtJAI8bCiivPr53OKMF7ph6iHhN68Rom5nEfC2A",
		"$2a$10$uyhC/R/zoE1ndwwCtMusK.TLVzkQ/Ugsbqp3uXI.CTTz0gBw.24jS",
		"$argon2id$v=19$m=65536,t=8,p=2$zEMMsTuK5KkL5AFWbX7jyQ$VyaQD7PF6e9btz0oH1YiAkWwIGZ7WNDZP8l+a/O171g",
	}
	for _, h := range valid {
		if err := Check(h); err != nil {
			t.Errorf("Check(%.20s…) = %v", h, err)
		}
	}
	invalid := map[string]error{
		"$pbkdf2garbage":                    ErrMalformed,
		"$pbkdf2-sha512$160000$salt$short":  ErrMalformed,
		"$2b$":                              ErrMalformed,
		"$argon2id$v=19$m=65536,t=8,p=2$xx": ErrMalformed,
		"plain":                             ErrUnrecognized,
		"$6$salt$hash":                      ErrUnrecognized,
	}
	for h, want := range invalid {
		if err := Check(h); !errors.Is(err, want) {
			t.Errorf("Check(%q) = %v, want %v", h, err, want)
		}
	}
}
