package planfile

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
)

// Database identifies the database a plan was made against.
type Database struct {
	// SystemIdentifier is the cluster's, from pg_control_system(); empty
	// when the role may not read it.
	SystemIdentifier string `json:"system_identifier,omitempty"`
	// Name is current_database().
	Name string `json:"name"`
	// Host and Port are where roster connected. They identify the database
	// only when the system identifier could not be read.
	Host string `json:"host"`
	Port uint16 `json:"port"`
	// IdentifiedBy is "system_identifier", or "address" (host, port and
	// name) when the role may not read pg_control_system().
	IdentifiedBy string `json:"identified_by"`
	// Why says, for "address", why the system identifier is missing.
	Why string `json:"why,omitempty"`
}

// Identity ways.
const (
	BySystemIdentifier = "system_identifier"
	ByAddress          = "address"
)

// ReadIdentity reads the identity of the database conn is connected to,
// outside any transaction. A role that may not call pg_control_system()
// gets an identity by address, with Why saying so.
func ReadIdentity(ctx context.Context, conn *pgx.Conn) (Database, error) {
	cc := conn.Config()
	d := Database{Host: cc.Host, Port: cc.Port}
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&d.Name); err != nil {
		return Database{}, fmt.Errorf("reading the database's name: %w", err)
	}
	var sysid int64
	if err := conn.QueryRow(ctx, `SELECT system_identifier FROM pg_control_system()`).Scan(&sysid); err != nil {
		if ctx.Err() != nil {
			return Database{}, ctx.Err()
		}
		d.IdentifiedBy = ByAddress
		d.Why = "cannot read pg_control_system(): " + err.Error()
		return d, nil
	}
	d.SystemIdentifier = strconv.FormatInt(sysid, 10)
	d.IdentifiedBy = BySystemIdentifier
	return d, nil
}

// String describes the database for a person.
func (d Database) String() string {
	if d.SystemIdentifier != "" {
		return fmt.Sprintf("database %q (system identifier %s)", d.Name, d.SystemIdentifier)
	}
	return fmt.Sprintf("database %q on %s port %d", d.Name, d.Host, d.Port)
}

// Differs lists how now is not the database d names: empty when it is the
// same. Both system identifiers decide when both are known; otherwise host
// and port do.
func (d Database) Differs(now Database) []string {
	same := d.Name == now.Name
	if d.SystemIdentifier != "" && now.SystemIdentifier != "" {
		same = same && d.SystemIdentifier == now.SystemIdentifier
	} else {
		same = same && d.Host == now.Host && d.Port == now.Port
	}
	if same {
		return nil
	}
	return []string{fmt.Sprintf("another database: the plan was made against the %s; this is the %s", d, now)}
}
