package retention_test

import (
	"slices"
	"testing"
	"time"

	"github.com/consentd/consentd/retention"
)

func TestEndOfYear(t *testing.T) {
	t.Parallel()
	loc := Berlin(t)
	tests := []struct {
		in   time.Time
		want time.Time
	}{
		{day(t, "2024-03-05"), day(t, "2025-01-01")},
		{day(t, "2024-01-01"), day(t, "2025-01-01")},
		{time.Date(2024, 12, 31, 23, 59, 0, 0, loc), day(t, "2025-01-01")},
		{time.Date(2024, 12, 31, 23, 30, 0, 0, time.UTC), day(t, "2026-01-01")}, // already 1 January 2025 in Berlin
		{time.Date(2025, 1, 1, 0, 0, 0, 0, loc), day(t, "2026-01-01")},
	}
	for _, tt := range tests {
		got := retention.EndOfYear(tt.in)
		if !got.Equal(tt.want) || got.Location().String() != "Europe/Berlin" {
			t.Errorf("EndOfYear(%s) = %s, want %s", show(tt.in), show(got), show(tt.want))
		}
	}
}

func TestDueDate(t *testing.T) {
	t.Parallel()
	loc := Berlin(t)
	at := func(s string) time.Time { return day(t, s).Add(10 * time.Hour) }
	tests := []struct {
		name     string
		region   string
		received time.Time
		want     string
	}{
		// the cases of the weekend-only rule
		{"same day next month", "", time.Date(2026, 3, 10, 9, 0, 0, 0, loc), "2026-04-10"},
		{"31 January: last day of February, a Saturday", "", time.Date(2026, 1, 31, 12, 0, 0, 0, loc), "2026-03-02"},
		{"leap year February", "", time.Date(2028, 1, 31, 12, 0, 0, 0, loc), "2028-02-29"},
		{"31 March: 30 April", "", time.Date(2026, 3, 31, 12, 0, 0, 0, loc), "2026-04-30"},
		{"December into January", "", time.Date(2026, 12, 15, 12, 0, 0, 0, loc), "2027-01-15"},
		{"Saturday moves to Monday", "", time.Date(2026, 9, 3, 12, 0, 0, 0, loc), "2026-10-05"},
		{"Sunday moves to Monday", "", time.Date(2026, 10, 1, 12, 0, 0, 0, loc), "2026-11-02"},
		{"after midnight in Berlin counts as the Berlin day", "", time.Date(2026, 4, 30, 22, 30, 0, 0, time.UTC), "2026-06-01"},
		// nationwide holidays
		{"Neujahr on a Friday", "", at("2026-12-01"), "2027-01-04"},
		{"Karfreitag, Easter and Ostermontag", "", at("2027-02-26"), "2027-03-30"},
		{"Easter Sunday, then Ostermontag", "", at("2027-02-28"), "2027-03-30"},
		{"Ostermontag", "", at("2026-03-06"), "2026-04-07"},
		{"1 May on a Friday", "", at("2026-04-01"), "2026-05-04"},
		{"Christi Himmelfahrt", "", at("2026-04-14"), "2026-05-15"},
		{"Pfingstmontag", "", at("2026-04-25"), "2026-05-26"},
		{"3 October on a Friday", "", at("2025-09-03"), "2025-10-06"},
		{"Christmas on a Friday", "", at("2026-11-25"), "2026-12-28"},
		{"Christmas on a Saturday", "", at("2027-11-25"), "2027-12-27"},
		// regional holidays
		{"Fronleichnam is not nationwide", "", at("2026-05-04"), "2026-06-04"},
		{"Fronleichnam in NW", "NW", at("2026-05-04"), "2026-06-05"},
		{"Fronleichnam is no holiday in NI", "NI", at("2026-05-04"), "2026-06-04"},
		{"Heilige Drei Könige in BY", "BY", at("2026-12-06"), "2027-01-07"},
		{"Heilige Drei Könige is no holiday in NW", "NW", at("2026-12-06"), "2027-01-06"},
		{"Frauentag in BE", "BE", at("2027-02-08"), "2027-03-09"},
		{"Mariä Himmelfahrt in SL", "SL", at("2028-07-15"), "2028-08-16"},
		{"Weltkindertag in TH", "TH", at("2027-08-20"), "2027-09-21"},
		{"Reformationstag in NI", "NI", at("2033-09-30"), "2033-11-01"},
		{"Reformationstag is no holiday in NW", "NW", at("2033-09-30"), "2033-10-31"},
		{"Allerheiligen in NW", "NW", at("2028-10-01"), "2028-11-02"},
		{"Allerheiligen is no holiday in NI", "NI", at("2028-10-01"), "2028-11-01"},
		{"weekend, then Allerheiligen in BY", "BY", at("2027-09-30"), "2027-11-02"},
		{"Buß- und Bettag in SN", "SN", at("2026-10-18"), "2026-11-19"},
	}
	for _, tt := range tests {
		p := &retention.Policy{HolidayRegion: tt.region}
		got := p.DueDate(tt.received)
		if want := day(t, tt.want); !got.Equal(want) || got.Location().String() != "Europe/Berlin" {
			t.Errorf("%s: %s, want %s", tt.name, show(got), show(want))
		}
	}
}

