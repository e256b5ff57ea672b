package retention_test

import (
	"testing"
	"time"
)

// Berlin is the brokers' time zone, loaded for the tests.
func Berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// day parses "YYYY-MM-DD" as 00:00 in Berlin.
func day(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(time.DateOnly, s, Berlin(t))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func show(t time.Time) string {
	if t.IsZero() {
		return "open"
	}
	return t.Format("Mon 2006-01-02 15:04 MST")
}
