package applier

import (
	"context"
	"fmt"
	"runtime"
	"sync"

	"github.com/roster-project/roster/internal/keys"
	"github.com/roster-project/roster/internal/password"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/planner"
	"github.com/roster-project/roster/schema"
)

// newUser is an account to insert, with its slow material ready.
type newUser struct {
	change *planner.Change
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
func prepareCreates(ctx context.Context, p *planner.Plan, cfg *schema.Config, parallelism int) ([]*newUser, error) {
	var out []*newUser
	for i := range p.Changes {
		c := &p.Changes[i]
		if c.Action != planner.Create {
			continue
		}
		u := cfg.User(c.Nickname)
		if u == nil {
			return nil, fmt.Errorf("applier: %s is in the plan but not in the configuration", c.Address)
		}
		out = append(out, &newUser{change: c, user: u})
	}
	if parallelism <= 0 {
		parallelism = runtime.GOMAXPROCS(0)
	}
	errs := make([]error, len(out))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(parallelism, max(len(out), 1)) {
		wg.Go(func() {
			for i := range work {
				errs[i] = prepareOne(p.Server.Flavor, out[i])
			}
		})
	}
	for i := range out {
		if ctx.Err() != nil {
			break
		}
		work <- i
	}
	close(work)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("applier: preparing %s: %w", out[i].change.Address, err)
		}
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

// prepareSecrets hashes the passwords that updates rewrite, by address.
func prepareSecrets(ctx context.Context, p *planner.Plan, cfg *schema.Config) (map[string]string, error) {
	out := map[string]string{}
	for _, c := range p.Changes {
		if c.Action != planner.Update {
			continue
		}
		u := cfg.User(c.Nickname)
		if u == nil {
			return nil, fmt.Errorf("applier: %s is in the plan but not in the configuration", c.Address)
		}
		switch {
		case c.Attr("password") != nil && u.PasswordMode == schema.PasswordEnforced:
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			h, err := nativeHash(p.Server.Flavor, u.Password.Reveal())
			if err != nil {
				return nil, fmt.Errorf("applier: hashing the password of %s: %w", c.Address, err)
			}
			out[c.Address] = h
		case c.Attr("password_hash") != nil && u.PasswordMode == schema.PasswordHash:
			out[c.Address] = u.Password.Reveal()
		}
	}
	return out, nil
}
