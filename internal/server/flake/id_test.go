package flake

import (
	"bytes"
	"encoding/hex"
	"strings"
	"testing"
	"time"
)

func mustHex(t *testing.T, s string) ID {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil || len(b) != 16 {
		t.Fatalf("bad test hex %q", s)
	}
	return ID(b)
}

func TestVectors(t *testing.T) {
	tests := []struct {
		name   string
		base62 string
		uuid   string
		bytes  string
	}{
		{"PL user.ex doc", "9pQtDGXuq4p3VlcJEm", "0000016e-b3da-2a5c-d529-2ce35fd50000", "00 00 01 6e b3 da 2a 5c d5 29 2c e3 5f d5 00 00"},
		{"flake_id test", "9eoozpwTul5mjSEDRI", "00000168-50e5-02eb-8c16-45c935d20000", "00 00 01 68 50 e5 02 eb 8c 16 45 c9 35 d2 00 00"},
		{"legacy serial", "42", "00000000-0000-0000-0000-00000000002a", "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 2a"},
		{"derived", "An75T6fhBmTajVBuNT", "00000192-9cec-8800-0123-456789ab0007", "00 00 01 92 9c ec 88 00 01 23 45 67 89 ab 00 07"},
		{"zero", "0", "00000000-0000-0000-0000-000000000000", "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := mustHex(t, tt.bytes)
			if got := want.String(); got != tt.base62 {
				t.Errorf("String() = %q, want %q", got, tt.base62)
			}
			if got := want.UUID(); got != tt.uuid {
				t.Errorf("UUID() = %q, want %q", got, tt.uuid)
			}
			id, err := ParseBase62(tt.base62)
			if err != nil || id != want {
				t.Errorf("ParseBase62(%q) = %s, %v; want %s", tt.base62, id.UUID(), err, want.UUID())
			}
			id, err = ParseUUID(tt.uuid)
			if err != nil || id != want {
				t.Errorf("ParseUUID(%q) = %s, %v; want %s", tt.uuid, id.UUID(), err, want.UUID())
			}
			id, err = ParseUUID(strings.ToUpper(tt.uuid))
			if err != nil || id != want {
				t.Errorf("ParseUUID(upper %q) = %s, %v; want %s", tt.uuid, id.UUID(), err, want.UUID())
			}
		})
	}
}

func TestFields(t *testing.T) {
	id := New(1729209600000, 0x0123456789ab, 7)
	if got, want := id.UUID(), "00000192-9cec-8800-0123-456789ab0007"; got != want {
		t.Fatalf("New(...).UUID() = %q, want %q", got, want)
	}
	if got, want := id.String(), "An75T6fhBmTajVBuNT"; got != want {
		t.Fatalf("New(...).String() = %q, want %q", got, want)
	}
	if id.UnixMilli() != 1729209600000 || id.Worker() != 0x0123456789ab || id.Seq() != 7 {
		t.Errorf("fields = %d %x %d", id.UnixMilli(), id.Worker(), id.Seq())
	}
	want := time.Date(2024, 10, 18, 0, 0, 0, 0, time.UTC)
	if got := id.Time(); !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Time() = %v, want %v", got, want)
	}
	// 9pQtDGXuq4p3VlcJEm is from 2019-11-28.
	id, _ = ParseBase62("9pQtDGXuq4p3VlcJEm")
	if got := id.Time().Format(time.DateOnly); got != "2019-11-28" {
		t.Errorf("Time() of 9pQtDGXuq4p3VlcJEm = %s", got)
	}
	if New(5, 1<<60|0xabc, 1).Worker() != 0xabc {
		t.Errorf("worker bits above 48 not dropped")
	}
}

