package planfile

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/roster-project/roster/internal/confine"
	"github.com/roster-project/roster/plans"
	"github.com/roster-project/roster/schema"
)

// formatVersion is the version of the file's layout. A roster reads only
// files of its own format version. Format 4 records the accounts of a
// change over many accounts as buckets (accountset.Bucket), where format 3
// held one digest; format 3 spelled addresses as addrs.Of writes them
// (invite["#12"]), where format 2 joined type and name with a dot
// (invite.#12).
const formatVersion = "4"

// maxFileSize is the largest plan file roster reads: a plan of 100,000
// new accounts takes about 60 MB.
const maxFileSize = 256 << 20

// saltSize is the length of a plan's salt.
const saltSize = 16

// kdfName names the key derivation of the configuration hash and the secret
// digests; kdfIterations is its cost.
const (
	kdfName       = "pbkdf2-sha256"
	kdfIterations = 100_000
)

// File is a saved plan.
type File struct {
	FormatVersion string `json:"format_version"`
	// RosterVersion is the version of the roster that made the plan; only
	// the same version applies it.
	RosterVersion string    `json:"roster_version"`
	Created       time.Time `json:"created"`
	Database      Database  `json:"database"`
	Config        Config    `json:"configuration"`
	// Options are the options the plan was made with, so that apply can
	// say which to give it: apply plans again with its own options, and
	// refuses targets other than these.
	Options Options     `json:"options"`
	Plan    *plans.Plan `json:"plan"`
}

// Options are the plan options a saved plan was made with.
type Options struct {
	// Targets are the --target addresses, in the order given.
	Targets []string `json:"targets"`
	// AllowMassPrune is --allow-mass-prune.
	AllowMassPrune bool `json:"allow_mass_prune"`
}

// Config identifies the configuration the plan was made from.
type Config struct {
	// Hash covers every *.hcl file's bytes and the evaluated configuration
	// (so the contents of the files it reads, and every variable value that
	// reaches it), secrets included, through the KDF.
	Hash string `json:"hash"`
	// Salt is random, made for this plan, hex-encoded.
	Salt       string `json:"salt"`
	KDF        string `json:"kdf"`
	Iterations int    `json:"iterations"`
	// Secrets are the digests of the secrets the plan relies on.
	Secrets []SecretDigest `json:"secrets"`
}

// SecretDigest is the salted digest of one secret the plan relies on: the
// password, initial_password or password_hash of a user it creates or whose
// password it rewrites, and the token of an invite it creates.
type SecretDigest struct {
	Address   string `json:"address"`
	Attribute string `json:"attribute"`
	Digest    string `json:"digest"`
}

// New makes the file of plan p, made from cfg against the database db.
func New(p *plans.Plan, cfg *schema.Config, db Database, opts Options, rosterVersion string, now time.Time) (*File, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("making a salt: %w", err)
	}
	c := Config{Salt: hex.EncodeToString(salt), KDF: kdfName, Iterations: kdfIterations}
	c.Hash = configHash(cfg, salt, c.Iterations)
	c.Secrets = digests(p, cfg, salt, c.Iterations)
	if opts.Targets == nil {
		opts.Targets = []string{}
	}
	return &File{FormatVersion: formatVersion, RosterVersion: rosterVersion, Created: now.UTC().Truncate(time.Second),
		Database: db, Config: c, Options: opts, Plan: p}, nil
}

// Marshal returns the file's bytes: indented JSON, ending in a newline.
func (f *File) Marshal() ([]byte, error) {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return append(b, '\n'), nil
}

// Write writes f to path with mode 0600, replacing any file there. It
// writes a temporary file beside it and renames it, so that a reader never
// sees half a plan, and a file that was there keeps no wider mode.
func Write(path string, f *File) error {
	b, err := f.Marshal()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".roster-plan-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer os.Remove(tmp.Name()) // fails harmlessly after the rename
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

// ErrNotPlan is returned for a file that is not a saved plan.
var ErrNotPlan = errors.New("not a roster plan file")

// VersionError is returned for a plan file of another format or roster
// version.
type VersionError struct {
	Path                   string
	FormatVersion, Roster  string
	WantFormat, WantRoster string
}

func (e *VersionError) Error() string {
	if e.FormatVersion != e.WantFormat {
		return fmt.Sprintf("%s has format version %q; this roster reads only format version %q", e.Path, e.FormatVersion, e.WantFormat)
	}
	// Whoever wrote the file chose its version: one with a control
	// character is quoted.
	version := "v" + e.Roster
	if strings.IndexFunc(version, hidden) >= 0 {
		version = strconv.Quote(version)
	}
	return fmt.Sprintf("%s was made by roster %s; this is roster v%s, which applies only its own plans", e.Path, version, e.WantRoster)
}

// Read reads the plan file at path. It refuses a file of another format
// version, or one made by another roster version when rosterVersion is not
// empty.
func Read(path, rosterVersion string) (*File, error) {
	b, err := confine.ReadFile(path, maxFileSize)
	if err != nil {
		return nil, fmt.Errorf("%w", err)
	}
	return Parse(path, b, rosterVersion)
}

// Parse decodes a plan file's bytes; path names it in errors. Whoever can
// write the file decides its bytes: Parse refuses anything but the exact
// layout roster writes (no unknown field, a plan of the shape
// planner.Plan.Validate checks), and nothing in it is trusted beyond that.
func Parse(path string, b []byte, rosterVersion string) (*File, error) {
	var head struct {
		FormatVersion *string `json:"format_version"`
		RosterVersion string  `json:"roster_version"`
	}
	if err := json.Unmarshal(b, &head); err != nil || head.FormatVersion == nil {
		return nil, fmt.Errorf("%s: %w", path, ErrNotPlan)
	}
	if *head.FormatVersion != formatVersion || (rosterVersion != "" && head.RosterVersion != rosterVersion) {
		return nil, &VersionError{Path: path, FormatVersion: *head.FormatVersion, Roster: head.RosterVersion,
			WantFormat: formatVersion, WantRoster: rosterVersion}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	var f File
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotPlan, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: %w: it holds more than one JSON document", path, ErrNotPlan)
	}
	if f.Plan == nil {
		return nil, fmt.Errorf("%s: %w: it holds no plan", path, ErrNotPlan)
	}
	for i := range f.Plan.Changes {
		for j := range f.Plan.Changes[i].Attrs {
			a := &f.Plan.Changes[i].Attrs[j]
			var err error
			if a.Before, err = value(a.Before); err == nil {
				a.After, err = value(a.After)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w: %q.%q: %v", path, ErrNotPlan, f.Plan.Changes[i].Address, a.Name, err)
			}
		}
	}
	if err := f.Plan.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotPlan, err)
	}
	if err := f.printable(); err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrNotPlan, err)
	}
	return &f, nil
}

