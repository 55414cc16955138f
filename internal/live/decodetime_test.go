package live

import (
	"encoding/binary"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
)

// TestDecodeTimeAsPgx: decodeTime reads binary timestamps as pgx's
// type map does, across PostgreSQL's whole range.
func TestDecodeTimeAsPgx(t *testing.T) {
	m := pgtype.NewMap()
	for _, oid := range []uint32{oidTimestamp, oidTimestamptz} {
		for _, us := range []int64{
			0, -1, 1, -500_000, -946_684_800_000_001, // before 1970
			-211_813_488_000_000_000,                // 4714-11-24 BC, PostgreSQL's first
			9_223_371_331_199_999_999,               // 294276-12-31, PostgreSQL's last
			9_222_500_000_000_000_000,               // year ~294251
			math.MaxInt64 - 946_684_800_000_000 + 1, // the first that overflows y2k+us
		} {
			raw := binary.BigEndian.AppendUint64(nil, uint64(us))
			var got, want time.Time
			c := &column{target: &got, oid: oid, format: pgx.BinaryFormatCode, m: m}
			gotErr := decodeTime(c, raw)
			wantErr := m.Scan(oid, pgx.BinaryFormatCode, raw, &want)
			if (gotErr != nil) != (wantErr != nil) || !got.Equal(want) {
				t.Errorf("oid %d, %d µs: %v (%v), pgx reads %v (%v)", oid, us, got, gotErr, want, wantErr)
			}
		}
	}
}
