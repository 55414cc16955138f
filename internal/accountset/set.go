package accountset

import (
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// Buckets is the number of buckets the ids fall into.
const Buckets = 256

// BucketSQL is the SQL of the bucket of a users row aliased u: the first
// byte of the MD5 of its id's text, as BucketOf computes it.
const BucketSQL = `get_byte(decode(md5(u.id::text), 'hex'), 0)`

// BucketOf is the bucket of the account of id (uuid text).
func BucketOf(id string) int {
	sum := md5.Sum([]byte(id))
	return int(sum[0])
}

// digestSize is the length of an id's digest and of a bucket's.
const digestSize = 16

// hashOf is the digest of one id: the first 16 bytes of its SHA-256.
func hashOf(id string) [digestSize]byte {
	sum := sha256.Sum256([]byte(id))
	return [digestSize]byte(sum[:digestSize])
}

// Set digests a set of accounts as it is built, whatever the order, in
// constant memory: for each bucket, how many ids it holds and the XOR of
// their digests. Each id is added once.
type Set struct {
	n     int64
	count [Buckets]int64
	sum   [Buckets][digestSize]byte
}

// Add adds the account of id (uuid text).
func (s *Set) Add(id string) {
	b, h := BucketOf(id), hashOf(id)
	for i := range h {
		s.sum[b][i] ^= h[i]
	}
	s.count[b]++
	s.n++
}

// Len is how many accounts were added.
func (s *Set) Len() int64 { return s.n }

// Buckets returns the set's buckets that hold accounts, in bucket order.
func (s *Set) Buckets() []Bucket {
	var out []Bucket
	for b := range s.count {
		if s.count[b] > 0 {
			out = append(out, Bucket{Bucket: b, Count: s.count[b], Digest: hex.EncodeToString(s.sum[b][:])})
		}
	}
	return out
}

// Bucket is one bucket of a set that holds accounts, as a plan records it.
type Bucket struct {
	// Bucket is its number, BucketOf its accounts' ids.
	Bucket int `json:"bucket"`
	// Count is how many accounts it holds.
	Count int64 `json:"count"`
	// Digest is the XOR of the first 16 bytes of the SHA-256 of each id,
	// in lower-case hex.
	Digest string `json:"digest"`
}

// Check reports what makes buckets, read from a file, other than a list
// Set.Buckets returns: a number out of range or out of order, a count
// below one, a digest that is not 32 lower-case hex digits.
func Check(buckets []Bucket) error {
	for i, b := range buckets {
		switch {
		case b.Bucket < 0 || b.Bucket >= Buckets:
			return fmt.Errorf("bucket %d is not one of 0 to %d", b.Bucket, Buckets-1)
		case i > 0 && b.Bucket <= buckets[i-1].Bucket:
			return fmt.Errorf("bucket %d is listed after bucket %d", b.Bucket, buckets[i-1].Bucket)
		case b.Count < 1:
			return fmt.Errorf("bucket %d counts %d accounts", b.Bucket, b.Count)
		case !lowerHex(b.Digest, 2*digestSize):
			return fmt.Errorf("bucket %d has a digest that is not %d lower-case hex digits", b.Bucket, 2*digestSize)
		}
	}
	return nil
}

func lowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
