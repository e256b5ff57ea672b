package store_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

func TestFailuresSince(t *testing.T) {
	ctx := testContext(t)
	db := storetest.DB(t, storetest.Manager(t), "firma-a")
	day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		job     string
		at      time.Time
		outcome string
	}{
		{"sync.full", day.Add(-2 * time.Hour), store.OutcomeFailed}, // before the window
		{"sync.full", day.Add(time.Hour), store.OutcomeFailed},
		{"sync.full", day.Add(2 * time.Hour), store.OutcomeOK},
		{"sync.incremental", day.Add(time.Hour), store.OutcomeFailed},
		{"sync.incremental", day.Add(2 * time.Hour), store.OutcomeFailed},
		{"sync.incremental", day.Add(3 * time.Hour), store.OutcomeCanceled},
		{"retention", day.Add(time.Hour), store.OutcomeOK},
	} {
		id, err := db.StartRun(ctx, r.job, r.at)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.FinishRun(ctx, id, r.outcome, store.RunCounts{}, "", r.at.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.StartRun(ctx, "sync.full", day.Add(4*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CloseInterruptedRuns(ctx, "sync.full", day.Add(5*time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := db.FailuresSince(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"sync.full": 2, "sync.incremental": 2} // a run cut off with its process counts
	if !reflect.DeepEqual(got, want) {
		t.Errorf("FailuresSince = %v, want %v", got, want)
	}
}

func TestCloseIdleLeavesACompanyWithoutConnections(t *testing.T) {
	ctx := testContext(t)
	m := storetest.Manager(t)
	db := storetest.DB(t, m, "firma-a")
	if err := db.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if n := m.OpenConnections("firma-a"); n == 0 {
		t.Fatal("no connection open after a ping")
	}
	m.CloseIdle("firma-a")
	if n := m.OpenConnections("firma-a"); n != 0 {
		t.Errorf("%d connections open after CloseIdle", n)
	}
	if err := db.Ping(ctx); err != nil {
		t.Errorf("the pool does not open connections again: %v", err)
	}
	m.CloseIdle("never-opened") // no pool: nothing to do
	if n := m.OpenConnections("never-opened"); n != 0 {
		t.Errorf("a company never opened has %d connections", n)
	}
}
