package schema

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/confine"
	"github.com/roster-project/roster/internal/panics"
	"github.com/roster-project/roster/internal/server"
)

// Inputs are the values given to input variables from outside the files.
// Precedence, lowest first: defaults, ROSTER_VAR_* environment variables,
// variable files in order, --var flags in order.
type Inputs struct {
	// Vars are name=value pairs from --var; the value is a string.
	Vars []string
	// VarFiles are paths (relative to the working directory) of HCL files of
	// name = value attributes: regular files, anywhere, of at most
	// MaxFileSize bytes and MaxNesting levels.
	VarFiles []string
	// Environ is the process environment, as os.Environ returns it.
	Environ []string
	// Partial leaves variables without a value unknown instead of
	// reporting them, as validate does: attributes that depend on them are
	// then not checked.
	Partial bool
	// Now is the instant the run began, plantimestamp(); zero for the
	// moment Load is called.
	Now time.Time
}

// EnvPrefix introduces a variable value in the environment.
const EnvPrefix = "ROSTER_VAR_"

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "server"},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "user", LabelNames: []string{"nickname"}},
		{Type: "users", LabelNames: []string{"name"}},
		{Type: "role", LabelNames: []string{"name"}},
		{Type: "tag", LabelNames: []string{"name"}},
		{Type: "invite", LabelNames: []string{"name"}},
		{Type: "prune"},
		{Type: "remote_instance", LabelNames: []string{"domain"}},
		{Type: "local_users"},
		{Type: "check", LabelNames: []string{"name"}},
	},
}

// Load reads every *.hcl file of dir, evaluates it and checks everything that
// needs no database. It returns the configuration and every diagnostic at
// once; the configuration is nil only when nothing could be read.
func Load(dir string, in Inputs) (*Config, hcl.Diagnostics) {
	return load(dir, in, MaxTokens)
}

// load is Load with a budget of tokens for the *.hcl files and templates.
func load(dir string, in Inputs, budget int) (*Config, hcl.Diagnostics) {
	root, err := confine.OpenDir(dir, "the configuration directory")
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read configuration directory", Detail: err.Error()}}
	}
	defer root.Close()
	names, err := configFiles(dir)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Failed to read configuration directory", Detail: err.Error()}}
	}
	if len(names) == 0 {
		abs, _ := filepath.Abs(dir)
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "No configuration files",
			Detail: fmt.Sprintf("The directory %s contains no *.hcl files. Run roster in the directory that holds the configuration, or name it with --chdir.", abs)}}
	}
	p := hclparse.NewParser()
	src := newSources(root)
	src.budget = budget
	var diags hcl.Diagnostics
	var bodies []*hcl.BodyContent
	files := map[string]*hcl.File{}
	parsed, parseDiags := parseConfigFiles(p, src, names)
	for i, name := range names {
		f, moreDiags := parsed[i], parseDiags[i]
		diags = append(diags, moreDiags...)
		if f == nil {
			continue
		}
		files[name] = f
		content, moreDiags := f.Body.Content(rootSchema)
		diags = append(diags, moreDiags...)
		bodies = append(bodies, content)
	}
	cfg := &Config{Dir: dir, Server: Server{Flavor: server.Auto, Limits: server.DefaultLimits(), Federating: true, EndSessions: true},
		Roles: map[string]*Group{}, Tags: map[string]*Group{},
		Prune: Prune{Users: "none", Invites: "none", Max: 10, Ranges: map[string]hcl.Range{}}}
	ev := newEvaluator(src)
	ev.now = in.Now
	if ev.now.IsZero() {
		ev.now = time.Now()
	}
	cfg.Now, cfg.eval = ev.now, ev
	var blocks struct{ server, variables, locals, users, roles, tags, invites, prune, remotes, localUsers, checks hcl.Blocks }
	for _, c := range bodies {
		for _, b := range c.Blocks {
			if d := nulLabel(b); d != nil {
				diags = append(diags, d)
				continue
			}
			switch b.Type {
			case "server":
				blocks.server = append(blocks.server, b)
			case "variable":
				blocks.variables = append(blocks.variables, b)
			case "locals":
				blocks.locals = append(blocks.locals, b)
			case "user", "users":
				blocks.users = append(blocks.users, b)
			case "role":
				blocks.roles = append(blocks.roles, b)
			case "tag":
				blocks.tags = append(blocks.tags, b)
			case "invite":
				blocks.invites = append(blocks.invites, b)
			case "prune":
				blocks.prune = append(blocks.prune, b)
			case "remote_instance":
				blocks.remotes = append(blocks.remotes, b)
			case "local_users":
				blocks.localUsers = append(blocks.localUsers, b)
			case "check":
				blocks.checks = append(blocks.checks, b)
			}
		}
	}
	diags = append(diags, ev.declareVariables(blocks.variables)...)
	diags = append(diags, ev.assignVariables(p, in)...)
	diags = append(diags, ev.evalLocals(blocks.locals)...)
	ev.freeze()
	diags = append(diags, decodeServer(ev, blocks.server, &cfg.Server)...)
	diags = append(diags, decodeUserBlocks(ev, blocks.users, cfg)...)
	diags = append(diags, decodeGroups(ev, blocks.roles, blocks.tags, cfg)...)
	diags = append(diags, decodeInvites(ev, blocks.invites, cfg)...)
	diags = append(diags, decodePrune(ev, blocks.prune, cfg)...)
	diags = append(diags, decodeRemoteInstances(ev, blocks.remotes, cfg)...)
	diags = append(diags, decodeLocalUsers(ev, blocks.localUsers, cfg)...)
	diags = append(diags, decodeChecks(ev, blocks.checks, cfg)...)
	diags = append(diags, validate(cfg)...)
	explainDuplicateKeys(diags, files)
	diags = ev.hideSensitive(diags, files, getenv(in.Environ, ShowSensitiveErrorsEnv) != "")
	// Only the configuration files: a variables file holds values that may
	// be secret, and a snippet of it would print them.
	cfg.Files = files
	return cfg, diags
}

