package retention

import (
	"strings"
	"time"
)

// Facts are what is known about one contact, by fact name: the facts the
// company's CRM mapping declares and the built-in ones. A fact without a
// value is absent or empty.
type Facts map[string]string

// value is the fact's value without surrounding blanks; "" when absent.
func (f Facts) value(name string) string { return strings.TrimSpace(f[name]) }

// Date reads the fact as a date, "YYYY-MM-DD" or RFC 3339, and returns the
// start of that Berlin calendar day; ok is false when the fact is absent
// or not a date.
func (f Facts) Date(name string) (time.Time, bool) {
	v := f.value(name)
	if d, err := time.ParseInLocation(time.DateOnly, v, Berlin); err == nil {
		return d, true
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return startOfDay(t), true
	}
	return time.Time{}, false
}
