package accountset_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/roster-project/roster/internal/accountset"
)

func ids(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("00000199-0000-0000-0000-%012x", i)
	}
	return out
}

func setOf(ids ...string) []accountset.Bucket {
	var s accountset.Set
	for _, id := range ids {
		s.Add(id)
	}
	return s.Buckets()
}

// TestBucketsAreOrderFree: the buckets of a set do not depend on the order
// the ids come in; only buckets that hold accounts are listed, in order,
// and Check accepts them.
func TestBucketsAreOrderFree(t *testing.T) {
	all := ids(1000)
	b := setOf(all...)
	rev := slices.Clone(all)
	slices.Reverse(rev)
	if !slices.Equal(b, setOf(rev...)) {
		t.Error("the buckets depend on the order of the ids")
	}
	total := int64(0)
	for _, x := range b {
		total += x.Count
	}
	if total != 1000 || len(b) > accountset.Buckets {
		t.Errorf("%d buckets count %d accounts", len(b), total)
	}
	if err := accountset.Check(b); err != nil {
		t.Error(err)
	}
	if one := setOf(all[0]); len(one) != 1 || one[0].Bucket != accountset.BucketOf(all[0]) || one[0].Count != 1 {
		t.Errorf("one account: %+v", one)
	}
	if setOf() != nil {
		t.Error("an empty set lists buckets")
	}
}

// TestMovedAccountsAreFound: the buckets that differ are only those where
// accounts moved, and in each, one or two accounts that moved are found
// among the bucket's accounts; three are not told apart.
func TestMovedAccountsAreFound(t *testing.T) {
	all := ids(2000)
	want := all[:1500]
	// In the bucket of all[10]: all[10] left, and all[1600] joined where
	// it shares the bucket; in another, all[1700] joined alone.
	var joined, third string
	for _, id := range all[1500:] {
		if accountset.BucketOf(id) == accountset.BucketOf(all[10]) && joined == "" {
			joined = id
		} else if accountset.BucketOf(id) != accountset.BucketOf(all[10]) && third == "" {
			third = id
		}
	}
	if joined == "" || third == "" {
		t.Fatal("no id of the second part shares the bucket of all[10], or none is in another")
	}
	got := append(slices.DeleteFunc(slices.Clone(want), func(id string) bool { return id == all[10] }), joined, third)
	diffs := accountset.Differences(setOf(want...), setOf(got...))
	if len(diffs) != 2 {
		t.Fatalf("%d buckets differ, want 2: %+v", len(diffs), diffs)
	}
	for _, d := range diffs {
		found := d.Moved(all)
		switch d.Bucket {
		case accountset.BucketOf(all[10]):
			slices.Sort(found)
			w := []string{all[10], joined}
			slices.Sort(w)
			if !slices.Equal(found, w) || d.Want != d.Got {
				t.Errorf("bucket %d: found %q (%d → %d), want %q", d.Bucket, found, d.Want, d.Got, w)
			}
		case accountset.BucketOf(third):
			if !slices.Equal(found, []string{third}) || d.Got != d.Want+1 {
				t.Errorf("bucket %d: found %q (%d → %d), want %s joining", d.Bucket, found, d.Want, d.Got, third)
			}
		default:
			t.Errorf("bucket %d differs", d.Bucket)
		}
	}
	if d := accountset.Differences(setOf(want...), setOf(want...)); d != nil {
		t.Errorf("the same set differs: %+v", d)
	}
	// Three accounts of one bucket gone: not told apart.
	var gone []string
	for _, id := range want {
		if accountset.BucketOf(id) == accountset.BucketOf(all[0]) && len(gone) < 3 {
			gone = append(gone, id)
		}
	}
	diffs = accountset.Differences(setOf(want...), setOf(slices.DeleteFunc(slices.Clone(want), func(id string) bool { return slices.Contains(gone, id) })...))
	if len(diffs) != 1 || diffs[0].Moved(all) != nil || diffs[0].Want-diffs[0].Got != 3 {
		t.Errorf("three gone from one bucket: %+v", diffs)
	}
}

// TestCheck refuses buckets no Set lists.
func TestCheck(t *testing.T) {
	ok := "0123456789abcdef0123456789abcdef"
	for name, b := range map[string][]accountset.Bucket{
		"out of range": {{Bucket: 256, Count: 1, Digest: ok}},
		"negative":     {{Bucket: -1, Count: 1, Digest: ok}},
		"out of order": {{Bucket: 5, Count: 1, Digest: ok}, {Bucket: 4, Count: 1, Digest: ok}},
		"twice":        {{Bucket: 5, Count: 1, Digest: ok}, {Bucket: 5, Count: 1, Digest: ok}},
		"empty":        {{Bucket: 5, Count: 0, Digest: ok}},
		"short":        {{Bucket: 5, Count: 1, Digest: ok[:30]}},
		"upper case":   {{Bucket: 5, Count: 1, Digest: "0123456789ABCDEF0123456789ABCDEF"}},
	} {
		if accountset.Check(b) == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
