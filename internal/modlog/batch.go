package modlog

// Batch gathers what one apply does into the entries the admin API would
// write for it: one entry per kind of action (an action, with its role for
// grant and revoke and its tag for tag and untag), listing its accounts in
// the order they were added, each once. The zero value is not ready: use
// NewBatch.
type Batch struct {
	actor   User
	entries map[kind]*Entry
	// listed are the ids each entry lists, so that adding one is quick
	// however many it lists (local_users may confirm 100,000 accounts).
	listed map[kind]map[string]bool
	// tags are the tags of tag and untag entries, in the order first added.
	tags map[string][]string
}

// kind is what makes two changes go to the same entry.
type kind struct{ action, detail string }

// NewBatch returns an empty Batch whose entries name actor.
func NewBatch(actor User) *Batch {
	return &Batch{actor: actor, entries: map[kind]*Entry{}, listed: map[kind]map[string]bool{}, tags: map[string][]string{}}
}

// Add adds u to the entry of action (Create, Delete, Activate, Deactivate,
// Approve, ConfirmEmail or UpdatedUsers).
func (b *Batch) Add(action string, u User) { b.add(kind{action, ""}, u) }

// AddRole adds u to the grant or revoke entry of role ("admin" or
// "moderator").
func (b *Batch) AddRole(action, role string, u User) { b.add(kind{action, role}, u) }

// AddTag adds u to the tag or untag entry of one tag.
func (b *Batch) AddTag(action, tag string, u User) {
	k := kind{action, tag}
	if b.entries[k] == nil {
		b.tags[action] = append(b.tags[action], tag)
	}
	b.add(k, u)
}

func (b *Batch) add(k kind, u User) {
	e := b.entries[k]
	if e == nil {
		e = &Entry{Action: k.action, Actor: b.actor}
		switch k.action {
		case Grant, Revoke:
			e.Permission = k.detail
		case Tag, Untag:
			e.Tags = []string{k.detail}
		}
		b.entries[k], b.listed[k] = e, map[string]bool{}
	}
	if !b.listed[k][u.ID] {
		b.listed[k][u.ID] = true
		e.Subject = append(e.Subject, u)
	}
}

// Entries are the batch's entries in the order an apply writes them:
// create, grant, revoke, activate, deactivate, approve, confirm_email,
// tag, untag (each tag in the order first added), updated_users, delete.
func (b *Batch) Entries() []Entry {
	order := []kind{{Create, ""}, {Grant, "admin"}, {Grant, "moderator"}, {Revoke, "admin"}, {Revoke, "moderator"},
		{Activate, ""}, {Deactivate, ""}, {Approve, ""}, {ConfirmEmail, ""}}
	for _, action := range []string{Tag, Untag} {
		for _, t := range b.tags[action] {
			order = append(order, kind{action, t})
		}
	}
	order = append(order, kind{UpdatedUsers, ""}, kind{Delete, ""})
	var out []Entry
	for _, k := range order {
		if e := b.entries[k]; e != nil {
			out = append(out, *e)
		}
	}
	return out
}
