package consent

import (
	"time"

	"github.com/consentd/consentd/retention"
)

// berlin is the time zone of the brokers: CRM dates and deadlines are
// German calendar days.
var berlin = retention.Berlin

// crmDate is the German calendar day of t as the CRM's date fields hold it.
func crmDate(t time.Time) string { return t.In(berlin).Format(time.DateOnly) }

// germanDate and germanTime format t for a broker reading an activity.
func germanDate(t time.Time) string { return t.In(berlin).Format("02.01.2006") }

func germanTime(t time.Time) string { return t.In(berlin).Format("02.01.2006, 15:04 Uhr") }
