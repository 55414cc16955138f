package accountset

import "encoding/hex"

// Difference is a bucket in which two sets differ: its number, how many
// accounts each set holds there, and the XOR of the two digests, which is
// the XOR of the digests of the accounts in one set and not the other.
type Difference struct {
	Bucket    int
	Want, Got int64
	xor       [digestSize]byte
}

// Differences returns the buckets in which two sets, as Set.Buckets gave
// them, differ, in bucket order; none when they hold the same accounts
// (but for a collision of 128-bit digests).
func Differences(want, got []Bucket) []Difference {
	var w, g [Buckets]*Bucket
	for i := range want {
		if b := want[i].Bucket; b >= 0 && b < Buckets {
			w[b] = &want[i]
		}
	}
	for i := range got {
		if b := got[i].Bucket; b >= 0 && b < Buckets {
			g[b] = &got[i]
		}
	}
	var out []Difference
	for b := range Buckets {
		if w[b] == nil && g[b] == nil {
			continue
		}
		d := Difference{Bucket: b}
		for _, side := range []struct {
			bucket *Bucket
			count  *int64
		}{{w[b], &d.Want}, {g[b], &d.Got}} {
			if side.bucket == nil {
				continue
			}
			*side.count = side.bucket.Count
			raw, err := hex.DecodeString(side.bucket.Digest)
			if err != nil || len(raw) != digestSize {
				raw = make([]byte, digestSize) // Check refuses such a file first
			}
			for i := range d.xor {
				d.xor[i] ^= raw[i]
			}
		}
		if d.Want != d.Got || d.xor != ([digestSize]byte{}) {
			out = append(out, d)
		}
	}
	return out
}

// Moved finds, among the accounts of the bucket (ids, each once, those in
// either set among them), the one or two in one set and not the other:
// the ones whose digests XOR to the bucket's difference. It returns nil
// when no one or two of them do (more accounts moved, or one that is no
// longer among ids). It takes one pass over ids.
func (d Difference) Moved(ids []string) []string {
	seen := make(map[[digestSize]byte]string, len(ids))
	for _, id := range ids {
		if BucketOf(id) != d.Bucket {
			continue
		}
		h := hashOf(id)
		if h == d.xor {
			return []string{id}
		}
		var other [digestSize]byte
		for i := range h {
			other[i] = h[i] ^ d.xor[i]
		}
		if o, ok := seen[other]; ok {
			return []string{o, id}
		}
		seen[h] = id
	}
	return nil
}
