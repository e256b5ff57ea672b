package consent

import (
	"time"
	_ "time/tzdata" // the broker's calendar must not depend on the host's zone files
)

// berlin is the time zone of the brokers: CRM dates and deadlines are
// German calendar days.
var berlin = mustLoad("Europe/Berlin")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic("consent: time zone " + name + " is missing: " + err.Error()) // embedded by time/tzdata
	}
	return loc
}

// crmDate is the German calendar day of t as the CRM's date fields hold it.
func crmDate(t time.Time) string { return t.In(berlin).Format(time.DateOnly) }

// germanDate and germanTime format t for a broker reading an activity.
func germanDate(t time.Time) string { return t.In(berlin).Format("02.01.2006") }

func germanTime(t time.Time) string { return t.In(berlin).Format("02.01.2006, 15:04 Uhr") }

// DueDate is the day the answer to a request received at received is due:
// one month later (Art. 12(3) GDPR), that is the same day of the next
// month, or its last day when the next month is shorter, moved to the
// Monday after when it falls on a weekend. The result is the start of that
// day in Europe/Berlin. Public holidays are not considered.
func DueDate(received time.Time) time.Time {
	y, m, d := received.In(berlin).Date()
	if last := daysIn(y, m+1); d > last {
		d = last
	}
	due := time.Date(y, m+1, d, 0, 0, 0, 0, berlin)
	switch due.Weekday() {
	case time.Saturday:
		due = due.AddDate(0, 0, 2)
	case time.Sunday:
		due = due.AddDate(0, 0, 1)
	}
	return due
}

// daysIn is the number of days of month m of year y; months past December
// roll into the next year as time.Date does.
func daysIn(y int, m time.Month) int {
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