// printable refuses a control or format character in the file's own
// fields, which show and apply print: roster writes none there.
func (f *File) printable() error {
	fields := map[string]string{"roster_version": f.RosterVersion, "created": "", "database.name": f.Database.Name,
		"database.host": f.Database.Host, "database.system_identifier": f.Database.SystemIdentifier,
		"database.identified_by": f.Database.IdentifiedBy, "database.why": f.Database.Why}
	for i, t := range f.Options.Targets {
		fields[fmt.Sprintf("options.targets[%d]", i)] = t
	}
	for name, s := range fields {
		if strings.IndexFunc(s, hidden) >= 0 {
			return fmt.Errorf("%s holds a control character", name)
		}
	}
	return nil
}

func hidden(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

// value restores an attribute value decoded from JSON to the types a plan
// holds: string, bool, int64, []string or nil.
func value(v any) (any, error) {
	switch v := v.(type) {
	case nil, string, bool:
		return v, nil
	case json.Number:
		n, err := v.Int64()
		if err != nil {
			return nil, fmt.Errorf("%s is not a whole number", v)
		}
		return n, nil
	case []any:
		out := make([]string, len(v))
		for i, e := range v {
			s, ok := e.(string)
			if !ok {
				return nil, fmt.Errorf("a list holds %T, not a string", e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, fmt.Errorf("unexpected value of type %T", v)
}

// Stale lists what makes f stale against the configuration cfg, loaded
// again, and the database db it is about to be applied to: a different
// database, a configuration that changed. It is empty when the plan may be
// made again and compared; the secrets are checked then, on the new plan
// (Secrets). It costs one key derivation, of the strength roster writes,
// whatever the file says.
func (f *File) Stale(cfg *schema.Config, db Database) []string {
	var out []string
	out = append(out, f.Database.Differs(db)...)
	salt, err := hex.DecodeString(f.Config.Salt)
	if err != nil || len(salt) != saltSize || f.Config.KDF != kdfName || f.Config.Iterations != kdfIterations {
		return append(out, "the plan file's configuration hash cannot be checked (its salt or key derivation is not the one roster writes)")
	}
	if configHash(cfg, salt, kdfIterations) != f.Config.Hash {
		out = append(out, "the configuration changed since the plan was made (a *.hcl file, a file it reads, or a variable value)")
	}
	return out
}

// Secrets lists the secrets of p, a plan made again that writes what the
// saved one says, that are not the ones the saved plan was made with; it
// says nothing of a file whose key derivation Stale refuses. It
// digests the secrets p relies on, not those the file lists, so that a
// file cannot make roster derive keys without end.
func (f *File) Secrets(p *plans.Plan, cfg *schema.Config) []string {
	salt, err := hex.DecodeString(f.Config.Salt)
	if err != nil || len(salt) != saltSize || f.Config.KDF != kdfName || f.Config.Iterations != kdfIterations {
		return nil // Stale refuses the file already
	}
	saved := map[string]string{}
	for _, d := range f.Config.Secrets {
		saved[d.Address+"\x00"+d.Attribute] = d.Digest
	}
	var out []string
	for _, d := range digests(p, cfg, salt, kdfIterations) {
		switch got, ok := saved[d.Address+"\x00"+d.Attribute]; {
		case !ok:
			out = append(out, fmt.Sprintf("%s: the saved plan was made without the %s it now sets", d.Address, d.Attribute))
		case got != d.Digest:
			out = append(out, fmt.Sprintf("%s: %s is not the one the plan was made with", d.Address, d.Attribute))
		}
	}
	return out
}

// hashSum is sha256 of its parts, each length-prefixed so that no two
// different lists of parts run together into the same bytes.
func hashSum(parts ...[]byte) []byte {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return h.Sum(nil)
}
