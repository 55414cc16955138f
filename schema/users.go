package schema

import (
	"errors"
	"fmt"
	"iter"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"github.com/roster-project/roster/internal/addrs"
	"github.com/roster-project/roster/internal/panics"
)

// A users block declares one account for each element of its for_each, a
// map keyed by nickname or a set of nicknames, with the attributes of a user
// block evaluated with each.key (the nickname) and each.value (the map's
// value, or the nickname again). Each account is user.<nickname>, as if a
// user block declared it: the planner, targets, ignore rules and groups
// cannot tell the difference, and only the plan's note and diagnostics say
// which block it came from.

// Instance says which users block declared an account, and where in a data
// file its values are, when they come from one.
type Instance struct {
	// Block is the users block's address, e.g. users.staff.
	Block string
	// Data is where the account's for_each value starts in a data file
	// that file() read (its row); zero when not known.
	Data DataPos
	// Values holds where each attribute's value is in a data file, by
	// attribute name, when it comes from one place.
	Values map[string]DataPos
}

// DataPos is a place in a data file that file() read and csvdecode,
// jsondecode or yamldecode decoded: the file, and the line, or 0 when the
// decoder tells only the file (yamldecode).
type DataPos struct {
	File string
	Line int
}

// String is e.g. "staff.csv line 18", "staff.yaml", or "" when unknown.
func (p DataPos) String() string {
	switch {
	case p.File == "":
		return ""
	case p.Line == 0:
		return p.File
	}
	return fmt.Sprintf("%s line %d", p.File, p.Line)
}

// Where says which account of which users block a diagnostic about
// attribute attr (or "" for the account as a whole) is about, and where its
// value is in a data file when known: "staff.csv line 18, user.bob of
// users.staff". It is "" for an account of a user block, whose diagnostics
// point at it already.
func (u *User) Where(attr string) string {
	if u.From == nil {
		return ""
	}
	pos := u.From.Data
	if p, ok := u.From.Values[attr]; ok {
		pos = p
	}
	if pos.File == "" {
		return fmt.Sprintf("%s of %s", u.Address(), u.From.Block)
	}
	return fmt.Sprintf("%s, %s of %s", pos, u.Address(), u.From.Block)
}

// declaredAt says where u is declared, for a diagnostic about another
// place: "at users.hcl:3,1-12", or "by users.staff (staff.csv line 18) at
// users.hcl:5,1-16".
func (u *User) declaredAt() string {
	if u.From == nil {
		return "at " + rangeString(u.DeclRange)
	}
	if p := u.From.Data.String(); p != "" {
		return fmt.Sprintf("by %s (%s) at %s", u.From.Block, p, rangeString(u.DeclRange))
	}
	return fmt.Sprintf("by %s at %s", u.From.Block, rangeString(u.DeclRange))
}

// locate prefixes the details of diags, which are about u, with Where: the
// range of a users block's attribute is that of every account it declares.
func (u *User) locate(diags hcl.Diagnostics) hcl.Diagnostics {
	if u.From == nil {
		return diags
	}
	for _, d := range diags {
		attr := ""
		if d.Subject != nil {
			for name, r := range u.Ranges {
				if r == *d.Subject {
					attr = name
					break
				}
			}
		}
		d.Detail = u.Where(attr) + ": " + d.Detail
	}
	return diags
}

// usersSchema is a user block's, with for_each.
var usersSchema = &hcl.BodySchema{
	Blocks:     userSchema.Blocks,
	Attributes: append([]hcl.AttributeSchema{{Name: "for_each", Required: true}}, userSchema.Attributes...),
}

// eachPair is one element of a for_each: the nickname and each.value.
type eachPair struct {
	key   string
	value cty.Value
}

