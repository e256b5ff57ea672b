package store_test

import (
	"testing"
	"time"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// TestTimesRoundTripInUTCAndSortAcrossZones gives the runs of one job
// start times in three zones, in an order where the wall clocks mislead:
// the engine must compare instants, keep microseconds and give back UTC.
func TestTimesRoundTripInUTCAndSortAcrossZones(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	db := storetest.DB(t, storetest.Manager(t), "zeiten")
	berlin, newYork := time.FixedZone("CET", 3600), time.FixedZone("EST", -5*3600)
	starts := []time.Time{
		time.Date(2026, 11, 23, 8, 0, 1, 0, newYork),         // 13:00:01 UTC, the latest
		time.Date(2026, 11, 23, 14, 0, 0, 123456789, berlin), // 13:00:00.123457 UTC
		time.Date(2026, 11, 23, 13, 0, 0, 5000, time.UTC),    // 13:00:00.000005 UTC
	}
	ids := make([]int64, len(starts))
	for i, at := range starts {
		id, err := db.StartRun(ctx, "sync.full", at)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, id, store.OutcomeFailed, store.RunCounts{}, "", at.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	runs, err := db.LastRuns(ctx)
	if err != nil || len(runs) != 1 {
		t.Fatalf("last runs %+v, %v", runs, err)
	}
	if r := runs[0]; r.ID != ids[0] || !r.StartedAt.Equal(starts[0]) || r.StartedAt.Location() != time.UTC {
		t.Errorf("latest run %d started %s; want run %d started %s, in UTC", r.ID, r.StartedAt, ids[0], starts[0].UTC())
	}
	tests := []struct {
		since time.Time
		want  int64
	}{
		{starts[2], 3},
		{starts[2].Add(time.Microsecond), 2}, // microseconds count
		{starts[1].In(newYork), 2},
		{starts[1].Add(time.Microsecond), 1},
		{starts[0].In(berlin).Add(time.Nanosecond), 1}, // rounded to the microsecond, as stored
		{starts[0].Add(time.Microsecond), 0},
	}
	for _, tt := range tests {
		got, err := db.FailuresSince(ctx, tt.since)
		if err != nil || got["sync.full"] != tt.want {
			t.Errorf("failures since %s = %v, %v; want %d", tt.since.UTC().Format(time.RFC3339Nano), got, err, tt.want)
		}
	}
}
