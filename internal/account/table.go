package account

import "strings"

// table is the user attributes, in the order of the configuration's
// documentation. It is never changed.
var table = []Attribute{
	{Name: Email, Config: String, Plan: String, On: OnCreate | OnUpdate | OnDelete, Column: "email", read: "email::text",
		fields: textFields(func(d *Declared) **string { return &d.Email }, func(r *Row) **string { return &r.Email })},
	{Name: Name, Config: String, Plan: String, On: OnCreate | OnUpdate | OnDelete, Column: "name",
		fields: textFields(func(d *Declared) **string { return &d.Name }, func(r *Row) **string { return &r.Name })},
	{Name: Bio, Config: String, Plan: String, On: OnCreate | OnUpdate, Column: "bio", Default: "", read: "bio, raw_bio",
		fields: bioFields()},
	{Name: Admin, Config: Bool, Plan: Bool, On: OnCreate | OnUpdate | OnDelete, Role: true, Column: "is_admin", Default: false,
		fields: flagFields(func(d *Declared) **bool { return &d.Admin }, func(r *Row) *bool { return &r.Admin })},
	{Name: Moderator, Config: Bool, Plan: Bool, On: OnCreate | OnUpdate | OnDelete, Role: true, Column: "is_moderator", Default: false,
		fields: flagFields(func(d *Declared) **bool { return &d.Moderator }, func(r *Row) *bool { return &r.Moderator })},
	{Name: Confirmed, Config: Bool, Plan: Bool, On: OnCreate | OnUpdate, Column: "is_confirmed", Default: true,
		fields: flagFields(func(d *Declared) **bool { return &d.Confirmed }, func(r *Row) *bool { return &r.Confirmed })},
	{Name: Approved, Config: Bool, Plan: Bool, On: OnCreate | OnUpdate, Column: "is_approved", Default: true,
		fields: flagFields(func(d *Declared) **bool { return &d.Approved }, func(r *Row) *bool { return &r.Approved })},
	{Name: Locked, Config: Bool, Plan: Bool, On: OnCreate | OnUpdate, Column: "is_locked", Default: false,
		fields: flagFields(func(d *Declared) **bool { return &d.Locked }, func(r *Row) *bool { return &r.Locked })},
	{Name: Active, Config: Bool, Plan: Bool, On: OnCreate | OnUpdate | OnDelete, Column: "is_active", Default: true,
		fields: flagFields(func(d *Declared) **bool { return &d.Active }, func(r *Row) *bool { return &r.Active })},
	{Name: Tags, Config: Strings, Plan: Strings, On: OnCreate | OnUpdate | OnDelete, Column: "tags", Default: []string{},
		read: "coalesce(tags, '{}')", fields: tagsFields()},
	{Name: Password, Config: String, On: OnCreate | OnUpdate, Secret: true, Column: "password_hash"},
	{Name: InitialPassword, Config: String, On: OnCreate, Secret: true, Column: "password_hash"},
	{Name: PasswordHash, Config: String, On: OnCreate | OnUpdate, Secret: true, Column: "password_hash"},
	{Name: State, Config: String},
	{Name: SessionsValidAfter, Config: String},
	{Name: MFA, Config: Bool, Plan: Bool, On: OnUpdate,
		read: `coalesce((multi_factor_authentication_settings->>'enabled')::boolean, false)
    OR coalesce((multi_factor_authentication_settings #>> '{totp,confirmed}')::boolean, false)`,
		fields: fields{scan: func(r *Row, into []any) []any { return append(into, &r.MFA) }}},
	{Name: Sessions, Plan: Int, On: OnUpdate},
	{Name: APID, Plan: String, On: OnCreate},
	{Name: ID, On: OnCreate},
}

// byName indexes table. It is never changed.
var byName = func() map[string]Attribute {
	m := make(map[string]Attribute, len(table))
	for _, a := range table {
		m[a.Name] = a
	}
	return m
}()

// columns counts the targets ScanTargets returns.
var columns = func() int {
	n := len(own)
	for _, a := range table {
		if a.scan != nil {
			n += len(a.scan(&Row{}, nil))
		}
	}
	return n
}()

