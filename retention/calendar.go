package retention

import (
	"slices"
	"time"
	_ "time/tzdata" // the broker's calendar must not depend on the host's zone files
)

// Berlin is the time zone of the brokers: CRM dates, retention periods and
// deadlines are German calendar days.
var Berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("retention: time zone " + name + " is missing: " + err.Error()) // embedded by time/tzdata
	}
	return loc
}

// startOfDay is 00:00 in Berlin of the Berlin calendar day of t.
func startOfDay(t time.Time) time.Time {
	y, m, d := t.In(Berlin).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, Berlin)
}

// EndOfYear is the end of the Berlin calendar year of t, that is 00:00 on
// 1 January of the next year: periods counted "from the end of the year"
// (§ 199 BGB, § 257 HGB) start there.
func EndOfYear(t time.Time) time.Time {
	return time.Date(t.In(Berlin).Year()+1, time.January, 1, 0, 0, 0, 0, Berlin)
}

// DueDate is the day the answer to a request received at received is due:
// one month later (Art. 12(3) GDPR), that is the same day of the next
// month, or its last day when the next month is shorter, moved to the next
// working day when it falls on a weekend or a public holiday of the
// company's state (§ 193 BGB). The result is the start of that day in
// Europe/Berlin.
func (p *Policy) DueDate(received time.Time) time.Time {
	due := Period{Months: 1}.AddTo(startOfDay(received))
	for !p.workingDay(due) {
		due = due.AddDate(0, 0, 1)
	}
	return due
}

func (p *Policy) workingDay(day time.Time) bool {
	if wd := day.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	return !slices.ContainsFunc(Holidays(day.Year(), p.HolidayRegion), day.Equal)
}

// Holidays lists the public holidays of year, sorted, each at 00:00 in
// Berlin: the nationwide ones, plus those of region (a state code such as
// "NW") when it is not empty. The regional rules are those in force since
// 2023; one-off holidays are not included.
func Holidays(year int, region string) []time.Time {
	easter := easterSunday(year)
	var out []time.Time
	for _, h := range holidays {
		if h.nationwide() || slices.Contains(h.regions, region) {
			out = append(out, h.date(year, easter))
		}
	}
	slices.SortFunc(out, time.Time.Compare)
	return out
}

// holiday is a public holiday: how to find its date in a year with the
// given Easter Sunday, and the states that keep it (nil: nationwide).
type holiday struct {
	date    func(year int, easter time.Time) time.Time
	regions []string
}

func (h holiday) nationwide() bool { return h.regions == nil }

func fixed(month time.Month, day int) func(int, time.Time) time.Time {
	return func(year int, _ time.Time) time.Time { return time.Date(year, month, day, 0, 0, 0, 0, Berlin) }
}

func afterEaster(days int) func(int, time.Time) time.Time {
	return func(_ int, easter time.Time) time.Time { return easter.AddDate(0, 0, days) }
}

// dayOfRepentance is Buß- und Bettag: the Wednesday before 23 November.
func dayOfRepentance(year int, _ time.Time) time.Time {
	d := time.Date(year, time.November, 22, 0, 0, 0, 0, Berlin)
	return d.AddDate(0, 0, -int((d.Weekday()-time.Wednesday+7)%7))
}

// easterSunday follows the Gregorian computus (Meeus/Jones/Butcher).
func easterSunday(year int) time.Time {
	a, b, c := year%19, year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, Berlin)
}

// holidays of the German states (Feiertagsgesetze der Länder).
var holidays = []holiday{
	{date: fixed(time.January, 1)},                                                 // Neujahr
	{date: fixed(time.January, 6), regions: []string{"BW", "BY", "ST"}},            // Heilige Drei Könige
	{date: fixed(time.March, 8), regions: []string{"BE", "MV"}},                    // Internationaler Frauentag
	{date: afterEaster(-2)},                                                        // Karfreitag
	{date: afterEaster(0), regions: []string{"BB"}},                                // Ostersonntag
	{date: afterEaster(1)},                                                         // Ostermontag
	{date: fixed(time.May, 1)},                                                     // Tag der Arbeit
	{date: afterEaster(39)},                                                        // Christi Himmelfahrt
	{date: afterEaster(49), regions: []string{"BB"}},                               // Pfingstsonntag
	{date: afterEaster(50)},                                                        // Pfingstmontag
	{date: afterEaster(60), regions: []string{"BW", "BY", "HE", "NW", "RP", "SL"}}, // Fronleichnam
	{date: fixed(time.August, 15), regions: []string{"BY", "SL"}},                  // Mariä Himmelfahrt
	{date: fixed(time.September, 20), regions: []string{"TH"}},                     // Weltkindertag
	{date: fixed(time.October, 3)},                                                 // Tag der Deutschen Einheit
	{date: fixed(time.October, 31), regions: []string{"BB", "HB", "HH", "MV", "NI", "SN", "ST", "SH", "TH"}}, // Reformationstag
	{date: fixed(time.November, 1), regions: []string{"BW", "BY", "NW", "RP", "SL"}},                         // Allerheiligen
	{date: dayOfRepentance, regions: []string{"SN"}},                                                         // Buß- und Bettag
	{date: fixed(time.December, 25)},                                                                         // 1. Weihnachtstag
	{date: fixed(time.December, 26)},                                                                         // 2. Weihnachtstag
}

// regions are the codes of the German states, as holiday_region takes them.
var regions = []string{"BW", "BY", "BE", "BB", "HB", "HH", "HE", "MV", "NI", "NW", "RP", "SL", "SN", "ST", "SH", "TH"}
