package schema

import (
	"errors"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/panics"
)

// LiveUser is a local account roster manages, as a check sees it: an
// element of live.users. It holds no secret (no password hash, token or
// key).
type LiveUser struct {
	Nickname                                                   string
	Email, Name                                                *string
	Admin, Moderator, Active, Confirmed, Approved, Locked, MFA bool
	// Tags are as stored, each once, in stored order.
	Tags []string
	// InsertedAt is when the account was created; LastActiveAt when the
	// server last saw it active, nil when never.
	InsertedAt   time.Time
	LastActiveAt *time.Time
}

// LiveInvite is a registration invite, as a check sees it: an element of
// live.invites, without its token.
type LiveInvite struct {
	// ID is the row's id; 0 for an invite a plan creates.
	ID int64
	// Name is the invite block whose token the invite holds, or "".
	Name       string
	InviteType string
	// ExpiresAt is the last day it works (YYYY-MM-DD, UTC), or nil.
	ExpiresAt *string
	Uses      int64
	MaxUse    *int64
	Used      bool
	// State is what a registration with it would meet, as roster invites
	// lists it (usable, used_up, used, revoked, expired, duplicate,
	// invalid).
	State      string
	InsertedAt time.Time
}

// Live is the value of live that checks are evaluated against, built one
// account and one invite at a time: accounts sorted by nickname, invites
// in the order added (by id, then those a plan creates).
type Live struct {
	cfg   *Config
	users []LiveUser
	// objects are the objects of users, once sorted, of each set of
	// attributes a list holds, built when a list holds them.
	objects   map[string]*objects
	sensitive bool // live.users holds a value of a sensitive variable
	// unfiltered gives each prefilter every account, as objects of the
	// attributes of every list: HCL alone decides, as without prefilters
	// (tests compare the two).
	unfiltered       bool
	invites          []cty.Value
	usersSet, invSet bool
}

// NewLive starts the live value of cfg's checks.
func (c *Config) NewLive() *Live { return &Live{cfg: c} }

// ChecksRead says which of live's lists the checks refer to: the others
// need not be read.
func (c *Config) ChecksRead() (users, invites bool) { return c.readsUsers, c.readsInvites }

// liveRead says which of live's lists exprs refer to.
func liveRead(exprs []hcl.Expression) (users, invites bool) {
	for _, e := range exprs {
		for _, t := range e.Variables() {
			if t.RootName() != "live" {
				continue
			}
			name := ""
			if len(t) >= 2 {
				if s, ok := t[1].(hcl.TraverseAttr); ok {
					name = s.Name
				}
			}
			users = users || name != "invites"
			invites = invites || name != "users"
		}
	}
	return users, invites
}

// Wants reports whether a check may see u in live.users: false when every
// check reads live.users through prefilters and none keeps u. A caller
// reading many accounts adds only those it wants.
func (l *Live) Wants(u *LiveUser) bool {
	if l.cfg.usersWhole || l.sensitiveAccount(u) {
		return true
	}
	for _, p := range l.cfg.prefilters {
		if p.keep == nil || p.keep(u) {
			return true
		}
	}
	return false
}

// sensitiveAccount reports whether u's user block takes an attribute the
// checks read from a sensitive variable. Such an account makes the checks'
// diagnostics hide HCL's details (evalAssert), whether or not a prefilter
// keeps it: they are as they would be without prefilters.
func (l *Live) sensitiveAccount(u *LiveUser) bool {
	if len(l.cfg.sensitiveAttrs) == 0 {
		return false
	}
	d := l.cfg.User(u.Nickname)
	if d == nil {
		return false
	}
	for name, s := range d.Sensitive {
		if s && (l.cfg.userAttrs == nil || l.cfg.userAttrs[name]) {
			return true
		}
	}
	return false
}

// AddUser adds an account to live.users: a copy of u, which shares no
// memory with it (u may be a row read borrowed).
func (l *Live) AddUser(u *LiveUser) {
	l.usersSet = true
	l.users = append(l.users, u.Clone())
}

// Clone is a copy of u that shares no memory with it.
func (u *LiveUser) Clone() LiveUser {
	c := *u
	c.Nickname = strings.Clone(u.Nickname)
	for _, p := range []**string{&c.Email, &c.Name} {
		if *p != nil {
			s := strings.Clone(**p)
			*p = &s
		}
	}
	if u.Tags != nil {
		c.Tags = make([]string, len(u.Tags))
		for i, t := range u.Tags {
			c.Tags[i] = strings.Clone(t)
		}
	}
	if u.LastActiveAt != nil {
		t := *u.LastActiveAt
		c.LastActiveAt = &t
	}
	return c
}

// ReadUsers says that live.users was read, whether or not AddUser added
// any: with none, it is an empty list.
func (l *Live) ReadUsers() { l.usersSet = true }

