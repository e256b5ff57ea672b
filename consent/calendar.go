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