// decodeUsers decodes a users block into its accounts, in nickname order.
// seen holds the users blocks decoded before, by lower-cased label.
func decodeUsers(ev *evaluator, b *hcl.Block, seen map[string]hcl.Range) ([]*User, hcl.Diagnostics) {
	label := b.Labels[0]
	block := addrs.Of("users", label)
	if prev, ok := seen[strings.ToLower(label)]; ok {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Duplicate users block",
			Detail:  fmt.Sprintf("%s was already declared at %s (names are compared case-insensitively). Give each users block its own name.", block, rangeString(prev)),
			Subject: b.LabelRanges[0].Ptr()}}
	}
	seen[strings.ToLower(label)] = b.DefRange
	content, diags := b.Body.Content(usersSchema)
	if content == nil {
		return nil, diags
	}
	forEach, ok := content.Attributes["for_each"]
	if !ok {
		return nil, diags
	}
	attrs := make(hcl.Attributes, len(content.Attributes)-1)
	for name, a := range content.Attributes {
		if name != "for_each" {
			attrs[name] = a
		}
	}
	pairs, known, moreDiags := ev.forEach(forEach)
	diags = append(diags, moreDiags...)
	if moreDiags.HasErrors() {
		return nil, diags
	}
	errs := newInstanceErrors(block)
	if !known || len(pairs) == 0 {
		// Check what does not depend on each: the references to
		// variables, locals and functions.
		u := &User{Nickname: "each.key", DeclRange: b.DefRange, LabelRange: forEach.Expr.Range(),
			Ranges: map[string]hcl.Range{}, Sensitive: map[string]bool{}}
		each := cty.ObjectVal(map[string]cty.Value{"key": cty.UnknownVal(cty.String), "value": cty.DynamicVal})
		errs.add(nil, decodeUserContent(ev.with(each), u, attrs, content.Blocks, b.DefRange))
		return nil, append(diags, errs.diags()...)
	}
	users := make([]*User, 0, len(pairs))
	var eachs []cty.Value
	for _, p := range pairs {
		if strings.ContainsRune(p.key, 0) {
			diags = append(diags, nulError(forEach, "A key of for_each"))
			continue
		}
		users = append(users, &User{Nickname: p.key, DeclRange: b.DefRange, LabelRange: forEach.Expr.Range(),
			Ranges: make(map[string]hcl.Range, len(attrs)), Sensitive: make(map[string]bool, len(attrs)),
			From: &Instance{Block: block, Data: rowPos(p.value), Values: make(map[string]DataPos, len(attrs))}})
		eachs = append(eachs, cty.ObjectVal(map[string]cty.Value{"key": cty.StringVal(p.key), "value": p.value}))
	}
	found := make([]hcl.Diagnostics, len(users))
	onEveryCore(len(users), 100, func(i int) {
		found[i] = decodeUserContent(ev.with(eachs[i]), users[i], attrs, content.Blocks, b.DefRange)
	})
	for i, u := range users {
		errs.add(u, found[i])
	}
	return users, append(diags, errs.diags()...)
}