// decodeUserBlocks decodes the user and users blocks, in source order,
// into cfg.Users, and indexes them by nickname.
func decodeUserBlocks(ev *evaluator, blocks hcl.Blocks, cfg *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	rosters := map[string]hcl.Range{}
	for _, b := range blocks {
		if b.Type == "users" {
			us, moreDiags := decodeUsers(ev, b, rosters)
			diags = append(diags, moreDiags...)
			cfg.Users = append(cfg.Users, us...)
			continue
		}
		u, moreDiags := decodeUser(ev, b)
		diags = append(diags, moreDiags...)
		if u != nil {
			cfg.Users = append(cfg.Users, u)
		}
	}
	cfg.byNick = make(map[string]*User, len(cfg.Users))
	for _, u := range cfg.Users {
		if _, dup := cfg.byNick[strings.ToLower(u.Nickname)]; !dup { // the first block wins; duplicates are errors
			cfg.byNick[strings.ToLower(u.Nickname)] = u
		}
	}
	return diags
}

// HasFiles reports whether dir holds configuration files, the *.hcl files
// Load reads, for the commands that use a configuration when there is one.
func HasFiles(dir string) (bool, error) {
	names, err := configFiles(dir)
	return len(names) > 0, err
}

// parseConfigFiles reads and parses the named files, each file's
// diagnostics at its index. A file that is not a regular file inside the
// directory, is too large, or nests too deeply is never parsed, and its
// diagnostic names it without quoting it. Reading them and counting their tokens against
// the budget go in order; lexing and parsing, the bulk of the work, go on
// every core, a file to each (hclsyntax keeps no state between files).
// The files are then registered with p, in order.
func parseConfigFiles(p *hclparse.Parser, src *sources, names []string) ([]*hcl.File, []hcl.Diagnostics) {
	files := make([]*hcl.File, len(names))
	diags := make([]hcl.Diagnostics, len(names))
	texts := make([][]byte, len(names))
	for i, name := range names {
		texts[i], diags[i] = readConfigFile(src, name)
	}
	failed := make([]error, len(names)) // a panic, as an error
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(names)) {
		wg.Go(func() {
			for i := range work {
				failed[i] = panics.Catch(func() error {
					if d := checkDepth(texts[i], names[i]); d.HasErrors() {
						diags[i] = append(diags[i], d...)
						return nil
					}
					f, d := hclsyntax.ParseConfig(texts[i], names[i], hcl.InitialPos)
					files[i], diags[i] = f, append(diags[i], d...)
					return nil
				})
			}
		})
	}
	for i := range names {
		if texts[i] != nil {
			work <- i
		}
	}
	close(work)
	wg.Wait()
	if err := cmp.Or(failed...); err != nil {
		panic(err) // as if it had happened here: cli.Main reports it
	}
	for i, f := range files {
		if f != nil {
			p.AddFile(names[i], f)
		}
	}
	return files, diags
}

