package bench

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
	"github.com/roster-project/roster/internal/server/flake"
	"github.com/roster-project/roster/internal/server/keys"
	"github.com/roster-project/roster/internal/server/password"
)

// The seeded server.
const (
	baseURL     = "https://bench.example"
	remoteUsers = 1_000
	// verifyUsers is how many of the first local users the verify
	// scenarios give a real hash of knownPassword; seeding gives every
	// account a well-formed hash of random bytes.
	verifyUsers   = 200
	knownPassword = "correct horse battery staple"
	// seedVersion changes whenever the generated rows change.
	seedVersion = 2
)

// population is the local accounts of a seeded server: locals generated
// accounts (genUser), and, when pruned, the state a prune policy of
// deactivation leaves: every account the benchmarks' configurations of
// 10,000 declared users do not declare is deactivated, but for one in
// 10,000 (prunedActive), which such a policy deactivates next.
type population struct {
	locals int
	pruned bool
}

// The populations the benchmarks seed.
var (
	// servedPop is a server of 100,000 accounts, as they come.
	servedPop = population{locals: 100_000}
	// largePop is one of 1,000,000 accounts, pruned.
	largePop = population{locals: 1_000_000, pruned: true}
)

// prunedActive reports whether account i stays active in a pruned
// population although no configuration of 10,000 declares it.
func prunedActive(i int) bool { return i%10_000 == 4321 }

// user is the population's account i: genUser(i), registered at a pace
// that spreads the population over about three years, and deactivated
// when the population is pruned and no configuration of 10,000 declares
// it (see planConfig).
func (p population) user(i int) seedUser {
	u := genUser(i)
	step := 3 * 365 * 24 * time.Hour / time.Duration(p.locals)
	shift := time.Duration(i) * (step - genStep)
	u.inserted, u.updated = u.inserted.Add(shift), u.updated.Add(shift)
	if u.lastActive != nil {
		t := u.lastActive.Add(shift)
		u.lastActive = &t
	}
	if p.pruned && !p.declared(i, 10_000) && !prunedActive(i) {
		u.active = false
	}
	return u
}

// stride is the distance between two of the n accounts a plan
// configuration declares; declared(i, n) whether it declares account i.
func (p population) stride(n int) int { return p.locals / n }

func (p population) declared(i, n int) bool { s := p.stride(n); return i%s == s/2 }

func (p population) String() string {
	s := fmt.Sprintf("%d local accounts", p.locals)
	if p.pruned {
		s += " (pruned)"
	}
	return s
}

// plannerColumns are the columns the planner reads, for the psql floor.
const plannerColumns = live.Columns

// plannerQuery is the planner's query for all local users.
const plannerQuery = `SELECT ` + plannerColumns + ` FROM users WHERE local AND nickname IS NOT NULL`

var (
	firstNames = []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy",
		"mallory", "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoe",
		"jose", "soren", "lukasz", "ngoc", "aiko", "chidi", "fatima", "lars", "mei", "omar",
		"priya", "quentin", "rosa", "tariq", "ursula", "vera", "wen", "xavier", "yusuf", "zainab"}
	displayFirst = map[string]string{"jose": "José", "soren": "Søren", "lukasz": "Łukasz", "ngoc": "Ngọc", "zoe": "Zoë"}
	lastNames    = []string{"liddell", "smith", "garcia", "nguyen", "kowalski", "okafor", "tanaka", "muller",
		"rossi", "dubois", "jensen", "haddad", "silva", "ivanova", "oconnor", "park", "singh", "cohen",
		"andersen", "moreau", "kim", "lopez", "novak", "weber", "yilmaz"}
	domains   = []string{"example.org", "mail.example.net", "posteo.example", "fastmail.example", "uni.example.edu", "proton.example"}
	sentences = []string{
		"Photographer, mostly birds.", "I write about Elixir & Erlang.", "Posts in English, Deutsch and Français.",
		"Cat person. Tea > coffee.", "Open source maintainer; opinions are my own.", "Gardening, bikes & bad puns.",
		"Admin of a small reading group.", "he/him", "she/her", "they/them", "Translating things since 2009.",
		"Links in my \"profile fields\".", "Don't DM me about crypto.", "Learning the cello, slowly.",
		"Night-shift nurse 🌙", "Here for the <3 of federation.", "Amateur astronomer 🔭", "Writing a novel, chapter 12.",
		"Ham radio: DL0XYZ.", "Retired teacher, active hiker.",
	}
	tagPool    = []string{"verified", "mrf_tag:media-force-nsfw", "mrf_tag:disable-any-subscription", "mrf_tag:sandbox", "bot", "staff", "beta-tester"}
	emojiNames = []string{" 🌱", " 🦊", " ✨", " 🏳️‍🌈", ""}
)