// onEveryCore calls do(i) for each i below n on every core, a worker for
// each perWorker calls at least, and returns when all are done. The calls
// must be independent of each other, as a users block's accounts are (the
// evaluator's files are read under a lock). A panic in do panics here, on
// the caller's goroutine.
func onEveryCore(n, perWorker int, do func(i int)) {
	workers := max(1, min(runtime.GOMAXPROCS(0), n/perWorker))
	failed := make([]error, workers) // a panic, as an error
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			failed[w] = panics.Catch(func() error {
				for i := w; i < n; i += workers {
					do(i)
				}
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(failed...); err != nil {
		panic(err) // on the caller's goroutine, where cli.Main recovers it
	}
}

// with is ev evaluating with each as well: the evaluator of one account of
// a users block.
func (ev *evaluator) with(each cty.Value) *evaluator {
	inst := *ev
	ctx := ev.context().NewChild()
	ctx.Variables = map[string]cty.Value{"each": each}
	inst.frozen = ctx
	return &inst
}

// forEach evaluates a users block's for_each: its keys, the nicknames, in
// order, with each one's value. known is false when the value is not known
// (validate without variable values): there are no accounts to decode.
func (ev *evaluator) forEach(a *hcl.Attribute) ([]eachPair, bool, hcl.Diagnostics) {
	val, diags := a.Expr.Value(ev.context())
	if diags.HasErrors() {
		return nil, false, diags
	}
	invalid := func(detail string) hcl.Diagnostics {
		return append(diags, valueBlind(attrError(a, "Invalid for_each argument", detail)))
	}
	// Only the value as a whole can be sensitive: HCL marks a map whose
	// keys derive from a sensitive value as a whole, and a set holds its
	// elements' marks. Other marks say where data came from.
	if val.HasMark(sensitiveMark) {
		return nil, false, invalid("Sensitive values, or values derived from sensitive values, cannot be used as for_each arguments. " +
			"If used, the sensitive value could be exposed as an account's nickname, in plans and addresses. " +
			"A value given by a ROSTER_VAR_ environment variable is always sensitive: give the list of accounts with --var, a --var-file, a default or a file.")
	}
	val, _ = val.Unmark()
	ty := val.Type()
	switch {
	case val.IsNull():
		return nil, false, invalid(`The given "for_each" argument value is unsuitable: the given "for_each" argument value is null. A map, or set of strings is allowed.`)
	case !val.IsKnown():
		return nil, false, diags
	case ty.IsMapType() || ty.IsObjectType():
		pairs := make([]eachPair, 0, val.LengthInt())
		for it := val.ElementIterator(); it.Next(); {
			k, v := it.Element()
			pairs = append(pairs, eachPair{key: k.AsString(), value: v})
		}
		return pairs, true, diags
	case ty.IsSetType():
		if !ty.ElementType().Equals(cty.String) && ty.ElementType() != cty.DynamicPseudoType {
			return nil, false, invalid(fmt.Sprintf(`The given "for_each" argument value is unsuitable: "for_each" supports maps and sets of strings, but you have provided a set containing type %s.`, ty.ElementType().FriendlyName()))
		}
		if !val.IsWhollyKnown() {
			return nil, false, diags
		}
		pairs := make([]eachPair, 0, val.LengthInt())
		for it := val.ElementIterator(); it.Next(); {
			_, v := it.Element()
			v, _ = v.Unmark()
			if v.IsNull() {
				return nil, false, invalid(`The given "for_each" argument value is unsuitable: "for_each" sets must not contain null values.`)
			}
			if v.Type() != cty.String {
				return nil, false, invalid(fmt.Sprintf(`The given "for_each" argument value is unsuitable: "for_each" supports maps and sets of strings, but you have provided a set containing type %s.`, v.Type().FriendlyName()))
			}
			pairs = append(pairs, eachPair{key: v.AsString(), value: v})
		}
		return pairs, true, diags
	}
	return nil, false, invalid(fmt.Sprintf(`The given "for_each" argument value is unsuitable: the "for_each" argument must be a map, or set of strings, and you have provided a value of type %s. `+
		`Make a list of nicknames a set with toset(...), or a list of rows a map keyed by nickname with a for expression: { for row in ... : row.nickname => row }.`, ty.FriendlyName()))
}

// topDataPos is where v, as a whole, is in a data file: the one place its
// own marks (not those of the values in it) name, else the zero DataPos.
func topDataPos(v cty.Value) DataPos {
	return onePlace(cty.ValueMarksOfType[dataMark](v))
}

// rowPos is where the for_each value of an account starts in a data file:
// its own place (a JSON object's, a cell's), else the first line of the
// values in it when they are all of one file (a CSV row's cells, which
// csvdecode marks, leaving the row unmarked).
func rowPos(v cty.Value) DataPos {
	if p := topDataPos(v); p.File != "" || v.IsMarked() || !v.IsKnown() || v.IsNull() || !v.CanIterateElements() {
		return p
	}
	var out DataPos
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		for m := range cty.ValueMarksOfType[dataMark](e) {
			switch {
			case out.File != "" && m.file != out.File:
				return DataPos{}
			case out.File == "" || m.line < out.Line:
				out = DataPos{File: m.file, Line: m.line}
			}
		}
	}
	return out
}

// isPrimitive reports whether v holds no other values.
func isPrimitive(v cty.Value) bool { return v.Type().IsPrimitiveType() }

// dataPos is where the value of an attribute is in a data file: the one
// place the marks of its scalars name, else the one place the marks of its
// rows, objects and lists name, else the zero DataPos (no place, or
// several: the value combines data from several places).
func dataPos(v cty.Value) DataPos {
	marks := cty.ValueMarksOfTypeDeep[dataMark]
	if isPrimitive(v) {
		marks = cty.ValueMarksOfType[dataMark] // the same, without a walk
	}
	var scalars, wholes []dataMark
	for m := range marks(v) {
		if m.whole {
			wholes = append(wholes, m)
		} else {
			scalars = append(scalars, m)
		}
	}
	if len(scalars) > 0 {
		return onePlace(slices.Values(scalars))
	}
	return onePlace(slices.Values(wholes))
}

// onePlace returns the place the marks name when they all name the same,
// else the zero DataPos.
func onePlace(marks iter.Seq[dataMark]) DataPos {
	var out DataPos
	for m := range marks {
		p := DataPos{File: m.file, Line: m.line}
		if out.File != "" && out != p {
			return DataPos{}
		}
		out = p
	}
	return out
}

// instanceErrors gathers the diagnostics of the accounts of one users
// block: each is about an account, and the same error of several accounts
// (an expression that fails for each of them) is reported once, saying
// for how many more.
type instanceErrors struct {
	block string
	order []*instanceError
	byKey map[instanceKey]*instanceError
}

type instanceKey struct {
	summary, detail string
	subject         hcl.Range
}

type instanceError struct {
	d    *hcl.Diagnostic
	more int
}

func newInstanceErrors(block string) *instanceErrors {
	return &instanceErrors{block: block, byKey: map[instanceKey]*instanceError{}}
}

// add records the diagnostics of the account u (nil for an evaluation
// with each unknown).
func (e *instanceErrors) add(u *User, diags hcl.Diagnostics) {
	for _, d := range diags {
		k := instanceKey{summary: d.Summary, detail: d.Detail}
		if d.Subject != nil {
			k.subject = *d.Subject
		}
		if prev, ok := e.byKey[k]; ok {
			prev.more++
			continue
		}
		if u != nil {
			u.locate(hcl.Diagnostics{d})
		}
		ie := &instanceError{d: d}
		e.byKey[k] = ie
		e.order = append(e.order, ie)
	}
}

// diags returns the diagnostics gathered, in order.
func (e *instanceErrors) diags() hcl.Diagnostics {
	out := make(hcl.Diagnostics, 0, len(e.order))
	for _, ie := range e.order {
		if ie.more > 0 {
			noun := "accounts"
			if ie.more == 1 {
				noun = "account"
			}
			ie.d.Detail += fmt.Sprintf(" (The same for %d more %s of %s.)", ie.more, noun, e.block)
		}
		out = append(out, ie.d)
	}
	return out
}

// explainDuplicateKeys says where the items are whose keys collide in the
// "Duplicate object key" errors of HCL's for expressions, when their data
// comes from a file: "staff.csv lines 18 and 25". HCL's own message names
// the key only.
func explainDuplicateKeys(diags hcl.Diagnostics, files map[string]*hcl.File) {
	for _, d := range diags {
		if d.Summary != "Duplicate object key" || d.Expression == nil || d.EvalContext == nil || d.Subject == nil || files[d.Subject.Filename] == nil {
			continue
		}
		body, ok := files[d.Subject.Filename].Body.(*hclsyntax.Body)
		if !ok {
			continue
		}
		var fe *hclsyntax.ForExpr
		hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
			if f, ok := n.(*hclsyntax.ForExpr); ok && hcl.Expression(f.KeyExpr) == d.Expression {
				fe = f
			}
			return nil
		})
		key, diags := d.Expression.Value(d.EvalContext)
		if fe == nil || diags.HasErrors() {
			continue
		}
		key, _ = key.UnmarkDeep()
		if key, err := convert.Convert(key, cty.String); err == nil && key.IsKnown() && !key.IsNull() {
			if places := collidingPlaces(fe, d.EvalContext.Parent(), key.AsString()); places != "" {
				d.Detail = fmt.Sprintf("Two different items produced the key %q in this 'for' expression: %s. Keys must be unique: remove or rename one of them, "+
					"or, if duplicates are expected, use the ellipsis (...) after the value expression to enable grouping by key.", shown(key.AsString(), false), places)
			}
		}
	}
}

