package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// decoder reads the rows of a query into the targets of one row the caller
// reuses, without allocating: the strings of the row point into the bytes
// pgx read, which stay valid only until the next row is read
// (pgx.Rows.RawValues). A caller that keeps a row keeps a copy of it. A column whose type or format it
// does not know (a server queried through PostgreSQL's simple protocol
// sends every value as text, arrays included) is scanned by pgx's type map,
// allocating as pgx does.
type decoder struct {
	cols []column
	m    *pgtype.Map
}

// column decodes one value of a row into its target.
type column struct {
	name   string
	target any // where the row holds it
	oid    uint32
	format int16
	// decode reads a value; nil for one pgx's type map scans.
	decode func(c *column, raw []byte) error
	// str holds what an optional string points to, and time an optional
	// time; tags the list a string list is decoded into, kept from row to
	// row.
	str  string
	time time.Time
	tags []string
	// m scans what decode does not read.
	m *pgtype.Map
}

// The type OIDs the decoder reads itself.
const (
	oidBool         = 16
	oidText         = 25
	oidVarchar      = 1043
	oidTextArray    = 1009
	oidVarcharArray = 1015
	oidTimestamp    = 1114
	oidTimestamptz  = 1184
)

func newDecoder(rows pgx.Rows, targets []any) (*decoder, error) {
	d := &decoder{m: pgtype.NewMap()}
	if c := rows.Conn(); c != nil {
		d.m = c.TypeMap()
	}
	fds := rows.FieldDescriptions()
	if len(fds) != len(targets) {
		return nil, fmt.Errorf("the query returned %d columns, the row scans %d", len(fds), len(targets))
	}
	d.cols = make([]column, len(fds))
	for i, fd := range fds {
		c := &d.cols[i]
		*c = column{name: fd.Name, target: targets[i], oid: fd.DataTypeOID, format: fd.Format, m: d.m}
		c.decode = decoderOf(fd, targets[i])
		if _, list := targets[i].(*[]string); list && c.decode != nil {
			c.tags = make([]string, 0, 8)
		}
	}
	return d, nil
}

// decoderOf is how a value of fd is decoded into target, or nil for pgx's
// type map.
func decoderOf(fd pgconn.FieldDescription, target any) func(c *column, raw []byte) error {
	textual := fd.DataTypeOID == oidText || fd.DataTypeOID == oidVarchar
	binary := fd.Format == pgx.BinaryFormatCode
	timestamp := (fd.DataTypeOID == oidTimestamp || fd.DataTypeOID == oidTimestamptz) && binary
	switch target.(type) {
	case *string:
		if textual {
			return decodeString
		}
	case **string:
		if textual {
			return decodeOptString
		}
	case *bool:
		if fd.DataTypeOID == oidBool {
			return decodeBool
		}
	case *[]string:
		if (fd.DataTypeOID == oidTextArray || fd.DataTypeOID == oidVarcharArray) && binary {
			return decodeStrings
		}
	case *time.Time, **time.Time:
		if timestamp {
			return decodeTime
		}
	}
	return nil
}

// decode reads the raw values of one row into its targets.
func (d *decoder) decode(raw [][]byte) error {
	if len(raw) != len(d.cols) {
		return fmt.Errorf("a row of %d values, want %d", len(raw), len(d.cols))
	}
	for i := range d.cols {
		c := &d.cols[i]
		var err error
		if c.decode == nil {
			err = c.m.Scan(c.oid, c.format, raw[i], c.target)
		} else {
			err = c.decode(c, raw[i])
		}
		if err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	return nil
}

// A timestamp, with or without time zone, is in binary the microseconds
// since 2000-01-01 00:00:00 UTC; infinity, which time.Time cannot hold
// either, is left to pgx's type map, which refuses it.
func decodeTime(c *column, raw []byte) error {
	if raw == nil {
		if p, ok := c.target.(**time.Time); ok {
			*p = nil
			return nil
		}
		return errNull
	}
	if len(raw) != 8 {
		return fmt.Errorf("a timestamp of %d bytes", len(raw))
	}
	us := int64(binary.BigEndian.Uint64(raw))
	if us == math.MaxInt64 || us == math.MinInt64 {
		return c.m.Scan(c.oid, c.format, raw, c.target)
	}
	// Seconds and microseconds apart: y2k + us overflows past the year
	// 294,247, which PostgreSQL allows.
	t := time.Unix(y2k/1_000_000+us/1_000_000, us%1_000_000*1_000).UTC()
	if p, ok := c.target.(**time.Time); ok {
		c.time = t
		*p = &c.time
		return nil
	}
	*c.target.(*time.Time) = t
	return nil
}

// y2k is 2000-01-01 00:00:00 UTC in microseconds since the Unix epoch.
const y2k = 946_684_800_000_000

// borrow is the string of b's bytes, without a copy: valid as long as b is
// left unchanged.
func borrow(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	return unsafe.String(unsafe.SliceData(b), len(b))
}

var errShort = errors.New("an array cut short")

var errNull = errors.New("NULL where the table has a value")

// Text and varchar are their UTF-8 bytes in both formats.
func decodeString(c *column, raw []byte) error {
	if raw == nil {
		return errNull
	}
	*c.target.(*string) = borrow(raw)
	return nil
}

func decodeOptString(c *column, raw []byte) error {
	p := c.target.(**string)
	if raw == nil {
		*p = nil
		return nil
	}
	c.str = borrow(raw)
	*p = &c.str
	return nil
}

// A bool is one byte, 0 or 1, in binary and 'f' or 't' in text.
func decodeBool(c *column, raw []byte) error {
	if len(raw) != 1 {
		if raw == nil {
			return errNull
		}
		return fmt.Errorf("a bool of %d bytes", len(raw))
	}
	if c.format == pgx.BinaryFormatCode {
		*c.target.(*bool) = raw[0] != 0
		return nil
	}
	*c.target.(*bool) = raw[0] == 't'
	return nil
}

// decodeStrings reads a one-dimensional text or varchar array in binary
// format: its number of dimensions, a flag, the element type, the length
// and lower bound of the dimension, then each element's length and bytes.
// A NULL array is a nil list; a NULL element an error, as pgx's.
func decodeStrings(c *column, raw []byte) error {
	p := c.target.(*[]string)
	if raw == nil {
		*p = nil
		return nil
	}
	be := binary.BigEndian
	if len(raw) < 12 {
		return fmt.Errorf("an array of %d bytes", len(raw))
	}
	out := c.tags[:0]
	switch dims := be.Uint32(raw); dims {
	case 0:
	case 1:
		if len(raw) < 20 {
			return fmt.Errorf("an array of %d bytes", len(raw))
		}
		n := int(be.Uint32(raw[12:]))
		at := 20
		for range n {
			if at+4 > len(raw) {
				return errShort
			}
			l := int(int32(be.Uint32(raw[at:])))
			at += 4
			if l < 0 {
				return errors.New("a NULL element in the list")
			}
			if at+l > len(raw) {
				return errShort
			}
			out = append(out, borrow(raw[at:at+l]))
			at += l
		}
	default:
		return fmt.Errorf("an array of %d dimensions", dims)
	}
	c.tags = out
	*p = out
	return nil
}
