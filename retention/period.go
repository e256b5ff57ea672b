package retention

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Period is a span of calendar time as the law counts it: years, months
// and days, not a fixed number of hours.
type Period struct{ Years, Months, Days int }

// periodPattern is a period like 3y, 6m, 30d, 12m30d or 1y6m: units in
// this order, each at most once, up to four digits each.
var periodPattern = regexp.MustCompile(`^(?:(\d{1,4})y)?(?:(\d{1,4})m)?(?:(\d{1,4})d)?$`)

// ParsePeriod reads a period like 3y, 6m, 30d, 12m30d or 1y6m.
func ParsePeriod(s string) (Period, error) {
	m := periodPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || m[0] == "" {
		return Period{}, fmt.Errorf("%q is not a period: write years, months and days like 3y, 6m, 30d or 12m30d", truncate(s, 60))
	}
	n := func(i int) int { v, _ := strconv.Atoi(m[i]); return v } // digits only, "" reads as 0
	return Period{Years: n(1), Months: n(2), Days: n(3)}, nil
}

// String writes p as ParsePeriod reads it; the zero period is "0d".
func (p Period) String() string {
	var b strings.Builder
	for _, u := range []struct {
		n    int
		unit string
	}{{p.Years, "y"}, {p.Months, "m"}, {p.Days, "d"}} {
		if u.n != 0 {
			fmt.Fprintf(&b, "%d%s", u.n, u.unit)
		}
	}
	if b.Len() == 0 {
		return "0d"
	}
	return b.String()
}

// IsZero reports a period of no time at all.
func (p Period) IsZero() bool { return p == Period{} }

// AddTo adds p to t on the Berlin calendar: years and months first, a day
// past the end of the target month clamped to its last day (31 January +
// 1m = 28 or 29 February, as § 188(3) BGB counts), then the days. The time
// of day stays.
func (p Period) AddTo(t time.Time) time.Time {
	t = t.In(Berlin)
	y, m, d := t.Date()
	y, m = y+p.Years, m+time.Month(p.Months)
	d = min(d, daysIn(y, m))
	hh, mm, ss := t.Clock()
	return time.Date(y, m, d+p.Days, hh, mm, ss, t.Nanosecond(), Berlin)
}

// daysIn is the number of days of month m of year y; months past December
// roll into the next year as time.Date does.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// truncate shortens a value echoed in a message, so a huge input cannot
// flood a log line.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && s[cut]&0xC0 == 0x80 { // not inside a UTF-8 sequence
		cut--
	}
	return s[:cut] + "…"
}