// readConfigFile reads a configuration file and counts its tokens against
// the budget; nil when it cannot be parsed.
func readConfigFile(src *sources, name string) ([]byte, hcl.Diagnostics) {
	b, err := src.read(name)
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Configuration file not read",
			Detail: fmt.Sprintf("%v. roster reads only regular files inside the configuration directory, of at most %s each and %s together. "+
				"Remove the file or the link, or rename it so that its name does not end in .hcl.", err, confine.Size(MaxFileSize), confine.Size(MaxConfigSize)),
			Subject: &hcl.Range{Filename: name, Start: hcl.InitialPos, End: hcl.InitialPos}}}
	}
	n, diags := checkSize(b, name, src.budget-src.tokens)
	src.tokens += n
	if diags.HasErrors() {
		return nil, diags
	}
	return b, nil
}

func configFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".hcl") && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// attrs decodes a block body against a fixed attribute list, reporting
// unknown attributes and nested blocks.
func attrs(body hcl.Body, names ...string) (hcl.Attributes, hcl.Diagnostics) {
	s := &hcl.BodySchema{}
	for _, n := range names {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n})
	}
	content, diags := body.Content(s)
	if content == nil {
		return nil, diags
	}
	return content.Attributes, diags
}

func decodeServer(ev *evaluator, blocks hcl.Blocks, s *Server) hcl.Diagnostics {
	var diags hcl.Diagnostics
	for i, b := range blocks {
		if i > 0 {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Duplicate server block",
				Detail:  fmt.Sprintf("A server block was already declared at %s. Merge the two into one.", rangeString(blocks[0].DefRange)),
				Subject: b.DefRange.Ptr()})
			// Still decode and check it, into a copy that is then dropped,
			// so that every error of the file is reported at once.
			dup := &Server{Flavor: server.Auto, Limits: server.DefaultLimits(), Federating: true, EndSessions: true}
			diags = append(diags, decodeServer(ev, hcl.Blocks{b}, dup)...)
			diags = append(diags, validateServer(dup)...)
			continue
		}
		s.DeclRange = b.DefRange
		as, moreDiags := attrs(b.Body, "url", "flavor", "allow_unknown_version", "after_apply",
			"name_length", "bio_length", "extended_nickname_format", "restricted_nicknames", "invite_secret", "federating", "end_sessions", "audit_actor")
		diags = append(diags, moreDiags...)
		for _, a := range sortedAttrs(as) {
			decodeServerAttr(ev, a, s, &diags)
		}
	}
	return diags
}

// decodeServerAttr decodes one attribute of a server block into s.
func decodeServerAttr(ev *evaluator, a *hcl.Attribute, s *Server, diags *hcl.Diagnostics) {
	if b := serverBools(s)[a.Name]; b != nil {
		if v, ok := ev.boolean(a, diags); ok {
			*b = v
		}
		return
	}
	switch a.Name {
	case "url":
		if v, ok := ev.str(a, diags); ok {
			s.URL, s.URLRange = v, a.Expr.Range()
		}
	case "flavor":
		if v, ok := ev.str(a, diags); ok {
			s.Flavor, s.FlavorRange = server.Flavor(v), a.Expr.Range()
		}
	case "audit_actor":
		if v, ok := ev.str(a, diags); ok {
			s.AuditActor, s.AuditActorRange = v, a.Expr.Range()
		}
	case "after_apply":
		if v, sensitive, ok := ev.command(a, diags); ok {
			s.AfterApply, s.AfterApplySensitive = v, sensitive
			if len(v) == 0 {
				*diags = append(*diags, attrError(a, "Empty command", "after_apply must name a command and its arguments, e.g. [\"systemctl\", \"restart\", \"pleroma\"]."))
			}
		}
	case "invite_secret":
		s.inviteSecretSet = true
		s.inviteSecretSensitive = ev.refersToSensitive(a.Expr)
		if v, ok := ev.secret(a, diags); ok {
			if len(v) < 16 {
				*diags = append(*diags, attrError(a, "Weak invite secret", "invite_secret derives every invite's token, and anyone who knows it can register: give at least 16 characters of a random secret, from a sensitive variable."))
			}
			s.InviteSecret = NewSecret(v)
		}
	case "name_length":
		if v, ok := ev.whole(a, 1, diags); ok {
			s.Limits.NameLength = int(v)
		}
	case "bio_length":
		if v, ok := ev.whole(a, 1, diags); ok {
			s.Limits.BioLength = int(v)
		}
	case "restricted_nicknames":
		if v, ok := ev.strings(a, diags); ok {
			s.Limits.RestrictedNicknames = v
		}
	}
}

