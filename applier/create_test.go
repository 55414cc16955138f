package applier_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/roster-project/roster/internal/pgtest"
	"github.com/roster-project/roster/internal/server/flake"
	"github.com/roster-project/roster/internal/server/password"
)

const createConfig = `
server { url = "https://social.example.org" }
variable "pw" { sensitive = true }
user "Alice" {
  email    = "alice@example.org"
  name     = "Alice Liddell"
  bio      = "Curious <3 & \"brave\"\nsecond line"
  admin    = true
  tags     = ["Staff", "verified", "staff"]
  password = var.pw
}
user "hatter" {
  confirmed = false
  active    = false
}
`

// TestCreateAsTheServerDoes checks every column of a new account against
// what the server writes (server-semantics §3), on both flavors.
func TestCreateAsTheServerDoes(t *testing.T) {
	for _, f := range pgtest.Flavors() {
		t.Run(f.Name, func(t *testing.T) {
			t.Parallel()
			conn := pgtest.Connect(t, pgtest.New(t, f))
			cfg := config(t, createConfig, "pw=tea-party")
			before := time.Now().UTC().Truncate(time.Second)
			p := applyConverged(t, conn, cfg)
			after := time.Now().UTC()
			if add, change, destroy := p.Counts(); add != 2 || change != 0 || destroy != 0 {
				t.Fatalf("counts = %d/%d/%d, want 2/0/0", add, change, destroy)
			}

			var id, nick, email, name, bio, rawBio, ap, followers, following, featured, hash, avatar string
			var tags []string
			var admin, mod, confirmed, approved, locked, active, local bool
			var inserted, updated time.Time
			row(t, conn, `SELECT id::text, nickname::text, email::text, name, bio, raw_bio, ap_id, follower_address,
			  following_address, featured_address, password_hash, avatar::text, tags, is_admin, is_moderator,
			  is_confirmed, is_approved, is_locked, is_active, local, inserted_at, updated_at
			  FROM users WHERE nickname = 'alice'`, nil,
				&id, &nick, &email, &name, &bio, &rawBio, &ap, &followers, &following, &featured, &hash, &avatar,
				&tags, &admin, &mod, &confirmed, &approved, &locked, &active, &local, &inserted, &updated)
			if nick != "Alice" {
				t.Errorf("nickname = %q, want the configured case %q", nick, "Alice")
			}
			want := map[string]string{
				"email": "alice@example.org", "name": "Alice Liddell",
				"bio":     "Curious &lt;3 &amp; &quot;brave&quot;<br>second line",
				"raw_bio": "Curious <3 & \"brave\"\nsecond line",
				"ap_id":   baseURL + "/users/Alice", "follower_address": baseURL + "/users/Alice/followers",
				"following_address": baseURL + "/users/Alice/following", "featured_address": baseURL + "/users/Alice/collections/featured",
				"avatar": "{}", "tags": "staff,verified",
			}
			got := map[string]string{"email": email, "name": name, "bio": bio, "raw_bio": rawBio, "ap_id": ap,
				"follower_address": followers, "following_address": following, "featured_address": featured,
				"avatar": avatar, "tags": strings.Join(tags, ",")}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s = %q, want %q", k, got[k], v)
				}
			}
			if !admin || mod || !confirmed || !approved || locked || !active || !local {
				t.Errorf("flags admin=%v moderator=%v confirmed=%v approved=%v locked=%v active=%v local=%v", admin, mod, confirmed, approved, locked, active, local)
			}
			if !inserted.Equal(updated) || inserted.Nanosecond() != 0 || inserted.Before(before) || inserted.After(after) {
				t.Errorf("inserted_at %v, updated_at %v: want equal, whole seconds, UTC now (%v..%v)", inserted, updated, before, after)
			}
			fid, err := flake.ParseUUID(id)
			if err != nil {
				t.Fatal(err)
			}
			created := flakeTime(fid)
			if d := created.Sub(before); d < 0 || created.After(after) {
				t.Errorf("FlakeId time %v is not the creation time (%v..%v)", created, before, after)
			}
			wantPrefix := map[string]string{"pleroma": "$pbkdf2-sha512$160000$", "akkoma": "$argon2id$v=19$m=65536,t=8,p=2$"}[f.Name]
			if !strings.HasPrefix(hash, wantPrefix) {
				t.Errorf("password hash is not the flavor's native format %s", wantPrefix)
			}
			if ok, err := password.Verify("tea-party", hash); !ok || err != nil {
				t.Errorf("the stored hash does not verify the configured password: %v", err)
			}

			// Keys: Pleroma in users.keys, Akkoma in signing_keys.
			var private string
			if f.Name == "pleroma" {
				var accepts bool
				row(t, conn, `SELECT keys, accepts_chat_messages FROM users WHERE id = $1`, []any{id}, &private, &accepts)
				if !accepts {
					t.Error("accepts_chat_messages is not true, as Pleroma's register writes")
				}
			} else {
				var keyID, public string
				row(t, conn, `SELECT key_id, public_key, private_key FROM signing_keys WHERE user_id = $1`, []any{id}, &keyID, &public, &private)
				if keyID != ap+"#main-key" {
					t.Errorf("key_id = %q", keyID)
				}
				block, _ := pem.Decode([]byte(public))
				if block == nil || block.Type != "PUBLIC KEY" {
					t.Fatalf("public_key is not an SPKI PEM")
				}
				pub, err := x509.ParsePKIXPublicKey(block.Bytes)
				if err != nil {
					t.Fatal(err)
				}
				k, err := parsePrivatePEM(private)
				if err != nil {
					t.Fatal(err)
				}
				if !k.PublicKey.Equal(pub) {
					t.Error("signing_keys.public_key does not match private_key")
				}
			}
			if !strings.HasPrefix(private, "-----BEGIN RSA PRIVATE KEY-----\n") {
				t.Errorf("private key is not a PKCS#1 PEM")
			}
			k, err := parsePrivatePEM(private)
			if err != nil || k.N.BitLen() != 2048 || k.E != 65537 {
				t.Errorf("private key: %v, want RSA-2048 e=65537", err)
			}

			// hatter: defaults where unmanaged, a random password nobody knows,
			// unconfirmed with a confirmation token, deactivated.
			var hName, hBio, hHash string
			var hRaw, token *string
			var hConfirmed, hActive bool
			row(t, conn, `SELECT name, bio, raw_bio, password_hash, is_confirmed, confirmation_token, is_active FROM users WHERE nickname = 'hatter'`, nil,
				&hName, &hBio, &hRaw, &hHash, &hConfirmed, &token, &hActive)
			if hName != "hatter" || hBio != "" || hRaw != nil {
				t.Errorf("unmanaged name/bio: %q %q %v; want the nickname, '' and NULL as the CLI writes", hName, hBio, hRaw)
			}
			if hConfirmed || token == nil || len(*token) != 44 || hActive {
				t.Errorf("confirmed=%v token=%v active=%v; want unconfirmed with a 44-character token, inactive", hConfirmed, token != nil, hActive)
			}
			if !strings.HasPrefix(hHash, wantPrefix) {
				t.Error("the random password is not hashed in the native format")
			}
		})
	}
}

// parsePrivatePEM parses the PKCS#1 RSA private key PEM the servers store.
func parsePrivatePEM(s string) (*rsa.PrivateKey, error) {
	block, _ := pem.Decode([]byte(s))
	if block == nil || block.Type != "RSA PRIVATE KEY" {
		return nil, errors.New("not a PKCS#1 RSA PEM")
	}
	return x509.ParsePKCS1PrivateKey(block.Bytes)
}
