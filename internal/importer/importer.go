// Package importer writes the HCL configuration of an existing server's
// accounts (and, on request, its invites), for `roster import`: the files
// that make a plan right after it say "No changes.".
//
// Defaults are left out (an attribute left out is unmanaged, so the plan
// does not compare it), and no secret is written into the HCL: a user gets
// a commented password placeholder, and an invite's token is a sensitive
// variable whose value goes to a separate variables file.
package importer

import (
	"cmp"
	"context"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/jackc/pgx/v5"
	"github.com/zclconf/go-cty/cty"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/live"
	"github.com/roster-project/roster/internal/server"
)

// File names written in the output directory. The variables file does not
// end in .hcl, so that roster does not read it as configuration; it is
// given with --var-file.
const (
	UsersFile   = "users.hcl"
	InvitesFile = "invites.hcl"
	VarsFile    = "invites.vars"
)

// State is what an import read from the database.
type State struct {
	Info server.Info
	// URL is the server's base URL from the oldest local person's ap_id,
	// as the planner derives it; empty without one.
	URL string
	// Users are the accounts roster manages (planner.Managed), without
	// the server's purged tombstones, ordered by nickname.
	Users []*live.User
	// Read counts the local accounts read; Skipped those left out (not
	// managed by roster, or tombstones).
	Read, Skipped int
	// Invites are the invites not used up or revoked, ordered by id;
	// read only when asked for.
	Invites []*live.Invite
	// UsedInvites counts the invites left out because they are used.
	UsedInvites int
}

