package planfile

import (
	"cmp"
	"crypto/pbkdf2"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"runtime"
	"sort"
	"sync"

	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// configHash digests the configuration: the bytes of every *.hcl file, by
// name, and the evaluated configuration, its secrets included (so the
// contents of a file() it reads and every variable value that reaches it
// count). The directory it was read from does not count, so that --chdir
// may name it differently at apply. Everything goes through the KDF with
// the plan's salt: the hash lets no one test guesses of a secret cheaply.
func configHash(cfg *schema.Config, salt []byte, iterations int) string {
	c := *cfg
	c.Dir, c.Files = "", nil
	// Secret marshals as "(sensitive value)": the secrets are added below.
	state, err := json.Marshal(&c)
	if err != nil {
		// A Config is plain data; this cannot happen. Make the hash one that
		// matches nothing rather than one that matches everything.
		state = []byte("unhashable: " + err.Error())
	}
	parts := [][]byte{[]byte("roster configuration"), state, []byte(cfg.Server.InviteSecret.Reveal())}
	for _, u := range cfg.Users {
		parts = append(parts, []byte(u.Address()), []byte(u.Password.Reveal()))
	}
	for _, i := range cfg.Invites {
		parts = append(parts, []byte(i.Address()), []byte(i.Token.Reveal()))
	}
	names := make([]string, 0, len(cfg.Files))
	for n := range cfg.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		parts = append(parts, []byte(n), cfg.Files[n].Bytes)
	}
	return kdf(hex.EncodeToString(hashSum(parts...)), salt, "configuration", iterations)
}

// kdf is the salted, slow digest of secret, bound to a purpose.
func kdf(secret string, salt []byte, purpose string, iterations int) string {
	s := append(append([]byte{}, salt...), hashSum([]byte(purpose))...)
	key, err := pbkdf2.Key(sha256.New, secret, s, iterations, 32)
	if err != nil {
		// Only FIPS mode refuses these parameters; a digest that matches
		// nothing makes apply refuse rather than accept.
		return "error: " + err.Error()
	}
	return hex.EncodeToString(key)
}

// secretUse is a secret the plan relies on.
type secretUse struct {
	address, attribute, value string
}

// secretsOf lists, in plan order, the secrets the plan's changes rely on:
// the password attribute of each user created, or whose password or
// password_hash is rewritten, and the token of each invite created or
// updated (an invite is matched to its row by token).
func secretsOf(p *plans.Plan, cfg *schema.Config) []secretUse {
	var out []secretUse
	for i := range p.Changes {
		c := &p.Changes[i]
		switch {
		case c.Type == plans.TypeInvite:
			for _, inv := range cfg.Invites {
				if inv.Name == c.Nickname && (c.Action == plans.Create || c.Action == plans.Update) {
					out = append(out, secretUse{c.Address, "token", inv.Token.Reveal()})
				}
			}
		case c.Type != plans.TypeUser:
		case c.Action == plans.Create || c.Action == plans.Update:
			u := cfg.User(c.Nickname)
			if u == nil || u.PasswordMode == schema.PasswordUnmanaged {
				continue
			}
			if c.Action == plans.Create || c.Attr("password") != nil || c.Attr("password_hash") != nil {
				out = append(out, secretUse{c.Address, u.PasswordMode.Attribute(), u.Password.Reveal()})
			}
		}
	}
	return out
}

// digests digests the secrets the plan relies on, on every core.
func digests(p *plans.Plan, cfg *schema.Config, salt []byte, iterations int) []SecretDigest {
	uses := secretsOf(p, cfg)
	out := make([]SecretDigest, len(uses))
	failed := make([]error, len(uses)) // a panic, as an error
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), max(len(uses), 1)) {
		wg.Go(func() {
			for i := range work {
				failed[i] = panics.Catch(func() error {
					u := uses[i]
					out[i] = SecretDigest{Address: u.address, Attribute: u.attribute,
						Digest: kdf(u.value, salt, u.address+"\x00"+u.attribute, iterations)}
					return nil
				})
			}
		})
	}
	for i := range uses {
		work <- i
	}
	close(work)
	wg.Wait()
	if err := cmp.Or(failed...); err != nil {
		panic(err) // on the caller's goroutine, where cli.Main recovers it
	}
	return out
}
