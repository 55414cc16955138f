package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// decoder reads the users rows of a query into one row it reuses, without
// allocating: the strings of its row point into the bytes pgx read, which
// stay valid only until the next row is read (pgx.Rows.RawValues). A caller
// that keeps a row keeps a Clone of it. A column whose type or format it
// does not know (a server queried through PostgreSQL's simple protocol
// sends every value as text, arrays included) is scanned by pgx's type map,
// allocating as pgx does.
type decoder struct {
	row  User
	cols []column
	m    *pgtype.Map
}

// column decodes one value of a row into its target.
type column struct {
	name   string
	target any // where account.Row.ScanTargets puts it
	oid    uint32
	format int16
	// decode reads a value; nil for one pgx's type map scans.
	decode func(c *column, raw []byte) error
	// str holds what an optional string points to; tags the list a string
	// list is decoded into, kept from row to row.
	str  string
	tags []string
}

// The type OIDs the decoder reads itself.
const (
	oidBool         = 16
	oidText         = 25
	oidVarchar      = 1043
	oidTextArray    = 1009
	oidVarcharArray = 1015
)

func newDecoder(rows pgx.Rows) (*decoder, error) {
	d := &decoder{m: pgtype.NewMap()}
	if c := rows.Conn(); c != nil {
		d.m = c.TypeMap()
	}
	fds := rows.FieldDescriptions()
	targets := d.row.ScanTargets()
	if len(fds) != len(targets) {
		return nil, fmt.Errorf("the query returned %d columns, the account table scans %d", len(fds), len(targets))
	}
	d.cols = make([]column, len(fds))
	for i, fd := range fds {
		c := &d.cols[i]
		*c = column{name: fd.Name, target: targets[i], oid: fd.DataTypeOID, format: fd.Format}
		textual := fd.DataTypeOID == oidText || fd.DataTypeOID == oidVarchar
		switch targets[i].(type) {
		case *string:
			if textual {
				c.decode = decodeString
			}
		case **string:
			if textual {
				c.decode = decodeOptString
			}
		case *bool:
			if fd.DataTypeOID == oidBool {
				c.decode = decodeBool
			}
		case *[]string:
			if (fd.DataTypeOID == oidTextArray || fd.DataTypeOID == oidVarcharArray) && fd.Format == pgx.BinaryFormatCode {
				c.decode = decodeStrings
				c.tags = make([]string, 0, 8)
			}
		}
	}
	return d, nil
}

// decode reads the raw values of one row into d.row.
func (d *decoder) decode(raw [][]byte) error {
	if len(raw) != len(d.cols) {
		return fmt.Errorf("a row of %d values, want %d", len(raw), len(d.cols))
	}
	for i := range d.cols {
		c := &d.cols[i]
		var err error
		if c.decode == nil {
			err = d.m.Scan(c.oid, c.format, raw[i], c.target)
		} else {
			err = c.decode(c, raw[i])
		}
		if err != nil {
			return fmt.Errorf("column %s: %w", c.name, err)
		}
	}
	return nil
}

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