// Read reads the accounts (and with invites, the invites) in one read-only,
// repeatable-read transaction: a role that may only SELECT can import.
func Read(ctx context.Context, db live.Beginner, invites bool) (*State, error) {
	tx, err := db.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("cannot read the database: %w", err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	info, err := server.Detect(ctx, tx)
	if err != nil {
		return nil, err
	}
	st := &State{Info: info}
	lim := server.DefaultLimits()
	var oldest *live.User
	st.Read, err = live.ScanLocalUsers(ctx, tx, func(u *live.User) {
		if u.ActorType == "Person" && lim.ValidNickname(u.Nickname) && server.BaseURLFromAPID(u.APID, u.Nickname) != "" &&
			(oldest == nil || u.ID < oldest.ID) {
			oldest = u
		}
		if !lim.Managed(u.Nickname, u.ActorType, u.Invisible) || u.Tombstone() {
			st.Skipped++
			return
		}
		st.Users = append(st.Users, u)
	})
	if err != nil {
		return nil, err
	}
	if oldest != nil {
		st.URL = server.BaseURLFromAPID(oldest.APID, oldest.Nickname)
	}
	sort.Slice(st.Users, func(i, j int) bool {
		a, b := strings.ToLower(st.Users[i].Nickname), strings.ToLower(st.Users[j].Nickname)
		if a != b {
			return a < b
		}
		return st.Users[i].Nickname < st.Users[j].Nickname
	})
	if invites {
		all, err := live.ReadInvites(ctx, tx)
		if err != nil {
			return nil, err
		}
		seen := map[string]bool{}
		for _, i := range all {
			// A used invite can never be used again; a token held twice
			// cannot be used either (the server's lookup fails), and
			// roster manages only its first row.
			if i.Used || strings.TrimSpace(i.Token) == "" || len(i.Token) > 255 || seen[i.Token] {
				st.UsedInvites++
				continue
			}
			seen[i.Token] = true
			st.Invites = append(st.Invites, i)
		}
	}
	return st, nil
}

// Files are the generated files, by name, and what was left out.
type Files struct {
	// Users is users.hcl; Invites and Vars are invites.hcl and
	// invites.vars, nil unless invites were imported.
	Users, Invites, Vars []byte
	// Notes say what was left out of an account and why.
	Notes []string
}

// Generate writes the files for st.
func Generate(st *State, invites bool) *Files {
	out := &Files{}
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	where := st.URL
	if where == "" {
		where = "a server with no local accounts"
	}
	comment(body, fmt.Sprintf("Written by roster import from the %s database of", st.Info.Flavor.Title()))
	comment(body, fmt.Sprintf("%s (schema %d).", where, st.Info.Version))
	comment(body, "Review it before use. An attribute left out is not managed: roster neither")
	comment(body, "compares nor writes it. Passwords are not imported: set one only to enforce it.")
	body.AppendNewline()
	if st.URL != "" {
		srv := body.AppendNewBlock("server", nil).Body()
		srv.SetAttributeValue("url", cty.StringVal(st.URL))
		body.AppendNewline()
	}
	lim := server.DefaultLimits()
	for i, u := range st.Users {
		if i > 0 {
			body.AppendNewline()
		}
		out.Notes = append(out.Notes, userBlock(body, u, lim, st.Info.Flavor)...)
	}
	out.Users = hclwrite.Format(f.Bytes())
	if invites {
		out.Invites, out.Vars = inviteFiles(st)
	}
	return out
}

func comment(body *hclwrite.Body, text string) {
	body.AppendUnstructuredTokens(hclwrite.Tokens{
		{Type: hclsyntax.TokenComment, Bytes: []byte("# " + text + "\n")},
	})
}

// userBlock appends the account's block, leaving out what is the default
// of a new account, and returns notes on values that could not be written.
func userBlock(body *hclwrite.Body, u *live.User, lim server.Limits, flavor server.Flavor) []string {
	if lim.Restricted(u.Nickname, flavor) {
		comment(body, fmt.Sprintf("user %q is not imported: its nickname is on the server's default list of", u.Nickname))
		comment(body, "restricted nicknames. Set server { restricted_nicknames = [...] } to your")
		comment(body, "server's list and declare it, if your server allows it.")
		return []string{fmt.Sprintf("%s: not imported, its nickname is on the default restricted list", addrs.Of("user", u.Nickname))}
	}
	var notes []string
	var attrs []importedAttr
	for a := range account.Compared() {
		v, why := importValue(a, u, lim)
		switch {
		case why != "":
			notes = append(notes, fmt.Sprintf("%s: %s left out, %s", addrs.Of("user", u.Nickname), a.Name, why))
		case v != cty.NilVal:
			attrs = append(attrs, importedAttr{a.Name, v})
		}
	}
	slices.SortStableFunc(attrs, func(x, y importedAttr) int { return cmp.Compare(x.rank(), y.rank()) })
	b := body.AppendNewBlock("user", []string{u.Nickname}).Body()
	for _, a := range attrs {
		b.SetAttributeValue(a.name, a.value)
	}
	if fixed := u.FixedTags(); len(fixed) > 0 {
		quoted := make([]string, len(fixed))
		for i, t := range fixed {
			quoted[i] = fmt.Sprintf("%q", t)
		}
		comment(b, fmt.Sprintf("also tagged %s, with capitals: the server's untag never", strings.Join(quoted, ", ")))
		comment(b, "removes such a tag, so roster leaves it as it is")
	}
	comment(b, "password = var."+varName(u.Nickname)+"_password")
	return notes
}

// importedAttr is an attribute of a user block import writes.
type importedAttr struct {
	name  string
	value cty.Value
}

// rank orders a user block's attributes: the texts, then the flags the
// account has that a new account has not, then the flags it lacks, then
// the lists; each in the account table's order.
func (a importedAttr) rank() int {
	switch {
	case a.value.Type() == cty.String:
		return 0
	case a.value.Type() == cty.Bool && a.value.True():
		return 1
	case a.value.Type() == cty.Bool:
		return 2
	}
	return 3
}

// importValue is the value of a compared attribute to write for the
// account: cty.NilVal when it is the default of a new account, which is
// left out (unmanaged) as the plan would not compare it, or why it is left
// out when the configuration could not hold it.
func importValue(a account.Attribute, u *live.User, lim server.Limits) (cty.Value, string) {
	switch a.Name {
	case account.Email:
		switch {
		case u.Email == nil:
			return cty.NilVal, ""
		case !server.ValidEmail(*u.Email):
			return cty.NilVal, "it does not match the server's e-mail format"
		}
	case account.Name:
		switch {
		case u.Name == nil || *u.Name == u.Nickname:
			return cty.NilVal, ""
		case strings.TrimSpace(*u.Name) == "":
			return cty.NilVal, "it is blank"
		case server.Graphemes(*u.Name) > lim.NameLength || utf8.RuneCountInString(*u.Name) > 255:
			return cty.NilVal, fmt.Sprintf("it is longer than the default name_length (%d); set server { name_length } and add it", lim.NameLength)
		}
	case account.Bio:
		switch bio := u.BioSource(); {
		case strings.TrimSpace(bio) == "":
			return cty.NilVal, ""
		case server.Graphemes(bio) > lim.BioLength:
			return cty.NilVal, fmt.Sprintf("it is longer than the default bio_length (%d); set server { bio_length } and add it", lim.BioLength)
		}
	case account.Tags:
		return importTags(u)
	}
	v := a.Live(u)
	if v == nil || a.Equal(v, a.Default) {
		return cty.NilVal, ""
	}
	return ctyOf(v), ""
}

// importTags is the account's tags, unless it has none or one is blank.
func importTags(u *live.User) (cty.Value, string) {
	tags := tagsOf(u)
	if len(tags) == 0 {
		return cty.NilVal, ""
	}
	for _, t := range tags {
		if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > 255 {
			return cty.NilVal, "one is blank"
		}
	}
	return ctyOf(tags), ""
}

// ctyOf is a value of a plan (a bool, a string or a []string) as HCL writes
// it.
func ctyOf(v any) cty.Value {
	switch v := v.(type) {
	case bool:
		return cty.BoolVal(v)
	case string:
		return cty.StringVal(v)
	case []string:
		if len(v) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		vals := make([]cty.Value, len(v))
		for i, s := range v {
			vals[i] = cty.StringVal(s)
		}
		return cty.ListVal(vals)
	}
	panic(fmt.Sprintf("importer: no HCL for a value of type %T", v))
}

// tagsOf is the account's lower-case tags, without duplicates, in stored
// order: those the configuration can declare. The others stay whatever it
// declares (account.Row.FixedTags).
func tagsOf(u *live.User) []string {
	var out []string
	for _, t := range u.StoredTags() {
		if account.LowerCase(t) {
			out = append(out, t)
		}
	}
	return out
}

var notIdent = regexp.MustCompile(`[^A-Za-z0-9_]`)

// varName makes an HCL identifier of a nickname.
func varName(nick string) string {
	n := notIdent.ReplaceAllString(strings.ToLower(nick), "_")
	if n == "" || n[0] >= '0' && n[0] <= '9' {
		n = "u_" + n
	}
	return n
}

// inviteFiles writes invites.hcl, whose invites take their tokens from
// sensitive variables, and invites.vars with the variables' values.
func inviteFiles(st *State) (hclFile, vars []byte) {
	f := hclwrite.NewEmptyFile()
	body := f.Body()
	comment(body, "Written by roster import: the registration invites not yet used up or revoked.")
	comment(body, "Their tokens are the invitations: they are in "+VarsFile+" (mode 0600), to be")
	comment(body, "given with --var-file "+VarsFile+" and kept out of version control.")
	v := hclwrite.NewEmptyFile()
	vb := v.Body()
	comment(vb, "Written by roster import: the tokens of the invites of "+InvitesFile+". Secret:")
	comment(vb, "anyone holding one can register. Keep this file out of version control.")
	for _, i := range st.Invites {
		name := "invite_" + strconv.FormatInt(i.ID, 10) + "_token"
		body.AppendNewline()
		vr := body.AppendNewBlock("variable", []string{name}).Body()
		vr.SetAttributeValue("sensitive", cty.True)
		body.AppendNewline()
		inv := body.AppendNewBlock("invite", []string{"imported-" + strconv.FormatInt(i.ID, 10)}).Body()
		if i.MaxUse != nil {
			inv.SetAttributeValue("max_use", cty.NumberIntVal(*i.MaxUse))
		}
		if i.ExpiresAt != nil {
			inv.SetAttributeValue("expires_at", cty.StringVal(*i.ExpiresAt))
		}
		inv.SetAttributeTraversal("token", hcl.Traversal{hcl.TraverseRoot{Name: "var"}, hcl.TraverseAttr{Name: name}})
		if i.Uses > 0 {
			comment(inv, fmt.Sprintf("used %d times so far", i.Uses))
		}
		vb.SetAttributeValue(name, cty.StringVal(i.Token))
	}
	return hclwrite.Format(f.Bytes()), hclwrite.Format(v.Bytes())
}