func TestParseErrors(t *testing.T) {
	for _, s := range []string{
		"",
		"-1",
		"+42",
		"12a",                    // short and not decimal: the servers read it as an integer
		"9pQtDGXuq4p3VlcJE!",     // bad digit
		"zzzzzzzzzzzzzzzzzzzzzz", // > 2^128
		"0000000000000000000000000000000000000000", // fits, many leading zeros: accepted below
	} {
		_, err := ParseBase62(s)
		if s == "0000000000000000000000000000000000000000" {
			if err != nil {
				t.Errorf("ParseBase62(%q) error %v", s, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseBase62(%q) succeeded", s)
		}
	}
	// The largest 128-bit value is 7n42DGM5Tflk9n8mt7Fhc7 in Base62.
	max := ID(bytes.Repeat([]byte{0xff}, 16))
	if got := max.String(); got != "7n42DGM5Tflk9n8mt7Fhc7" {
		t.Errorf("max.String() = %q", got)
	}
	if id, err := ParseBase62("7n42DGM5Tflk9n8mt7Fhc8"); err == nil {
		t.Errorf("ParseBase62(max+1) = %s", id.UUID())
	}
	for _, s := range []string{
		"",
		"0000016e-b3da-2a5c-d529-2ce35fd5000",
		"0000016eb3da2a5cd5292ce35fd50000",
		"0000016e-b3da-2a5c-d529-2ce35fd5000g",
		"0000016e+b3da-2a5c-d529-2ce35fd50000",
	} {
		if _, err := ParseUUID(s); err == nil {
			t.Errorf("ParseUUID(%q) succeeded", s)
		}
	}
}

func TestOrdering(t *testing.T) {
	// Byte order, Base62 order (for same-length strings) and time agree.
	a := New(1729209600000, 0xffffffffffff, 0xffff)
	b := New(1729209600001, 0, 0)
	if bytes.Compare(a[:], b[:]) >= 0 {
		t.Errorf("bytes not ordered")
	}
	if sa, sb := a.String(), b.String(); len(sa) != len(sb) || sa >= sb {
		t.Errorf("Base62 not ordered: %s %s", sa, sb)
	}
}

func FuzzBase62RoundTrip(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0x6e, 0xb3, 0xda, 0x2a, 0x5c, 0xd5, 0x29, 0x2c, 0xe3, 0x5f, 0xd5, 0, 0})
	f.Add(make([]byte, 16))
	f.Add(bytes.Repeat([]byte{0xff}, 16))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) != 16 {
			t.Skip()
		}
		id := ID(b)
		s := id.String()
		if !readable(id) {
			// The servers cannot read these back either; the short
			// Base62 must not be taken for a legacy id unless decimal.
			if _, err := ParseBase62(s); err == nil && !isDecimal(s) {
				t.Fatalf("short Base62 %q accepted", s)
			}
			return
		}
		got, err := ParseBase62(s)
		if err != nil {
			t.Fatalf("ParseBase62(%q): %v", s, err)
		}
		if got != id {
			t.Fatalf("round trip %s -> %q -> %s", id.UUID(), s, got.UUID())
		}
		if u, err := ParseUUID(id.UUID()); err != nil || u != id {
			t.Fatalf("uuid round trip %q -> %s, %v", id.UUID(), u.UUID(), err)
		}
	})
}

func FuzzParseBase62(f *testing.F) {
	for _, s := range []string{"9pQtDGXuq4p3VlcJEm", "42", "", "7n42DGM5Tflk9n8mt7Fhc8", "000000000000000000001"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		id, err := ParseBase62(s)
		if err != nil {
			return
		}
		if !readable(id) {
			return
		}
		again, err := ParseBase62(id.String())
		if err != nil || again != id {
			t.Fatalf("%q -> %s -> %q -> %s, %v", s, id.UUID(), id.String(), again.UUID(), err)
		}
	})
}

// readable reports whether the servers read id.String() back as id. They do
// not for ids dated before 1975 (Base62 shorter than 18 characters, read as
// decimal) nor for legacy ids of 10^17 or more (18+ decimal digits, read as
// Base62).
func readable(id ID) bool {
	return (id.hi() == 0) == (len(id.String()) < legacyMaxLen)
}

func isDecimal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}