// serverBools are the boolean attributes of a server block, by name, and
// where s holds them.
func serverBools(s *Server) map[string]*bool {
	return map[string]*bool{
		"allow_unknown_version":    &s.AllowUnknownVersion,
		"federating":               &s.Federating,
		"end_sessions":             &s.EndSessions,
		"extended_nickname_format": &s.Limits.ExtendedNicknameFormat,
	}
}

var userSchema = func() *hcl.BodySchema {
	s := &hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "lifecycle"}}}
	for _, n := range account.Configured() {
		s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: n})
	}
	return s
}()

// passwordMode returns the mode a password attribute selects, or
// PasswordUnmanaged for any other attribute.
func passwordMode(attr string) PasswordMode {
	for _, m := range []PasswordMode{PasswordEnforced, PasswordInitial, PasswordHash} {
		if m.Attribute() == attr {
			return m
		}
	}
	return PasswordUnmanaged
}

func decodeUser(ev *evaluator, b *hcl.Block) (*User, hcl.Diagnostics) {
	u := &User{Nickname: b.Labels[0], DeclRange: b.DefRange, LabelRange: b.LabelRanges[0],
		Ranges: map[string]hcl.Range{}, Sensitive: map[string]bool{}}
	content, diags := b.Body.Content(userSchema)
	if content != nil {
		diags = append(diags, decodeUserContent(ev, u, content.Attributes, content.Blocks, b.DefRange)...)
	}
	return u, diags
}

// decodeUserContent decodes the attributes and lifecycle block of a user
// block, or of one account of a users block, into u.
func decodeUserContent(ev *evaluator, u *User, as hcl.Attributes, blocks hcl.Blocks, declRange hcl.Range) hcl.Diagnostics {
	diags := decodeLifecycle(ev, blocks, u)
	var pwAttrs []*hcl.Attribute
	for _, a := range sortedAttrs(as) {
		val, moreDiags := a.Expr.Value(ev.context())
		diags = append(diags, moreDiags...)
		if moreDiags.HasErrors() || val.IsNull() {
			continue
		}
		// A password attribute counts for the at-most-one rule even when
		// its value is not known yet (a variable without a value,
		// Inputs.Partial), as it will once the variable has one.
		if passwordMode(a.Name) != PasswordUnmanaged {
			pwAttrs = append(pwAttrs, a)
		}
		if !val.IsWhollyKnown() {
			// Such a variable, or an expression that already failed: the
			// attribute stays unset.
			continue
		}
		attr, _ := account.Lookup(a.Name)
		u.Ranges[a.Name] = a.Expr.Range()
		u.Sensitive[a.Name] = attr.Secret || isSensitive(val)
		if u.From != nil {
			if p := dataPos(val); p.File != "" {
				u.From.Values[a.Name] = p
			}
		}
		decodeUserAttr(ev, u, attr, a, val, &diags)
	}
	if len(pwAttrs) > 1 {
		diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Conflicting password attributes",
			Detail: fmt.Sprintf("User %q sets %s. Set at most one of password (enforced), initial_password (used only on create) and password_hash (the exact stored hash).",
				shown(u.Nickname, false), joinAttrNames(pwAttrs)),
			Subject: pwAttrs[1].Range.Ptr(), Context: declRange.Ptr()})
	}
	return diags
}

// userAttrDecoder decodes the known value of a user attribute that takes
// more than its type: checks, or a field of User outside account.Declared.
type userAttrDecoder func(ev *evaluator, u *User, a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics)