// objects are the objects of l.users, once sorted, of one set of
// attributes (nil: all of them), and their type.
type objects struct {
	attrs map[string]bool
	ty    cty.Type
	objs  []cty.Value
	built []bool
}

// objectsOf are the objects of attrs (nil: all attributes).
func (l *Live) objectsOf(attrs map[string]bool) *objects {
	// Only names of attributes: one an element does not have is not in
	// its objects whatever the set, and no attribute's name holds a comma.
	names := slices.DeleteFunc(slices.Sorted(maps.Keys(attrs)), func(n string) bool { return !userType.HasAttribute(n) })
	key := strings.Join(names, ",")
	if attrs == nil {
		key = "*"
	}
	if o := l.objects[key]; o != nil {
		return o
	}
	ty := userType
	if attrs != nil {
		types := map[string]cty.Type{}
		for _, name := range names {
			types[name] = userType.AttributeType(name)
		}
		ty = cty.Object(types)
	}
	o := &objects{attrs: attrs, ty: ty, objs: make([]cty.Value, len(l.users)), built: make([]bool, len(l.users))}
	l.objects[key] = o
	return o
}

// userObjects are the objects of o of the accounts at idx in l.users,
// built on every core when they are many, each once. An attribute whose
// value the account's user block takes from a sensitive variable is marked
// sensitive: a check that shows it, or decides on it, is refused.
func (l *Live) userObjects(o *objects, idx []int) []cty.Value {
	var todo []int
	for _, i := range idx {
		if !o.built[i] {
			todo = append(todo, i)
			o.built[i] = true
		}
	}
	workers := max(1, min(runtime.GOMAXPROCS(0), len(todo)/1000))
	failed := make([]error, workers) // a panic, as an error
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			failed[w] = panics.Catch(func() error {
				for k := w; k < len(todo); k += workers {
					i := todo[k]
					o.objs[i] = l.userObject(&l.users[i], o.attrs)
				}
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(failed...); err != nil {
		panic(err) // on the caller's goroutine, where cli.Main recovers it
	}
	out := make([]cty.Value, len(idx))
	for k, i := range idx {
		out[k] = o.objs[i]
	}
	return out
}

// userObject is u as an element of live.users, of the attributes in attrs
// (nil: all of them).
func (l *Live) userObject(u *LiveUser, attrs map[string]bool) cty.Value {
	var secret map[string]bool
	if d := l.cfg.User(u.Nickname); d != nil {
		secret = d.Sensitive
	}
	n := len(liveAttrs)
	if attrs != nil {
		n = len(attrs)
	}
	vals := make(map[string]cty.Value, n)
	for name, a := range liveAttrs {
		if attrs == nil || attrs[name] {
			v := a.val(u)
			if secret[name] {
				v = v.Mark(sensitiveMark)
			}
			vals[name] = v
		}
	}
	return cty.ObjectVal(vals)
}

// liveAttr is an attribute of live.users' elements: its type; its value,
// as cty holds it; for one a prefilter compares (a bool, or a string or
// null), its value as Go holds it (prefilter.go); and for one a plan sets,
// how a value of a plan sets it.
type liveAttr struct {
	ty  cty.Type
	val func(u *LiveUser) cty.Value
	row func(u *LiveUser) (rowValue, bool)
	set func(u *LiveUser, v any)
}

// liveAttrs are the attributes of live.users' elements, by name: the one
// list of them. Times are RFC 3339 strings in UTC, as timeadd and timecmp
// take them.
var liveAttrs = map[string]liveAttr{
	"nickname": {ty: cty.String,
		val: func(u *LiveUser) cty.Value { return cty.StringVal(u.Nickname) },
		row: func(u *LiveUser) (rowValue, bool) { return stringValue(u.Nickname) }},
	account.Email:     optionalAttr(func(u *LiveUser) **string { return &u.Email }),
	account.Name:      optionalAttr(func(u *LiveUser) **string { return &u.Name }),
	account.Admin:     flagAttr(func(u *LiveUser) *bool { return &u.Admin }),
	account.Moderator: flagAttr(func(u *LiveUser) *bool { return &u.Moderator }),
	account.Active:    flagAttr(func(u *LiveUser) *bool { return &u.Active }),
	account.Confirmed: flagAttr(func(u *LiveUser) *bool { return &u.Confirmed }),
	account.Approved:  flagAttr(func(u *LiveUser) *bool { return &u.Approved }),
	account.Locked:    flagAttr(func(u *LiveUser) *bool { return &u.Locked }),
	account.MFA:       flagAttr(func(u *LiveUser) *bool { return &u.MFA }),
	account.Tags: {ty: cty.List(cty.String), val: func(u *LiveUser) cty.Value {
		if len(u.Tags) == 0 {
			return cty.ListValEmpty(cty.String)
		}
		tags := make([]cty.Value, len(u.Tags))
		for i, t := range u.Tags {
			tags[i] = cty.StringVal(t)
		}
		return cty.ListVal(tags)
	}},
	"inserted_at": {ty: cty.String, val: func(u *LiveUser) cty.Value { return cty.StringVal(Timestamp(u.InsertedAt)) }},
	"last_active_at": {ty: cty.String, val: func(u *LiveUser) cty.Value {
		if u.LastActiveAt == nil {
			return cty.NullVal(cty.String)
		}
		return cty.StringVal(Timestamp(*u.LastActiveAt))
	}},
}

// flagAttr is a bool attribute, held where field says.
func flagAttr(field func(u *LiveUser) *bool) liveAttr {
	return liveAttr{ty: cty.Bool,
		val: func(u *LiveUser) cty.Value { return cty.BoolVal(*field(u)) },
		row: func(u *LiveUser) (rowValue, bool) { return rowValue{kind: rowBool, b: *field(u)}, true },
		set: func(u *LiveUser, v any) {
			if b, ok := v.(bool); ok {
				*field(u) = b
			}
		}}
}

// optionalAttr is a string attribute that may be null, held where field
// says.
func optionalAttr(field func(u *LiveUser) **string) liveAttr {
	return liveAttr{ty: cty.String,
		val: func(u *LiveUser) cty.Value { return optString(*field(u)) },
		row: func(u *LiveUser) (rowValue, bool) { return optStringValue(*field(u)) },
		set: func(u *LiveUser, v any) {
			*field(u) = nil
			if s, ok := v.(string); ok {
				*field(u) = &s
			}
		}}
}

// Set sets the attribute name of u to v, a value of a plan: a bool, or a
// string or nil. A value of another type, or an attribute a plan does not
// set this way (tags, times), changes nothing.
func (u *LiveUser) Set(name string, v any) {
	if a, ok := liveAttrs[name]; ok && a.set != nil {
		a.set(u, v)
	}
}

// sortUsers orders accounts by nickname, case-insensitively as the
// server's citext compares them (then exactly), whatever order the rows
// were read in: a message that lists accounts is the same in a plan and
// in the apply that writes it.
func sortUsers(users []LiveUser) {
	type key struct {
		lower, exact string
		i            int
	}
	keys := make([]key, len(users))
	for i := range users {
		keys[i] = key{strings.ToLower(users[i].Nickname), users[i].Nickname, i}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := strings.Compare(a.lower, b.lower); c != 0 {
			return c
		}
		return strings.Compare(a.exact, b.exact)
	})
	sorted := make([]LiveUser, len(users))
	for k, key := range keys {
		sorted[k] = users[key.i]
	}
	copy(users, sorted)
}

// AddInvite adds an invite to live.invites.
func (l *Live) AddInvite(i *LiveInvite) {
	l.invSet = true
	id := cty.NullVal(cty.Number)
	if i.ID != 0 {
		id = cty.NumberIntVal(i.ID)
	}
	name := cty.NullVal(cty.String)
	if i.Name != "" {
		name = cty.StringVal(i.Name)
	}
	maxUse := cty.NullVal(cty.Number)
	if i.MaxUse != nil {
		maxUse = cty.NumberIntVal(*i.MaxUse)
	}
	l.invites = append(l.invites, cty.ObjectVal(map[string]cty.Value{
		"id": id, "name": name, "invite_type": cty.StringVal(i.InviteType), "expires_at": optString(i.ExpiresAt),
		"uses": cty.NumberIntVal(i.Uses), "max_use": maxUse, "used": cty.BoolVal(i.Used),
		"state": cty.StringVal(i.State), "inserted_at": cty.StringVal(Timestamp(i.InsertedAt)),
	}))
}

func optString(p *string) cty.Value {
	if p == nil {
		return cty.NullVal(cty.String)
	}
	return cty.StringVal(*p)
}

// variables are the variables of the checks: live as an object, and the
// prefilters' lists; and whether they hold a value of a sensitive
// variable. A list that was not read is unknown, which no check refers to
// (ChecksRead); so is live.users when only prefilters read it.
func (l *Live) variables() (map[string]cty.Value, bool) {
	sortUsers(l.users)
	l.objects = map[string]*objects{}
	for i := range l.users {
		l.sensitive = l.sensitive || l.sensitiveAccount(&l.users[i])
	}
	list := func(set bool, vs []cty.Value, ty cty.Type) cty.Value {
		switch {
		case len(vs) > 0:
			return cty.ListVal(vs)
		case set:
			return cty.ListValEmpty(ty)
		}
		return cty.UnknownVal(cty.List(ty))
	}
	all := make([]int, len(l.users))
	for i := range all {
		all[i] = i
	}
	every := l.objectsOf(l.cfg.userAttrs) // the attributes of every list
	vars := map[string]cty.Value{}
	for _, p := range l.cfg.prefilters {
		o, idx := every, all
		if !l.unfiltered && p.attrs != nil {
			o = l.objectsOf(p.attrs)
		}
		if !l.unfiltered && p.keep != nil {
			idx = nil
			for i := range l.users {
				if p.keep(&l.users[i]) {
					idx = append(idx, i)
				}
			}
		}
		vars[p.name] = list(l.usersSet, l.userObjects(o, idx), o.ty)
	}
	users := list(false, nil, every.ty)
	if l.cfg.usersWhole {
		users = list(l.usersSet, l.userObjects(every, all), every.ty)
	}
	vars["live"] = cty.ObjectVal(map[string]cty.Value{
		"users":   users,
		"invites": list(l.invSet, l.invites, inviteType),
	})
	return vars, l.sensitive
}

// Status is the outcome of a check, in Terraform's words.
type Status string

// The outcomes of a check.
const (
	// Pass: every assertion holds.
	Pass Status = "pass"
	// Fail: an assertion does not hold.
	Fail Status = "fail"
	// Error: an assertion could not be evaluated (its diagnostics say
	// why): the check cannot be said to hold.
	Error Status = "error"
)

// CheckResult is how one check came out.
type CheckResult struct {
	Check  *Check
	Status Status
	// Failures are the assertions that do not hold, with their messages.
	Failures []Failure
	// Diags are the errors of the assertions that could not be evaluated.
	Diags hcl.Diagnostics
}

// Failure is an assertion that does not hold, and its error message.
type Failure struct {
	Assert  *Assert
	Message string
}

// EvalChecks evaluates every check of c against l, in source order.
func (c *Config) EvalChecks(l *Live) []CheckResult {
	if len(c.Checks) == 0 {
		return nil
	}
	vars, sensitive := l.variables()
	ctx := c.eval.checkContext(vars)
	out := make([]CheckResult, len(c.Checks))
	for i, ch := range c.Checks {
		out[i] = CheckResult{Check: ch, Status: Pass}
		for _, a := range ch.Asserts {
			evalAssert(ctx, a, &out[i], sensitive)
		}
	}
	return out
}

// evalAssert evaluates one assertion into r.
func evalAssert(ctx *hcl.EvalContext, a *Assert, r *CheckResult, sensitive bool) {
	fail := func(d *hcl.Diagnostic) {
		if sensitive && (d.Expression != nil || d.EvalContext != nil) {
			// HCL's own messages may quote a value, and live holds values
			// of sensitive variables.
			d.Detail = "The details are not shown: live.users holds values of sensitive variables, which they may quote."
		}
		d.Expression, d.EvalContext = nil, nil
		r.Diags = append(r.Diags, d)
		r.Status = Error
	}
	val, diags := a.condition.Value(ctx)
	if diags.HasErrors() {
		for _, d := range diags {
			if d.Severity == hcl.DiagError {
				fail(d)
			}
		}
		return
	}
	if d := conditionType(a.condition, val); d != nil {
		fail(d)
		return
	}
	switch {
	case isSensitive(val):
		fail(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Condition decided by a sensitive value",
			Detail:  "The condition's value derives from an attribute of live.users whose configured value comes from a sensitive variable: whether the check passes would tell something of the secret. Leave that attribute out of the condition.",
			Subject: a.condition.Range().Ptr()})
		return
	case val.IsNull():
		fail(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid condition result",
			Detail: "The condition's value is null: it must be true or false.", Subject: a.condition.Range().Ptr()})
		return
	case !val.IsKnown():
		fail(&hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid condition result",
			Detail: "The condition's value is not known: it depends on a variable without a value.", Subject: a.condition.Range().Ptr()})
		return
	case val.True():
		return
	}
	if r.Status == Pass {
		r.Status = Fail
	}
	r.Failures = append(r.Failures, Failure{Assert: a, Message: errorMessage(ctx, a)})
}

// errorMessage is the message of a failing assertion; one that cannot be
// shown says why instead.
func errorMessage(ctx *hcl.EvalContext, a *Assert) string {
	val, diags := a.errorMessage.Value(ctx)
	if diags.HasErrors() {
		return fmt.Sprintf("(the error message is invalid: %s)", diags[0].Summary)
	}
	if isSensitive(val) {
		return "(the error message is not shown: it derives from a value of a sensitive variable)"
	}
	s, err := convert.Convert(val, cty.String)
	if err != nil || s.IsNull() || !s.IsKnown() {
		return "(the error message is not a string)"
	}
	return s.AsString()
}