// column is a column of users that is no attribute's.
type column struct {
	sql  string
	dest func(*Row) any
}

// own are the columns every read of an account takes, before the
// attributes': what says which account it is and what kind.
var own = []column{
	{"id::text", func(r *Row) any { return &r.ID }},
	{"nickname::text", func(r *Row) any { return &r.Nickname }},
	{"password_hash", func(r *Row) any { return &r.PasswordHash }},
	{"ap_id", func(r *Row) any { return &r.APID }},
	{"actor_type", func(r *Row) any { return &r.ActorType }},
	{"invisible", func(r *Row) any { return &r.Invisible }},
	{"inserted_at", func(r *Row) any { return &r.InsertedAt }},
	{"last_active_at", func(r *Row) any { return &r.LastActiveAt }},
}

// Columns are the users columns the planner reads and compares, as
// ScanTargets scans them; the benchmarks read the same ones for their floor.
// It is the table's own SELECT list, written out as a constant for them: a
// test checks that the two agree.
const Columns = `id::text, nickname::text, password_hash, ap_id, actor_type, invisible, inserted_at, last_active_at,
  email::text, name, bio, raw_bio, is_admin, is_moderator, is_confirmed, is_approved, is_locked, is_active,
  coalesce(tags, '{}'),
  coalesce((multi_factor_authentication_settings->>'enabled')::boolean, false)
    OR coalesce((multi_factor_authentication_settings #>> '{totp,confirmed}')::boolean, false)`

// optionalFields ties an attribute declared as an optional T to its fields:
// live gives the stored value and stored where its column scans to.
func optionalFields[T any](declared func(*Declared) **T, live func(*Row) any, stored func(*Row) any) fields {
	return fields{
		desired: func(d *Declared) any {
			if p := *declared(d); p != nil {
				return *p
			}
			return nil
		},
		declare: func(d *Declared, v any) {
			t := v.(T)
			*declared(d) = &t
		},
		live: live,
		scan: func(r *Row, into []any) []any { return append(into, stored(r)) },
	}
}

// flagFields ties a bool attribute to its fields.
func flagFields(declared func(*Declared) **bool, stored func(*Row) *bool) fields {
	return optionalFields(declared, func(r *Row) any { return *stored(r) }, func(r *Row) any { return stored(r) })
}

// textFields ties a string attribute stored in a nullable column to its
// fields.
func textFields(declared func(*Declared) **string, stored func(*Row) **string) fields {
	live := func(r *Row) any {
		if p := *stored(r); p != nil {
			return *p
		}
		return nil
	}
	return optionalFields(declared, live, func(r *Row) any { return stored(r) })
}

// bioFields ties bio to its fields: compared with its source text, and a
// blank one is stored as an empty bio and a NULL raw_bio.
func bioFields() fields {
	return fields{
		desired: func(d *Declared) any {
			switch {
			case d.Bio == nil:
				return nil
			case strings.TrimSpace(*d.Bio) == "":
				return ""
			}
			return *d.Bio
		},
		declare: func(d *Declared, v any) {
			s := v.(string)
			d.Bio = &s
		},
		live: func(r *Row) any { return r.BioSource() },
		scan: func(r *Row, into []any) []any { return append(into, &r.Bio, &r.RawBio) },
	}
}

// tagsFields ties tags to their fields: declared lower-cased, as the
// server's tag takes them; stored as they are, as the server compares them.
func tagsFields() fields {
	return fields{
		desired: func(d *Declared) any {
			if d.Tags == nil {
				return nil
			}
			return d.Tags
		},
		declare: func(d *Declared, v any) { d.Tags = normalizeTags(v.([]string)) },
		live:    func(r *Row) any { return r.StoredTags() },
		scan:    func(r *Row, into []any) []any { return append(into, &r.Tags) },
	}
}

// normalizeTags lower-cases tags as the server's tag does and drops
// duplicates, keeping the first occurrence.
func normalizeTags(in []string) []string {
	out := make([]string, 0, len(in))
	seen := map[string]bool{}
	for _, t := range in {
		t = strings.ToLower(t)
		if !seen[t] {
			seen[t] = true
			out = append(out, t)
		}
	}
	return out
}