// userAttrHook returns the decoder of a user attribute that takes more than
// its type, or nil.
func userAttrHook(name string) userAttrDecoder {
	switch name {
	case account.State:
		return decodeState
	case account.SessionsValidAfter:
		return decodeSessionsValidAfter
	case account.MFA:
		return decodeMFA
	case account.Password, account.InitialPassword, account.PasswordHash:
		return decodePassword
	}
	return nil
}

// decodeUserAttr decodes the known value of a user attribute: by its hook,
// or by the account table's type into u.Declared.
func decodeUserAttr(ev *evaluator, u *User, attr account.Attribute, a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) {
	if hook := userAttrHook(attr.Name); hook != nil {
		hook(ev, u, a, val, diags)
		return
	}
	var v any
	ok := false
	switch attr.Config {
	case account.Bool:
		v, ok = ev.asBool(a, val, diags)
	case account.String:
		v, ok = ev.asString(a, val, diags)
	case account.Strings:
		v, ok = ev.asStrings(a, val, diags)
	}
	if ok {
		attr.Declare(&u.Declared, v)
	}
}

func decodeState(ev *evaluator, u *User, a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) {
	v, ok := ev.asString(a, val, diags)
	if !ok {
		return
	}
	switch v {
	case "present":
	case "absent":
		u.Absent = true
	default:
		*diags = append(*diags, attrError(a, "Invalid state", fmt.Sprintf("state must be \"present\" or \"absent\", not %q.", shown(v, u.Sensitive[a.Name]))))
	}
}

func decodeSessionsValidAfter(ev *evaluator, u *User, a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) {
	v, ok := ev.asString(a, val, diags)
	if !ok {
		return
	}
	t, err := time.Parse(time.RFC3339, v)
	switch {
	case err != nil:
		*diags = append(*diags, attrError(a, "Invalid timestamp", fmt.Sprintf("sessions_valid_after must be an RFC 3339 instant such as \"2026-11-20T00:00:00Z\", not %q.", shown(v, u.Sensitive[a.Name]))))
	case t.After(time.Now()):
		*diags = append(*diags, attrError(a, "Instant in the future", fmt.Sprintf("sessions_valid_after is %q, in the future: every apply until then would sign the user out again. Give the instant from which sessions are valid, now or earlier (e.g. the time of the incident).", shown(t.UTC().Format(time.RFC3339), u.Sensitive[a.Name]))))
	default:
		// The server stores when a token was issued to the second,
		// truncated: a fraction counts up to the next second, so that every
		// token issued before the instant goes (and those of that second
		// after it too).
		if t.Nanosecond() != 0 {
			t = t.Truncate(time.Second).Add(time.Second)
		}
		t = t.UTC()
		u.SessionsValidAfter = &t
	}
}

func decodeMFA(ev *evaluator, u *User, a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) {
	v, ok := ev.asBool(a, val, diags)
	switch {
	case !ok:
	case v:
		*diags = append(*diags, attrError(a, "MFA cannot be turned on", "Only the user can turn on multi-factor authentication, from their own device: roster can only turn it off. Write mfa = false to turn it off (the server's reset_mfa), or remove the attribute."))
	default:
		u.MFA = &v
	}
}

func decodePassword(ev *evaluator, u *User, a *hcl.Attribute, val cty.Value, diags *hcl.Diagnostics) {
	if s, ok := ev.asString(a, val, diags); ok {
		u.Password = NewSecret(s)
		u.PasswordMode = passwordMode(a.Name)
	}
}

func sortedAttrs(as hcl.Attributes) []*hcl.Attribute {
	return inSourceOrder(as, func(a *hcl.Attribute) hcl.Range { return a.Range })
}

// inSourceOrder returns the values of m ordered by file name, then position.
func inSourceOrder[T any](m map[string]T, rangeOf func(T) hcl.Range) []T {
	out := make([]T, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		ri, rj := rangeOf(out[i]), rangeOf(out[j])
		if ri.Filename != rj.Filename {
			return ri.Filename < rj.Filename
		}
		return ri.Start.Byte < rj.Start.Byte
	})
	return out
}

func joinAttrNames(as []*hcl.Attribute) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Name
	}
	return strings.Join(names, " and ")
}

func rangeString(r hcl.Range) string {
	return fmt.Sprintf("%s:%d,%d-%d", r.Filename, r.Start.Line, r.Start.Column, r.End.Column)
}

func attrError(a *hcl.Attribute, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: a.Expr.Range().Ptr(), Context: a.Range.Ptr()}
}