// collidingPlaces evaluates fe again in ctx and says where in their data
// files the items are that produce key, or "" when any has no place.
func collidingPlaces(fe *hclsyntax.ForExpr, ctx *hcl.EvalContext, key string) string {
	coll, diags := fe.CollExpr.Value(ctx)
	coll, _ = coll.Unmark()
	if diags.HasErrors() || !coll.IsWhollyKnown() || coll.IsNull() || !coll.CanIterateElements() {
		return ""
	}
	var places []DataPos
	for it := coll.ElementIterator(); it.Next(); {
		k, v := it.Element()
		child := ctx.NewChild()
		child.Variables = map[string]cty.Value{fe.ValVar: v}
		if fe.KeyVar != "" {
			child.Variables[fe.KeyVar] = k
		}
		if fe.CondExpr != nil {
			c, diags := fe.CondExpr.Value(child)
			c, _ = c.UnmarkDeep()
			if diags.HasErrors() || !c.IsKnown() || c.IsNull() || c.Type() != cty.Bool || c.False() {
				continue
			}
		}
		kv, diags := fe.KeyExpr.Value(child)
		if diags.HasErrors() {
			continue
		}
		p := rowPos(v)
		if p.File == "" {
			p = dataPos(kv)
		}
		kv, _ = kv.UnmarkDeep()
		if kv, err := convert.Convert(kv, cty.String); err != nil || !kv.IsKnown() || kv.IsNull() || kv.AsString() != key {
			continue
		}
		if p.File == "" {
			return ""
		}
		places = append(places, p)
	}
	if len(places) < 2 {
		return ""
	}
	return joinPlaces(places)
}

// joinPlaces names places, "staff.csv lines 18 and 25" when they are lines of
// one file.
func joinPlaces(places []DataPos) string {
	sameFile := true
	for _, p := range places {
		sameFile = sameFile && p.File == places[0].File && p.Line > 0
	}
	var parts []string
	for _, p := range places {
		if sameFile {
			parts = append(parts, fmt.Sprint(p.Line))
		} else {
			parts = append(parts, p.String())
		}
	}
	list := strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
	if sameFile {
		return fmt.Sprintf("%s lines %s", places[0].File, list)
	}
	return list
}