func TestHolidays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		year   int
		region string
		want   []string
	}{
		{2026, "", []string{"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26"}},
		{2027, "", []string{"2027-01-01", "2027-03-26", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-17", "2027-10-03", "2027-12-25", "2027-12-26"}},
		{2028, "", []string{"2028-01-01", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-25", "2028-06-05", "2028-10-03", "2028-12-25", "2028-12-26"}},
		{2024, "", []string{"2024-01-01", "2024-03-29", "2024-04-01", "2024-05-01", "2024-05-09", "2024-05-20", "2024-10-03", "2024-12-25", "2024-12-26"}},
		{2026, "BY", []string{"2026-01-01", "2026-01-06", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-06-04", "2026-08-15", "2026-10-03", "2026-11-01", "2026-12-25", "2026-12-26"}},
		{2026, "SN", []string{"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-10-03", "2026-10-31", "2026-11-18", "2026-12-25", "2026-12-26"}},
		{2027, "BB", []string{"2027-01-01", "2027-03-26", "2027-03-28", "2027-03-29", "2027-05-01", "2027-05-06", "2027-05-16", "2027-05-17", "2027-10-03", "2027-10-31", "2027-12-25", "2027-12-26"}},
		{2026, "BE", []string{"2026-01-01", "2026-03-08", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-10-03", "2026-12-25", "2026-12-26"}},
		{2026, "TH", []string{"2026-01-01", "2026-04-03", "2026-04-06", "2026-05-01", "2026-05-14", "2026-05-25", "2026-09-20", "2026-10-03", "2026-10-31", "2026-12-25", "2026-12-26"}},
	}
	for _, tt := range tests {
		var got []string
		for _, h := range retention.Holidays(tt.year, tt.region) {
			if h.Hour() != 0 || h.Location().String() != "Europe/Berlin" {
				t.Errorf("holiday %s is not 00:00 in Berlin", show(h))
			}
			got = append(got, h.Format(time.DateOnly))
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("Holidays(%d, %q)\n got %v\nwant %v", tt.year, tt.region, got, tt.want)
		}
	}
}

func TestEasterAndRepentanceDay(t *testing.T) {
	t.Parallel()
	tests := []struct {
		year               int
		easter, repentance string
	}{
		{2024, "2024-03-31", "2024-11-20"},
		{2026, "2026-04-05", "2026-11-18"},
		{2027, "2027-03-28", "2027-11-17"},
		{2028, "2028-04-16", "2028-11-22"},
		{2038, "2038-04-25", "2038-11-17"},
	}
	for _, tt := range tests {
		bb := retention.Holidays(tt.year, "BB")
		sn := retention.Holidays(tt.year, "SN")
		if !slices.ContainsFunc(bb, day(t, tt.easter).Equal) {
			t.Errorf("Easter Sunday %s missing from the BB holidays of %d", tt.easter, tt.year)
		}
		if !slices.ContainsFunc(sn, day(t, tt.repentance).Equal) {
			t.Errorf("Buß- und Bettag %s missing from the SN holidays of %d", tt.repentance, tt.year)
		}
	}
}
