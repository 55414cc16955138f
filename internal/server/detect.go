package server

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/hashicorp/hcl/v2"
	"github.com/roster-project/roster/internal/live"
)

// Newest schema migrations roster knows for each flavor. A database with a
// newer migration may have renamed what roster writes.
const (
	NewestPleroma    int64 = 20240904142434 // Pleroma 2.7 (develop, 2024-10)
	Pleroma270       int64 = 20240729163838 // the v2.7.0 release
	NewestAkkoma     int64 = 20250806000000 // Akkoma 2025.10
	akkomaSigningKey int64 = 20250112000002
)

// Info is what Detect learned of a database.
type Info struct {
	Flavor Flavor
	// Version is max(schema_migrations.version).
	Version int64
	// UsersKeys is true when users.keys exists (Pleroma; Akkoma before 2025.01).
	UsersKeys bool
	// AcceptsChat is true when users.accepts_chat_messages exists.
	AcceptsChat bool
	// SigningKeys is true when the signing_keys table exists (Akkoma).
	SigningKeys bool
}

// Known reports whether roster knows the schema version.
func (i Info) Known() bool {
	if i.Flavor == Akkoma {
		return i.Version <= NewestAkkoma
	}
	return i.Version <= NewestPleroma
}

// Newest is the newest migration roster knows for the detected flavor.
func (i Info) Newest() int64 {
	if i.Flavor == Akkoma {
		return NewestAkkoma
	}
	return NewestPleroma
}

// AcceptsArgon2 reports whether the server verifies argon2 hashes at login:
// Akkoma does, Pleroma develop after 2.7.0 does, the 2.7.0 release does not.
func (i Info) AcceptsArgon2() bool {
	return i.Flavor == Akkoma || i.Version > Pleroma270
}

// String describes the database for messages, e.g. "Pleroma (schema 20240904142434)".
func (i Info) String() string {
	return fmt.Sprintf("%s (schema %d)", i.Flavor.Title(), i.Version)
}

// ErrUnknownSchema is what an *UnknownSchemaError is (errors.Is): the
// database is neither flavor.
var ErrUnknownSchema = errors.New("the database is neither a Pleroma nor an Akkoma database")

// UnknownSchemaError is returned when the database is neither flavor; Why
// says what gave it away, "" when it has no users or schema_migrations
// table.
type UnknownSchemaError struct{ Why string }

func (e *UnknownSchemaError) Error() string {
	if e.Why == "" {
		return ErrUnknownSchema.Error()
	}
	return ErrUnknownSchema.Error() + ": " + e.Why
}

// Is makes errors.Is(err, ErrUnknownSchema) hold.
func (e *UnknownSchemaError) Is(target error) bool { return target == ErrUnknownSchema }

// Diagnostic is the error as roster reports it.
func (e *UnknownSchemaError) Diagnostic() *hcl.Diagnostic {
	what := "neither a Pleroma nor an Akkoma database"
	if e.Why != "" {
		what += ": " + e.Why
	}
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Unsupported database",
		Detail: "This is " + what + ". roster manages the databases of Pleroma 2.7 and Akkoma 2025.10; check that --database-url names the server's database."}
}

const detectSQL = `
SELECT
  to_regclass('users') IS NOT NULL,
  to_regclass('schema_migrations') IS NOT NULL,
  to_regclass('signing_keys') IS NOT NULL,
  to_regclass('user_frontend_setting_profiles') IS NOT NULL OR to_regclass('user_follows_hashtag') IS NOT NULL,
  to_regclass('bookmark_folders') IS NOT NULL,
  coalesce((SELECT array_agg(column_name::text) FROM information_schema.columns
            WHERE table_name = 'users' AND table_schema = current_schema()), '{}')`

// Detect tells the flavor and schema version of the database from its tables,
// columns and migrations, preferring positive evidence of Akkoma first, as a
// Pleroma database migrated to Akkoma keeps Pleroma's leftovers.
func Detect(ctx context.Context, q live.Querier) (Info, error) {
	var users, migrations, signing, akTables, bookmarkFolders bool
	var cols []string
	if err := q.QueryRow(ctx, detectSQL).Scan(&users, &migrations, &signing, &akTables, &bookmarkFolders, &cols); err != nil {
		return Info{}, fmt.Errorf("reading the schema: %w", err)
	}
	if !users || !migrations {
		return Info{}, &UnknownSchemaError{}
	}
	has := map[string]bool{}
	for _, c := range cols {
		has[c] = true
	}
	for _, c := range []string{"nickname", "is_active", "is_confirmed", "is_approved", "is_admin", "is_moderator", "actor_type", "raw_bio"} {
		if !has[c] {
			return Info{}, &UnknownSchemaError{Why: fmt.Sprintf("users has no column %q (older than Pleroma 2.3?)", c)}
		}
	}
	var version int64
	var akRows, plRows bool
	err := q.QueryRow(ctx, `SELECT coalesce(max(version), 0),
	  bool_or(version IN (20220911195347, 20240625213637, 20250112000002)),
	  bool_or(version IN (20240223165000, 20220116183110, 20240530011739))
	  FROM schema_migrations`).Scan(&version, &akRows, &plRows)
	if err != nil {
		return Info{}, fmt.Errorf("reading schema_migrations: %w", err)
	}
	info := Info{Version: version, UsersKeys: has["keys"], AcceptsChat: has["accepts_chat_messages"], SigningKeys: signing}
	switch {
	case signing || akTables || has["permit_followback"] || has["accepts_direct_messages_from"] || has["status_ttl_days"] || akRows:
		info.Flavor = Akkoma
		if !signing && version >= akkomaSigningKey {
			return Info{}, &UnknownSchemaError{Why: fmt.Sprintf("Akkoma schema %d without a signing_keys table", version)}
		}
	case bookmarkFolders || plRows:
		info.Flavor = Pleroma
	default:
		return Info{}, &UnknownSchemaError{Why: fmt.Sprintf("no marker of either flavor (schema %s)", strconv.FormatInt(version, 10))}
	}
	return info, nil
}
