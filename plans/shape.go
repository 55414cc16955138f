package plans

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/roster-project/roster/internal/account"
	"github.com/roster-project/roster/internal/accountset"
	"github.com/roster-project/roster/internal/addrs"
)

// valueKind is the type of an attribute's values in a plan.
type valueKind int

const (
	noValue valueKind = iota // sensitive or computed only: never a value
	boolValue
	stringValue
	intValue
	stringsValue
)

func (k valueKind) String() string {
	return [...]string{"no value", "a bool", "a string", "a whole number", "a list of strings"}[k]
}

// attrKind is the kind of values an attribute of a change of type typ
// holds; false for an attribute such a change never has.
func attrKind(typ Type, name string) (valueKind, bool) {
	switch typ {
	case TypeUser:
		a, ok := account.Lookup(name)
		return userKind(a.Plan), ok && a.On != 0
	case TypeInvite:
		switch name {
		case "invite_type", "expires_at":
			return stringValue, true
		case "max_use":
			return intValue, true
		case "revoked":
			return boolValue, true
		case "token":
			return noValue, true
		}
	case TypeRemoteInstance:
		return intValue, name == "active_accounts" || name == "inactive_accounts"
	case TypeLocalUsers:
		return intValue, name == "unconfirmed_accounts" || name == "confirmed_accounts"
	}
	return 0, false
}

// userKind is the kind of values of a user attribute of the account table.
func userKind(k account.Kind) valueKind {
	switch k {
	case account.Bool:
		return boolValue
	case account.String:
		return stringValue
	case account.Int:
		return intValue
	case account.Strings:
		return stringsValue
	}
	return noValue
}

// actionAllowed reports whether a change of type typ may have action a.
func actionAllowed(typ Type, a Action) bool {
	switch typ {
	case TypeUser:
		return a == Create || a == Update || a == Delete
	case TypeInvite:
		return a == Create || a == Update
	case TypeRemoteInstance, TypeLocalUsers:
		return a == Update
	}
	return false
}

// Validate checks that a plan read from outside (a saved plan file) has
// the shape of a plan roster makes: every change of a known type with an
// action that type allows, at the address of its type and name as roster
// writes it, identifiers without control characters, every
// attribute one that type has, with values of its type, and no value on a
// sensitive or computed attribute. It says nothing of whether the plan is
// one that roster would make; applying compares it with a new plan.
func (p *Plan) Validate() error {
	for _, s := range []string{p.FormatVersion, string(p.Server.Flavor), p.Server.URL, p.AuditActor} {
		if strings.IndexFunc(s, hiddenRune) >= 0 {
			return fmt.Errorf("the server's description holds a control character")
		}
	}
	for i := range p.Changes {
		if err := p.Changes[i].validate(); err != nil {
			return fmt.Errorf("change %d: %w", i+1, err)
		}
	}
	for i := range p.Checks {
		if err := p.Checks[i].validate(); err != nil {
			return err
		}
	}
	return nil
}

func (c *Change) validate() error {
	texts := append([]string{c.Address, string(c.Type), c.Nickname, c.ID, string(c.Action)}, c.Reasons...)
	texts = append(texts, c.Notes...)
	for _, a := range c.Attrs {
		texts = append(texts, a.Name)
	}
	for _, s := range texts {
		if strings.IndexFunc(s, hiddenRune) >= 0 {
			return fmt.Errorf("%s holds a control character", quoteAddress(c.Address))
		}
	}
	if c.Address == "" {
		return fmt.Errorf("no address")
	}
	if o, diags := addrs.Parse(c.Address); len(diags) > 0 || o.String() != c.Address || o.Type != string(c.Type) || !strings.EqualFold(o.Name, c.Nickname) {
		return fmt.Errorf("%s is not the address of the %s %s", quoteAddress(c.Address), quote(string(c.Type)), quote(c.Nickname))
	}
	if !actionAllowed(c.Type, c.Action) {
		return fmt.Errorf("%s: a change of type %s cannot be %s", quoteAddress(c.Address), quote(string(c.Type)), quote(string(c.Action)))
	}
	if len(c.Accounts) > 0 && c.Type != TypeRemoteInstance && c.Type != TypeLocalUsers {
		return fmt.Errorf("%s: a change of type %s writes no accounts by bucket", quoteAddress(c.Address), quote(string(c.Type)))
	}
	if err := accountset.Check(c.Accounts); err != nil {
		return fmt.Errorf("%s: accounts: %w", quoteAddress(c.Address), err)
	}
	for i := range c.Attrs {
		a := &c.Attrs[i]
		kind, ok := attrKind(c.Type, a.Name)
		if !ok {
			return fmt.Errorf("%s: a %s has no attribute %s", quoteAddress(c.Address), c.Type, quote(a.Name))
		}
		if a.Sensitive || a.Computed || kind == noValue {
			if a.Before != nil || a.After != nil {
				return fmt.Errorf("%s: %s holds a value, but is sensitive or known only after apply", quoteAddress(c.Address), quote(a.Name))
			}
			continue
		}
		for _, v := range []any{a.Before, a.After} {
			if v != nil && kindOf(v) != kind {
				return fmt.Errorf("%s: %s holds %s, not %s", quoteAddress(c.Address), quote(a.Name), kindOf(v), kind)
			}
		}
	}
	return nil
}

// hiddenRune is a control or format character: roster writes none in a
// plan but in attribute values (a bio's newlines), which renderers escape.
func hiddenRune(r rune) bool { return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) }

func kindOf(v any) valueKind {
	switch v.(type) {
	case bool:
		return boolValue
	case string:
		return stringValue
	case int64:
		return intValue
	case []string:
		return stringsValue
	}
	return noValue
}