// seedUser is one generated local account. It is a pure function of its
// index, so that the configuration can declare a user without the seeding
// having to keep a million rows in memory.
type seedUser struct {
	i                                                     int
	nick, name, bio                                       string
	email                                                 *string
	rawBioNull                                            bool
	tags                                                  []string
	admin, moderator, confirmed, approved, locked, active bool
	actorType                                             string
	inserted, updated                                     time.Time
	noteCount, followers, following                       int32
	lastActive                                            *time.Time
}

func rng(kind, i uint64) *rand.Rand { return rand.New(rand.NewPCG(seedVersion<<32|kind, i)) }

// genStep is the time between two accounts' registrations in genUser;
// population.user spreads them to its own size.
const genStep = 90 * time.Second

// seedEpoch is when the first generated account registered.
var seedEpoch = time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)

func genUser(i int) seedUser {
	r := rng(1, uint64(i))
	first := firstNames[r.IntN(len(firstNames))]
	last := lastNames[r.IntN(len(lastNames))]
	u := seedUser{i: i}
	switch r.IntN(4) {
	case 0:
		u.nick = first + strconv.Itoa(i)
	case 1:
		u.nick = first + "_" + last + strconv.Itoa(i)
	case 2:
		u.nick = strings.ToUpper(first[:1]) + first[1:] + "-" + strconv.Itoa(i)
	default:
		u.nick = first[:1] + last + "_" + strconv.Itoa(i)
	}
	df := displayFirst[first]
	if df == "" {
		df = strings.ToUpper(first[:1]) + first[1:]
	}
	u.name = df + " " + strings.ToUpper(last[:1]) + last[1:] + emojiNames[r.IntN(len(emojiNames))]
	if r.IntN(100) >= 3 {
		e := strings.ToLower(u.nick) + "@" + domains[r.IntN(len(domains))]
		u.email = &e
	}
	// Accounts made by the server's CLI or sign-up page have raw_bio NULL
	// and a plain one-line bio (or none).
	u.rawBioNull = r.IntN(100) < 15
	if u.rawBioNull {
		if r.IntN(2) == 0 {
			u.bio = "Hello from " + df
		}
	} else {
		lines := make([]string, r.IntN(4))
		for k := range lines {
			lines[k] = sentences[r.IntN(len(sentences))]
		}
		u.bio = strings.Join(lines, "\n")
	}
	if r.IntN(100) < 30 {
		n := 1 + r.IntN(2)
		for range n {
			t := tagPool[r.IntN(len(tagPool))]
			if !contains(u.tags, t) {
				u.tags = append(u.tags, t)
			}
		}
	}
	u.admin = i%5000 == 17
	u.moderator = i%1000 == 7
	u.confirmed = r.IntN(100) >= 3
	u.approved = r.IntN(100) >= 1
	u.locked = r.IntN(100) < 5
	u.active = r.IntN(100) >= 4
	u.actorType = "Person"
	if r.IntN(100) < 2 {
		u.actorType = "Service"
	}
	u.inserted = seedEpoch.Add(time.Duration(i) * genStep).Add(time.Duration(r.IntN(90)) * time.Second)
	u.updated = u.inserted.Add(time.Duration(r.IntN(100_000)) * time.Minute)
	u.noteCount = int32(r.IntN(5000))
	u.followers = int32(r.IntN(800))
	u.following = int32(r.IntN(400))
	if r.IntN(3) > 0 {
		t := u.updated.Add(time.Duration(r.IntN(48)) * time.Hour)
		u.lastActive = &t
	}
	return u
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// rawBio is the raw_bio column: the source text, or NULL.
func (u *seedUser) rawBio() *string {
	if u.rawBioNull {
		return nil
	}
	return &u.bio
}

// storedBio is the bio column: the source rendered as the server does
// (HTML-escaped, newlines as <br>); a NULL raw_bio row stores its plain text.
func (u *seedUser) storedBio() string {
	if u.rawBioNull {
		return u.bio
	}
	return strings.ReplaceAll(htmlEscaper.Replace(u.bio), "\n", "<br>")
}

var htmlEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#39;")

// fakeHash returns a well-formed hash in the flavor's native format over
// random bytes: the width and shape of a real one, verifying no password.
// Hashing 100,000 real passwords would take an hour of CPU.
func fakeHash(f server.Flavor, r *rand.Rand) string {
	bytes := func(n int) []byte {
		b := make([]byte, n)
		for k := range b {
			b[k] = byte(r.Uint32())
		}
		return b
	}
	if f == server.Akkoma {
		return "$argon2id$v=19$m=65536,t=8,p=2$" + base64.RawStdEncoding.EncodeToString(bytes(16)) + "$" + base64.RawStdEncoding.EncodeToString(bytes(32))
	}
	ab64 := func(b []byte) string { return strings.ReplaceAll(base64.RawStdEncoding.EncodeToString(b), "+", ".") }
	return "$pbkdf2-sha512$160000$" + ab64(bytes(16)) + "$" + ab64(bytes(64))
}

// nativeHash hashes pw in the flavor's native format, as the applier does.
func nativeHash(f server.Flavor, pw string) (string, error) {
	if f == server.Akkoma {
		return password.HashArgon2id(pw)
	}
	return password.HashPBKDF2(pw)
}

// parallel runs fn(0..n-1) on GOMAXPROCS goroutines and returns the first
// error.
func parallel(n int, fn func(i int) error) error {
	errs := make([]error, n)
	work := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				errs[i] = fn(i)
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// seedStats describes a seeding.
type seedStats struct {
	// copy is how long the seeding took in all: the COPYs, building the
	// indexes (index) and the VACUUM (vacuum).
	copy, index, vacuum time.Duration
	rows                int
}

// seed fills the database at url, a fresh clone of the flavor's empty
// fixture, with the population's local accounts, the server's relay and
// internal.fetch actors and remoteUsers remote accounts, all with COPY.
func seed(ctx context.Context, url string, pop population) (seedStats, error) {
	localUsers := pop.locals
	var st seedStats
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return st, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	info, err := server.Detect(ctx, conn)
	if err != nil {
		return st, err
	}
	f := info.Flavor
	// A few real key pairs, shared: generating a million would take days.
	pool := make([]keys.Pair, 4)
	if err := parallel(len(pool), func(i int) (err error) { pool[i], err = keys.Generate(); return }); err != nil {
		return st, err
	}
	start := time.Now()
	cols := []string{"id", "nickname", "email", "password_hash", "name", "bio", "raw_bio", "ap_id",
		"follower_address", "following_address", "featured_address", "local", "tags", "is_admin",
		"is_moderator", "is_confirmed", "confirmation_token", "is_approved", "is_locked", "is_active",
		"actor_type", "invisible", "inserted_at", "updated_at", "note_count", "follower_count",
		"following_count", "last_active_at", "uri", "inbox", "shared_inbox", "avatar"}
	if info.UsersKeys {
		cols = append(cols, "keys")
	}
	if info.AcceptsChat {
		cols = append(cols, "accepts_chat_messages")
	}
	rebuild, err := dropIndexes(ctx, conn)
	if err != nil {
		return st, err
	}
	gen := flake.NewGenerator([6]byte{0x62, 0x65, 0x6e, 0x63, 0x68, 0x31})
	type keyRow struct {
		id      flake.ID
		apID    string
		private *string
		public  string
		at      time.Time
	}
	var keyRows []keyRow
	total := localUsers + 2 + remoteUsers
	n := 0
	hr := rng(2, 0)
	avatar := json.RawMessage(`{}`)
	row := make([]any, len(cols))
	_, err = conn.CopyFrom(ctx, pgx.Identifier{"users"}, cols, pgx.CopyFromFunc(func() ([]any, error) {
		if n == total {
			return nil, nil
		}
		i := n
		n++
		var (
			nick, bio, apID                            string
			followersAddr, followingAddr, featuredAddr string
			name                                       *string
			email, rawBio, hash                        *string
			uri, inbox, shared                         *string
			tags                                       = []string{}
			local                                      = true
			invisible                                  bool
			actorType                                  = "Person"
			admin, moderator                           bool
			confirmed, approved                        = true, true
			locked                                     bool
			active                                     = true
			token                                      *string
			inserted, updated                          time.Time
			noteCount, followerCount, followingCount   int32
			lastActive                                 *time.Time
		)
		key := &pool[i%len(pool)]
		switch {
		case i < localUsers:
			u := pop.user(i)
			nick, name, bio, rawBio, email = u.nick, &u.name, u.storedBio(), u.rawBio(), u.email
			if u.tags != nil {
				tags = u.tags
			}
			admin, moderator, confirmed, approved, locked, active = u.admin, u.moderator, u.confirmed, u.approved, u.locked, u.active
			actorType, inserted, updated = u.actorType, u.inserted, u.updated
			noteCount, followerCount, followingCount, lastActive = u.noteCount, u.followers, u.following, u.lastActive
			hash = ptr(fakeHash(f, hr))
			if !confirmed {
				t := base64.URLEncoding.EncodeToString([]byte(fmt.Sprintf("%032d", i)))
				token = &t
			}
			a := server.AddressesFor(baseURL, nick)
			apID, followersAddr, followingAddr, featuredAddr = a.APID, a.Followers, a.Following, a.Featured
		case i < localUsers+2:
			// The server's own actors: local, invisible, never managed.
			nick = map[int]string{localUsers: "relay", localUsers + 1: "internal.fetch"}[i]
			apID = baseURL + map[int]string{localUsers: "/relay", localUsers + 1: "/internal/fetch"}[i]
			invisible = true
			inserted = seedEpoch.Add(-time.Hour)
			updated = inserted
		default:
			r := rng(3, uint64(i))
			host := fmt.Sprintf("remote%d.example", r.IntN(50))
			short := firstNames[r.IntN(len(firstNames))] + strconv.Itoa(i)
			nick = short + "@" + host
			name = ptr(strings.ToUpper(short[:1]) + short[1:])
			bio = "<p>" + htmlEscaper.Replace(sentences[r.IntN(len(sentences))]) + "</p>"
			local = false
			apID = "https://" + host + "/users/" + short
			uri, inbox = &apID, ptr(apID+"/inbox")
			shared = ptr("https://" + host + "/inbox")
			inserted = seedEpoch.Add(time.Duration(r.IntN(1000)) * time.Hour)
			updated = inserted
		}
		// Local accounts get ids from one node's generator, in registration
		// order; the others' ids are made at their own times, by another.
		id := flake.New(uint64(inserted.UnixMilli()), 0x62656e636832, uint16(i))
		if i < localUsers {
			id = gen.Next(inserted)
		}
		if followersAddr == "" { // the server's own actors and remote accounts
			followersAddr, followingAddr, featuredAddr = apID+"/followers", apID+"/following", apID+"/collections/featured"
		}
		var usersKey *string
		if local {
			usersKey = &key.PrivatePEM
			keyRows = append(keyRows, keyRow{id, apID, &key.PrivatePEM, key.PublicPEM, inserted})
		} else if info.SigningKeys {
			keyRows = append(keyRows, keyRow{id, apID, nil, key.PublicPEM, inserted})
		}
		row = append(row[:0], [16]byte(id), nick, email, hash, name, bio, rawBio, apID,
			followersAddr, followingAddr, featuredAddr, local, tags, admin, moderator, confirmed, token, approved, locked, active,
			actorType, invisible, inserted, updated, noteCount, followerCount, followingCount, lastActive, uri, inbox, shared, avatar)
		if info.UsersKeys {
			row = append(row, usersKey)
		}
		if info.AcceptsChat {
			row = append(row, true)
		}
		return row, nil
	}))
	if err != nil {
		return st, fmt.Errorf("COPY users: %w", err)
	}
	st.rows = n
	if info.SigningKeys {
		k := 0
		_, err = conn.CopyFrom(ctx, pgx.Identifier{"signing_keys"},
			[]string{"user_id", "key_id", "public_key", "private_key", "inserted_at", "updated_at"},
			pgx.CopyFromFunc(func() ([]any, error) {
				if k == len(keyRows) {
					return nil, nil
				}
				r := keyRows[k]
				k++
				return []any{[16]byte(r.id), keys.KeyID(r.apID), r.public, r.private, r.at, r.at}, nil
			}))
		if err != nil {
			return st, fmt.Errorf("COPY signing_keys: %w", err)
		}
	}
	indexStart := time.Now()
	if err := rebuild(); err != nil {
		return st, err
	}
	st.index = time.Since(indexStart)
	vacuumStart := time.Now()
	// A server's tables are vacuumed and analyzed; a freshly copied one
	// would make the first reads pay for setting hint bits.
	if _, err := conn.Exec(ctx, "VACUUM (FREEZE, ANALYZE)"); err != nil {
		return st, err
	}
	st.vacuum = time.Since(vacuumStart)
	st.copy = time.Since(start)
	return st, nil
}

// dropIndexes drops the indexes of users and signing_keys that no
// constraint owns, and returns what builds them again: building an index
// over a million rows at once takes a fraction of updating it row by row
// (users has a GIN index over the text search of every nickname and name).
// The database ends as the fixture's schema made it.
func dropIndexes(ctx context.Context, conn *pgx.Conn) (rebuild func() error, err error) {
	rows, err := conn.Query(ctx, `SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
	  WHERE i.indrelid IN (SELECT oid FROM pg_class WHERE relname IN ('users', 'signing_keys') AND relnamespace = 'public'::regnamespace)
	    AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`)
	if err != nil {
		return nil, err
	}
	type index struct{ name, def string }
	indexes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (index, error) {
		var i index
		return i, r.Scan(&i.name, &i.def)
	})
	if err != nil {
		return nil, fmt.Errorf("listing the indexes: %w", err)
	}
	for _, i := range indexes {
		if _, err := conn.Exec(ctx, "DROP INDEX "+i.name); err != nil {
			return nil, err
		}
	}
	return func() error {
		if _, err := conn.Exec(ctx, "SET maintenance_work_mem = '256MB'"); err != nil {
			return err
		}
		for _, i := range indexes {
			if _, err := conn.Exec(ctx, i.def); err != nil {
				return fmt.Errorf("building %s again: %w", i.name, err)
			}
		}
		return nil
	}, nil
}

// setHashes stores hashes[k] as the password hash of generated user k.
func setHashes(ctx context.Context, url string, hashes []string) error {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	nicks := make([]string, len(hashes))
	for k := range nicks {
		nicks[k] = genUser(k).nick
	}
	tag, err := conn.Exec(ctx, `UPDATE users u SET password_hash = v.h FROM unnest($1::text[], $2::text[]) AS v(n, h)
	  WHERE u.nickname = v.n::citext AND u.local`, nicks, hashes)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != int64(len(hashes)) {
		return fmt.Errorf("set %d password hashes, want %d", tag.RowsAffected(), len(hashes))
	}
	return nil
}

func ptr[T any](v T) *T { return &v }
