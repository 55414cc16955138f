package applier

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/server/keys"
	"github.com/roster-project/roster/internal/server/password"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// newUser is an account to insert, with its slow material ready.
type newUser struct {
	change *plans.Change
	user   *schema.User
	keys   keys.Pair
	hash   string
}

// nativeHash hashes a password in the flavor's native format, so that the
// server never re-hashes it at login (which would also revoke the user's
// tokens).
func nativeHash(f server.Flavor, pw string) (string, error) {
	if f == server.Akkoma {
		return password.HashArgon2id(pw)
	}
	return password.HashPBKDF2(pw)
}

// prepareCreates generates the keys and password hashes of new accounts on
// all cores. A user without a password attribute gets a random password
// nobody knows, as the server's CLI does.
func prepareCreates(ctx context.Context, p *plans.Plan, cfg *schema.Config, parallelism int) ([]*newUser, error) {
	var out []*newUser
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action != plans.Create || c.Type != plans.TypeUser {
			continue
		}
		u := cfg.User(c.Nickname)
		if u == nil {
			return nil, fmt.Errorf("%s is in the plan but not in the configuration", c.Address)
		}
		out = append(out, &newUser{change: c, user: u})
	}
	err := parallel(ctx, len(out), hashWorkers(p.Server.Flavor, parallelism), func(i int) error {
		if err := prepareOne(p.Server.Flavor, out[i]); err != nil {
			return fmt.Errorf("preparing %s: %w", out[i].change.Address, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func prepareOne(f server.Flavor, n *newUser) error {
	var err error
	if n.keys, err = keys.Generate(); err != nil {
		return err
	}
	pw := n.user.Password.Reveal()
	switch n.user.PasswordMode {
	case schema.PasswordHash:
		n.hash = pw
		return nil
	case schema.PasswordUnmanaged:
		if pw, err = password.RandomPassword(); err != nil {
			return err
		}
	}
	n.hash, err = nativeHash(f, pw)
	return err
}

// prepareSecrets hashes, on all cores, the passwords that updates rewrite,
// by address.
func prepareSecrets(ctx context.Context, p *plans.Plan, cfg *schema.Config, parallelism int) (map[string]string, error) {
	type job struct{ address, password string }
	var jobs []job
	out := map[string]string{}
	for _, c := range p.Changes {
		if c.Action != plans.Update || c.Type != plans.TypeUser {
			continue
		}
		// An account changed by a group block or by pruning has no user
		// block, and so no password to set.
		u := cfg.User(c.Nickname)
		if u == nil {
			continue
		}
		switch {
		case c.Attr("password") != nil && u.PasswordMode == schema.PasswordEnforced:
			jobs = append(jobs, job{c.Address, u.Password.Reveal()})
		case c.Attr("password_hash") != nil && u.PasswordMode == schema.PasswordHash:
			out[c.Address] = u.Password.Reveal()
		}
	}
	hashes := make([]string, len(jobs))
	err := parallel(ctx, len(jobs), hashWorkers(p.Server.Flavor, parallelism), func(i int) error {
		h, err := nativeHash(p.Server.Flavor, jobs[i].password)
		if err != nil {
			return fmt.Errorf("hashing the password of %s: %w", jobs[i].address, err)
		}
		hashes[i] = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, j := range jobs {
		out[j.address] = hashes[i]
	}
	return out, nil
}

// hashMemory bounds the memory concurrent argon2id hashing may take.
const hashMemory = 512 << 20

// hashWorkers bounds parallelism by memory on Akkoma, whose argon2id takes
// 64 MiB a hash (counted twice, for the garbage collector's headroom).
func hashWorkers(f server.Flavor, parallelism int) int {
	if parallelism <= 0 {
		parallelism = runtime.GOMAXPROCS(0)
	}
	if f == server.Akkoma {
		parallelism = max(1, min(parallelism, hashMemory/(2*password.Argon2MemoryKiB*1024)))
	}
	return parallelism
}

// parallel runs do(0..n-1) on up to workers goroutines (GOMAXPROCS when
// workers <= 0) and returns the first error by index, or the context's.
func parallel(ctx context.Context, n, workers int, do func(i int) error) error {
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(workers, max(n, 1)) {
		wg.Go(func() {
			for i := range work {
				errs[i] = panics.Catch(func() error { return do(i) })
			}
		})
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
