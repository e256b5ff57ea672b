package jobs_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/jobs"
)

func berlin(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func TestOffsetIsBoundedDeterministicAndSpread(t *testing.T) {
	const window = 30 * time.Second
	perSecond := map[int64]int{}
	for i := range 500 {
		company := fmt.Sprintf("makler-%03d", i)
		off := jobs.Offset(company, window)
		if off < 0 || off >= window {
			t.Fatalf("Offset(%s) = %s, outside [0, %s)", company, off, window)
		}
		if again := jobs.Offset(company, window); again != off {
			t.Fatalf("Offset(%s) = %s, then %s", company, off, again)
		}
		perSecond[int64(off/time.Second)]++
	}
	if len(perSecond) != 30 {
		t.Errorf("500 companies start in %d of the window's 30 seconds, want all of them", len(perSecond))
	}
	for sec, n := range perSecond {
		if n > 35 { // 17 on average
			t.Errorf("%d companies start in second %d of the window", n, sec)
		}
	}
	if off := jobs.Offset("makler-001", 0); off != 0 {
		t.Errorf("Offset without a window = %s, want 0", off)
	}
}

func TestScheduleShiftsEveryActivationByTheCompanysOffset(t *testing.T) {
	loc := berlin(t)
	const company, jitter = "mueller-immobilien", 30 * time.Second
	off := jobs.Offset(company, jitter)
	at := func(day, hour, min int) time.Time { return time.Date(2026, 11, day, hour, min, 0, 0, loc) }
	tests := []struct {
		name string
		spec string
		now  time.Time
		want time.Time
	}{
		{"nightly, before", "0 3 * * *", at(23, 1, 0), at(23, 3, 0).Add(off)},
		{"nightly, inside the offset", "0 3 * * *", at(23, 3, 0).Add(off / 2), at(23, 3, 0).Add(off)},
		{"nightly, after", "0 3 * * *", at(23, 3, 0).Add(off), at(24, 3, 0).Add(off)},
		{"office hours, read in Berlin", "*/30 7-20 * * 1-5", at(23, 20, 45), at(24, 7, 0).Add(off)},
		{"own zone in the spec", "CRON_TZ=UTC 0 3 * * *", at(23, 1, 0), at(23, 4, 0).Add(off)},
		{"every 10m, on the clock", "@every 10m", at(23, 10, 3), at(23, 10, 10).Add(off)},
		{"every 10m, exactly at a slot", "@every 10m", at(23, 10, 10).Add(off), at(23, 10, 20).Add(off)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := jobs.NextRun(tt.spec, company, jitter, loc, tt.now)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("next after %s = %s, want %s", tt.now, got, tt.want)
			}
		})
	}
}

func TestEveryScheduleIsTheSameForEveryReplica(t *testing.T) {
	s, err := jobs.ParseSchedule("@every 7m", "schmidt-partner", time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Two processes started at different times agree on the activations.
	a := s.Next(time.Date(2026, 11, 23, 9, 0, 1, 0, time.UTC))
	b := s.Next(a.Add(-3 * time.Minute))
	if !a.Equal(b) {
		t.Fatalf("activation %s for one replica, %s for the other", a, b)
	}
	if next := s.Next(a); next.Sub(a) != 7*time.Minute {
		t.Fatalf("activations %s apart, want 7m", next.Sub(a))
	}
}

func TestScheduleRefusesBadSpecs(t *testing.T) {
	for _, spec := range []string{"", "every day", "0 3 * *", "* * * * * *", "@every nonsense"} {
		_, err := jobs.ParseSchedule(spec, "mueller-immobilien", time.Second)
		if err == nil || !strings.Contains(err.Error(), "mueller-immobilien") {
			t.Errorf("ParseSchedule(%q) = %v, want an error naming the company", spec, err)
		}
	}
}
