package jobs

import (
	"fmt"
	"hash/fnv"
	"time"

	"github.com/robfig/cron/v3"
)

// Offset is the company's fixed start delay within the jitter window: a
// hash of the slug spreads 500 companies evenly over the window, and every
// process and every restart computes the same offset.
func Offset(company string, window time.Duration) time.Duration {
	if window <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(company))
	return time.Duration(h.Sum64() % uint64(window))
}

// ParseSchedule reads a company's cron spec (five fields without seconds,
// a descriptor such as @daily, or @every) and shifts each activation by the
// company's offset within jitter. @every schedules are aligned to the clock
// — whole multiples of the interval since the Unix epoch, plus the offset —
// so that replicas agree on the activation times and a restart does not
// move them. Calendar specs are read in the time zone of the time passed
// to Next.
func ParseSchedule(spec, company string, jitter time.Duration) (cron.Schedule, error) {
	s, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q of company %s: %w", spec, company, err)
	}
	return shifted{inner: s, offset: Offset(company, jitter)}, nil
}

// NextRun is when a job with spec runs next for company after now, with
// the calendar read in loc.
func NextRun(spec, company string, jitter time.Duration, loc *time.Location, now time.Time) (time.Time, error) {
	s, err := ParseSchedule(spec, company, jitter)
	if err != nil {
		return time.Time{}, err
	}
	return s.Next(now.In(loc)), nil
}

// shifted is a schedule moved later by a fixed offset.
type shifted struct {
	inner  cron.Schedule
	offset time.Duration
}

func (s shifted) Next(t time.Time) time.Time {
	if every, ok := s.inner.(cron.ConstantDelaySchedule); ok {
		return aligned(t, every.Delay, s.offset)
	}
	next := s.inner.Next(t.Add(-s.offset))
	if next.IsZero() { // a spec that never fires, such as 30 February
		return next
	}
	return next.Add(s.offset)
}

// aligned is the first instant after t of the form epoch + offset + k·every
// (t after 1970).
func aligned(t time.Time, every, offset time.Duration) time.Time {
	base := time.Unix(0, 0).Add(offset)
	k := t.Sub(base) / every
	return base.Add((k + 1) * every).In(t.Location())
}
