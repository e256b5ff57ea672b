package store

import (
	"database/sql/driver"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestSQLiteTimeForm(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"UTC", time.Date(2026, 11, 23, 13, 30, 0, 0, time.UTC), "2026-11-23T13:30:00.000000Z"},
		{"other zone", time.Date(2026, 11, 23, 14, 30, 0, 0, berlin), "2026-11-23T13:30:00.000000Z"},
		{"nanoseconds round", time.Date(2026, 11, 23, 13, 30, 0, 999_999_500, time.UTC), "2026-11-23T13:30:01.000000Z"},
		{"microseconds kept", time.Date(2026, 11, 23, 13, 30, 0, 1_000, time.UTC), "2026-11-23T13:30:00.000001Z"},
		{"zero time", time.Time{}, "0001-01-01T00:00:00.000000Z"},
	}
	for _, tt := range tests {
		got := formatSQLiteTime(tt.in)
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
		back, ok := parseSQLiteTime(got)
		if !ok || !back.Equal(tt.in.Round(time.Microsecond)) || back.Location() != time.UTC {
			t.Errorf("%s: read back %v (%v), want %v in UTC", tt.name, back, ok, tt.in)
		}
	}
}

// TestSQLiteTimesSortAsTexts: SQLite compares the texts, so their order
// must be the order of the instants, whatever zone and precision they came in.
func TestSQLiteTimesSortAsTexts(t *testing.T) {
	base := time.Date(2026, 3, 29, 0, 59, 59, 0, time.UTC)
	berlin, tokyo := time.FixedZone("CEST", 2*3600), time.FixedZone("JST", 9*3600)
	var instants []time.Time
	for _, d := range []time.Duration{0, time.Microsecond, 10 * time.Microsecond, time.Millisecond, time.Second, time.Hour, 36 * time.Hour} {
		instants = append(instants, base.Add(d).In(berlin), base.Add(-d).In(tokyo), base.Add(2*d))
	}
	texts := make([]string, len(instants))
	for i, at := range instants {
		texts[i] = formatSQLiteTime(at)
	}
	sort.Strings(texts)
	slices.SortFunc(instants, func(a, b time.Time) int { return a.Compare(b) })
	for i := range texts {
		if back, _ := parseSQLiteTime(texts[i]); !back.Equal(instants[i]) {
			t.Fatalf("text %d is %s, instant %d is %s", i, texts[i], i, instants[i].UTC())
		}
	}
}

func TestParseSQLiteTimeTakesOnlyItsForm(t *testing.T) {
	for _, s := range []string{"", "2026-11-23", "2026-11-23 13:30:00", "2026-11-23T13:30:00Z",
		"2026-11-23T13:30:00.000000+00:00", "2026-11-23T13:30:00.00000Z1", "Müller Immobilien GmbH (Demo)"} {
		if got, ok := parseSQLiteTime(s); ok {
			t.Errorf("%q read as the time %v", s, got)
		}
	}
}

func TestSQLiteTimeFunc(t *testing.T) {
	tests := []struct {
		arg     driver.Value
		want    driver.Value
		wantErr string
	}{
		{"2026-11-23T14:30:00.123+01:00", "2026-11-23T13:30:00.123000Z", ""},
		{"2026-11-23T13:30:00Z", "2026-11-23T13:30:00.000000Z", ""},
		{nil, nil, ""},
		{"23.11.2026", nil, `"23.11.2026" is not an RFC 3339 time`},
		{int64(5), nil, "int64 is not a time text"},
	}
	for _, tt := range tests {
		got, err := sqliteTimeFunc(nil, []driver.Value{tt.arg})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("consentd_time(%v): error %v, want %q", tt.arg, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("consentd_time(%v) = %v, %v; want %v", tt.arg, got, err, tt.want)
		}
	}
}
