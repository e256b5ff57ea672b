package retention_test

import (
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/retention"
)

func TestParsePeriod(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    retention.Period
		wantStr string
	}{
		{"3y", retention.Period{Years: 3}, "3y"},
		{"6m", retention.Period{Months: 6}, "6m"},
		{"30d", retention.Period{Days: 30}, "30d"},
		{"7d", retention.Period{Days: 7}, "7d"},
		{"12m30d", retention.Period{Months: 12, Days: 30}, "12m30d"},
		{"1y6m", retention.Period{Years: 1, Months: 6}, "1y6m"},
		{"1y2m3d", retention.Period{Years: 1, Months: 2, Days: 3}, "1y2m3d"},
		{" 10y ", retention.Period{Years: 10}, "10y"},
		{"0d", retention.Period{}, "0d"},
		{"0y6m", retention.Period{Months: 6}, "6m"},
	}
	for _, tt := range tests {
		got, err := retention.ParsePeriod(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("ParsePeriod(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			continue
		}
		if s := got.String(); s != tt.wantStr {
			t.Errorf("%+v.String() = %q, want %q", got, s, tt.wantStr)
		}
		if again, err := retention.ParsePeriod(got.String()); err != nil || again != got {
			t.Errorf("String %q does not parse back: %+v, %v", got.String(), again, err)
		}
	}
}

func TestParsePeriodRejects(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", " ", "6", "y", "6 years", "6Y", "6m1y", "3y3y", "-1y", "1.5y", "1w", "12345d", "3y 6m", strings.Repeat("9", 200)} {
		p, err := retention.ParsePeriod(in)
		if err == nil {
			t.Errorf("ParsePeriod(%q) = %+v, want an error", in, p)
			continue
		}
		if !strings.Contains(err.Error(), "like 3y, 6m, 30d or 12m30d") || len(err.Error()) > 200 {
			t.Errorf("ParsePeriod(%.20q) error %q does not say how to write a period briefly", in, err)
		}
	}
}

func TestPeriodAddTo(t *testing.T) {
	t.Parallel()
	loc := Berlin(t)
	tests := []struct {
		name   string
		period string
		from   time.Time
		want   time.Time
	}{
		{"one month", "1m", day(t, "2026-03-10"), day(t, "2026-04-10")},
		{"31 January + 1m clamps to 28 February", "1m", day(t, "2026-01-31"), day(t, "2026-02-28")},
		{"31 January + 1m in a leap year", "1m", day(t, "2028-01-31"), day(t, "2028-02-29")},
		{"31 March + 1m: 30 April", "1m", day(t, "2026-03-31"), day(t, "2026-04-30")},
		{"29 February + 1y: 28 February", "1y", day(t, "2028-02-29"), day(t, "2029-02-28")},
		{"29 February + 4y: 29 February", "4y", day(t, "2028-02-29"), day(t, "2032-02-29")},
		{"months roll into the next year", "14m", day(t, "2026-11-30"), day(t, "2028-01-30")},
		{"days after clamping", "1m3d", day(t, "2026-01-31"), day(t, "2026-03-03")},
		{"12m30d", "12m30d", day(t, "2026-01-10"), day(t, "2027-02-09")},
		{"days across a leap day", "30d", day(t, "2028-02-15"), day(t, "2028-03-16")},
		{"across the spring clock change keeps the time of day", "1d", time.Date(2026, 3, 28, 12, 0, 0, 0, loc), time.Date(2026, 3, 29, 12, 0, 0, 0, loc)},
		{"counts on the Berlin calendar", "1m", time.Date(2026, 1, 31, 23, 30, 0, 0, time.UTC), time.Date(2026, 3, 1, 0, 30, 0, 0, loc)},
		{"zero period", "0d", day(t, "2026-05-05"), day(t, "2026-05-05")},
	}
	for _, tt := range tests {
		p, err := retention.ParsePeriod(tt.period)
		if err != nil {
			t.Fatal(err)
		}
		if got := p.AddTo(tt.from); !got.Equal(tt.want) {
			t.Errorf("%s: %s + %s = %s, want %s", tt.name, show(tt.from), tt.period, show(got), show(tt.want))
		}
	}
}
