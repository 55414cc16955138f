package applier

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/plans"
)

// namedBuckets is how many buckets of a change over many accounts
// Differences reads to name the accounts that moved; the others are
// counted.
const namedBuckets = 16

// Differences is plans.Differences of want, the approved plan, and got,
// a plan made again, with the accounts that moved named: where a change
// over many accounts (local_users, remote_instance) would now change other
// accounts than want's, it reads the rows of the buckets whose digests
// differ (accountset), and of no other, and names each account that is
// among the accounts to change in one plan and not the other. name says
// what want is, e.g. "the saved plan".
func Differences(ctx context.Context, q live.Querier, want, got *plans.Plan, name string) ([]string, error) {
	out := plans.Differences(want, got, name)
	wantBy := map[string]*plans.Change{}
	for i := range want.Changes {
		if c := &want.Changes[i]; wantBy[c.Address] == nil {
			wantBy[c.Address] = c
		}
	}
	for i := range got.Changes {
		g := &got.Changes[i]
		w := wantBy[g.Address]
		if w == nil || w.Type != g.Type || len(g.Accounts) == 0 || slices.Equal(w.Accounts, g.Accounts) {
			continue
		}
		lines, err := moved(ctx, q, g, accountset.Differences(w.Accounts, g.Accounts), name)
		if err != nil {
			return nil, err
		}
		out = append(out, lines...)
	}
	return out, nil
}

// moved names the accounts of g's buckets diffs that are among the
// accounts to change in one plan and not the other: one line each, or one
// line for a bucket where they cannot be told (more than two moved).
func moved(ctx context.Context, q live.Querier, g *plans.Change, diffs []accountset.Difference, name string) ([]string, error) {
	var out []string
	if len(diffs) > namedBuckets {
		out = append(out, fmt.Sprintf("%s: the accounts to change differ in %d buckets of accounts; the first %d are named", g.Address, len(diffs), namedBuckets))
		diffs = diffs[:namedBuckets]
	}
	domain := ""
	if g.Type == plans.TypeRemoteInstance {
		domain = g.Nickname
	}
	buckets := make([]int, len(diffs))
	for i, d := range diffs {
		buckets[i] = d.Bucket
	}
	accounts, err := live.ReadBuckets(ctx, q, domain, buckets)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(accounts))
	byID := make(map[string]live.Account, len(accounts))
	for i, a := range accounts {
		ids[i] = a.ID
		byID[a.ID] = a
	}
	for _, d := range diffs {
		found := d.Moved(ids)
		if found == nil {
			out = append(out, fmt.Sprintf("%s: %d accounts among those whose ids fall in bucket %d in %s, %d now, not the same ones",
				g.Address, d.Want, d.Bucket, name, d.Got))
			continue
		}
		var who []string
		for _, id := range found {
			who = append(who, showAccount(byID[id]))
		}
		switch d.Got - d.Want {
		case int64(len(found)):
			for _, w := range who {
				out = append(out, fmt.Sprintf("%s: counted in %s now, not in %s", w, g.Address, name))
			}
		case -int64(len(found)):
			for _, w := range who {
				out = append(out, fmt.Sprintf("%s: counted in %s in %s, not now", w, g.Address, name))
			}
		default:
			out = append(out, fmt.Sprintf("%s: one is counted in %s in %s and the other now", strings.Join(who, ", "), g.Address, name))
		}
	}
	return out, nil
}

// showAccount is a local account's address, or a remote account's
// nickname, quoted unless it is plain.
func showAccount(a live.Account) string {
	if a.Local {
		return addrs.Of(string(plans.TypeUser), a.Nickname)
	}
	if a.Nickname == "" || strings.ContainsFunc(a.Nickname, func(r rune) bool { return unicode.IsSpace(r) || !unicode.IsPrint(r) || r == '"' }) {
		return strconv.Quote(a.Nickname)
	}
	return a.Nickname
}
