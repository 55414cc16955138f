package applier

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
	"github.com/jackc/pgx/v5/pgconn"
)

// LockError is returned when another roster holds the lock longer than the
// lock timeout.
type LockError struct {
	Timeout time.Duration
	// Rows is true when the wait was for rows of users that another
	// transaction had locked, rather than for roster's own lock.
	Rows    bool
	Holders []Holder
}

// Hint says what to do about the lock.
func (e *LockError) Hint() string {
	if e.Rows {
		return "Another transaction (of the server or another client) held rows of users that this apply updates. Try again, or raise --lock-timeout."
	}
	return "Another roster apply is probably running. Wait for it, or raise --lock-timeout."
}

// Holder is a session holding roster's lock, from pg_stat_activity.
type Holder struct {
	PID             int32
	ApplicationName string
	User            string
	Client          string
	BackendStart    time.Time
	XactStart       *time.Time
	State           string
}

func (e *LockError) Error() string {
	var b strings.Builder
	if e.Rows {
		fmt.Fprintf(&b, "rows of users that this apply updates stayed locked by another transaction for more than %s", e.Timeout)
	} else {
		fmt.Fprintf(&b, "another session held roster's lock for more than %s", e.Timeout)
	}
	for _, h := range e.Holders {
		fmt.Fprintf(&b, "\n  PID %d, application %q, user %q from %s, connected %s, state %s",
			h.PID, h.ApplicationName, h.User, h.Client, h.BackendStart.UTC().Format(time.RFC3339), h.State)
		if h.XactStart != nil {
			fmt.Fprintf(&b, ", in a transaction since %s", h.XactStart.UTC().Format(time.RFC3339))
		}
	}
	return b.String()
}

// StaleError is returned when the database moved since the plan was made:
// a plan made again under the lock would write something else.
type StaleError struct {
	// Moved lists what differs, one line each, e.g. `user.bob: name:
	// "Bob" → "Robert" in the saved plan, "Rob" → "Robert" now`.
	Moved []string
}

func (e *StaleError) Error() string {
	return "the database changed since the plan was made:\n  " + strings.Join(e.Moved, "\n  ")
}

// PlanError is returned when the plan made again under the lock fails: the
// database moved so that the configuration no longer plans (a nickname the
// plan creates was registered meanwhile, say).
type PlanError struct {
	// Diags are the new plan's diagnostics, with the configuration's source
	// ranges.
	Diags hcl.Diagnostics
}

func (e *PlanError) Error() string {
	return "the database changed since the plan was made, and a new plan fails: " + e.Diags.Error()
}

// StatementError names the object and statement that failed.
type StatementError struct {
	Address   string
	Statement string
	Err       error
}

func (e *StatementError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Address, e.Statement, e.Err)
}

func (e *StatementError) Unwrap() error { return e.Err }

// UnknownVersionError is returned for a schema newer than roster knows.
type UnknownVersionError struct{ Version, Newest int64 }

func (e *UnknownVersionError) Error() string {
	return fmt.Sprintf("schema version %d is newer than the newest roster knows (%d); set server { allow_unknown_version = true } to write anyway", e.Version, e.Newest)
}

// redact drops the parts of a database error that may quote the row being
// written (Detail's "Failing row contains (…)", Where, InternalQuery), which
// could hold a password hash or an invite token. The message and SQLSTATE
// stay.
func redact(err error) error {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return err
	}
	c := *pgErr
	c.Detail, c.Where, c.InternalQuery = "", "", ""
	return &c
}

// CommitUnknownError is returned when COMMIT may have reached the server but
// its answer never came back: the connection failed, or the context was
// cancelled, while the server was committing. The transaction is all or
// nothing, and whether the server committed it cannot be told from here: the
// changes may or may not have been written.
type CommitUnknownError struct {
	// Check says how to find out whether the transaction was committed.
	Check string
	Err   error
}

func (e *CommitUnknownError) Error() string {
	return fmt.Sprintf("commit: no answer from the server, the changes may or may not have been written: %v", e.Err)
}

func (e *CommitUnknownError) Unwrap() error { return e.Err }

// Hint says how to find out whether the transaction was committed.
func (e *CommitUnknownError) Hint() string {
	if e.Check == "" {
		return "Read the database to find out whether the changes were written before doing them again."
	}
	return e.Check
}
