package applier

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/internal/progress"
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

// prepare does the slow work of an apply of p on all cores, before the
// lock: it generates the keys and password hashes of new accounts, and the
// hashes of the passwords that updates rewrite (by address), counting each
// account and each password for opts.Progress.
func prepare(ctx context.Context, p *plans.Plan, cfg *schema.Config, opts Options) ([]*newUser, map[string]string, error) {
	creates, err := newUsers(p, cfg)
	if err != nil {
		return nil, nil, err
	}
	jobs, secrets := passwordJobs(p, cfg)
	done := progress.New(opts.Progress, len(creates)+len(jobs))
	if err := prepareCreates(ctx, p.Server.Flavor, creates, opts.Parallelism, done); err != nil {
		return nil, nil, err
	}
	if err := hashPasswords(ctx, p.Server.Flavor, jobs, secrets, opts.Parallelism, done); err != nil {
		return nil, nil, err
	}
	return creates, secrets, nil
}

// newUsers are the accounts p creates, to prepare.
func newUsers(p *plans.Plan, cfg *schema.Config) ([]*newUser, error) {
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
	return out, nil
}

// prepareCreates generates the keys and password hashes of new accounts on
// all cores. A user without a password attribute gets a random password
// nobody knows, as the server's CLI does.
func prepareCreates(ctx context.Context, f server.Flavor, creates []*newUser, parallelism int, done *progress.Counter) error {
	return parallel(ctx, len(creates), hashWorkers(f, parallelism), func(i int) error {
		if err := prepareOne(f, creates[i]); err != nil {
			return fmt.Errorf("preparing %s: %w", creates[i].change.Address, err)
		}
		done.Done()
		return nil
	})
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

// passwordJob is a password an update rewrites, to hash.
type passwordJob struct{ address, password string }

// passwordJobs are the passwords that the updates of p rewrite: those to
// hash, and by address the hashes the configuration gives (password_hash).
func passwordJobs(p *plans.Plan, cfg *schema.Config) ([]passwordJob, map[string]string) {
	var jobs []passwordJob
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
			jobs = append(jobs, passwordJob{c.Address, u.Password.Reveal()})
		case c.Attr("password_hash") != nil && u.PasswordMode == schema.PasswordHash:
			out[c.Address] = u.Password.Reveal()
		}
	}
	return jobs, out
}

// hashPasswords hashes the passwords of jobs on all cores, into out by
// address.
func hashPasswords(ctx context.Context, f server.Flavor, jobs []passwordJob, out map[string]string, parallelism int, done *progress.Counter) error {
	hashes := make([]string, len(jobs))
	err := parallel(ctx, len(jobs), hashWorkers(f, parallelism), func(i int) error {
		h, err := nativeHash(f, jobs[i].password)
		if err != nil {
			return fmt.Errorf("hashing the password of %s: %w", jobs[i].address, err)
		}
		hashes[i] = h
		done.Done()
		return nil
	})
	if err != nil {
		return err
	}
	for i, j := range jobs {
		out[j.address] = hashes[i]
	}
	return nil
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
