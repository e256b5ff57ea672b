package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

func TestTryLock(t *testing.T) {
	t.Parallel()
	db, other := storetest.TwoProcesses(t, "sperre")
	release, ok, err := db.TryLock(t.Context(), "sync")
	if err != nil || !ok {
		t.Fatalf("first lock: %v, %v", ok, err)
	}
	tests := []struct {
		name   string
		db     *store.DB
		lock   string
		wantOK bool
	}{
		{"same process", db, "sync", false},
		{"second process", other, "sync", false},
		{"another lock", other, "retention", true},
	}
	for _, tt := range tests {
		rel, ok, err := tt.db.TryLock(t.Context(), tt.lock)
		if err != nil || ok != tt.wantOK {
			t.Errorf("%s: ok %v, %v; want ok %v", tt.name, ok, err, tt.wantOK)
		}
		rel() // never nil, a no-op when not held
	}
	release()
	release()
	// With a pool of 4, a lock that kept its connection would run dry here.
	for i := range 8 {
		rel, ok, err := other.TryLock(t.Context(), "sync")
		if err != nil || !ok {
			t.Fatalf("lock %d after release: %v, %v", i, ok, err)
		}
		rel()
	}
}

func TestTryLockSeparatesCompanies(t *testing.T) {
	t.Parallel()
	m := storetest.Manager(t)
	a, b := storetest.DB(t, m, "firma-a"), storetest.DB(t, m, "firma-b")
	relA, okA, errA := a.TryLock(t.Context(), "sync")
	relB, okB, errB := b.TryLock(t.Context(), "sync")
	defer relA()
	defer relB()
	if !okA || !okB || errA != nil || errB != nil {
		t.Errorf("locks of two companies: %v %v, %v %v", okA, errA, okB, errB)
	}
}

func TestInTx(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "transaktion")
	errBoom := errors.New("boom")
	tests := []struct {
		name      string
		fn        func(*store.Tx) error
		wantErr   error
		wantPanic bool
	}{
		{"error after writes", func(tx *store.Tx) error {
			if err := writeSome(t.Context(), tx); err != nil {
				return err
			}
			return errBoom
		}, errBoom, false},
		{"bad batch after good one", func(tx *store.Tx) error {
			if err := writeSome(t.Context(), tx); err != nil {
				return err
			}
			_, err := tx.UpsertAddresses(t.Context(), []mapping.Address{{CRMID: "x", City: "\xff"}}, syncTime)
			return err
		}, nil, false},
		{"panic after writes", func(tx *store.Tx) error {
			if err := writeSome(t.Context(), tx); err != nil {
				return err
			}
			panic("boom")
		}, nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runTx(t, db, tt.fn, tt.wantPanic)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
			stats, err := db.Stats(t.Context())
			if err != nil || stats != (store.Stats{}) {
				t.Errorf("after rollback: %+v, %v", stats, err)
			}
		})
	}
	if err := db.InTx(t.Context(), func(tx *store.Tx) error { return writeSome(t.Context(), tx) }); err != nil {
		t.Fatal(err)
	}
	if stats, err := db.Stats(t.Context()); err != nil || stats.Addresses != 2 || stats.Watermark.ID != "2" {
		t.Errorf("after commit: %+v, %v", stats, err)
	}
}

func writeSome(ctx context.Context, tx *store.Tx) error {
	if _, err := tx.UpsertAddresses(ctx, contacts("1", "2"), syncTime); err != nil {
		return err
	}
	return tx.SetWatermark(ctx, store.Watermark{UpdatedAtMS: 5, ID: "2"})
}

func runTx(t *testing.T, db *store.DB, fn func(*store.Tx) error, wantPanic bool) (err error) {
	defer func() {
		p := recover()
		if (p != nil) != wantPanic {
			t.Errorf("panic %v, want panic %v", p, wantPanic)
		}
		if p != nil {
			err = errors.New("panicked")
		}
	}()
	return db.InTx(t.Context(), fn)
}

func TestRuns(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "laeufe")
	ctx := t.Context()
	if runs, err := db.LastRuns(ctx); err != nil || len(runs) != 0 {
		t.Fatalf("no runs yet: %v, %v", runs, err)
	}
	at := func(minutes int) time.Time { return syncTime.Add(time.Duration(minutes) * time.Minute) }
	start := func(job string, minute int) int64 {
		t.Helper()
		id, err := db.StartRun(ctx, job, at(minute))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	first := start("sync", 0)
	counts := store.RunCounts{Fetched: 10, Inserted: 4, Updated: 3, Unchanged: 2, Deleted: 1, Skipped: 1, Requests: 3, Profiles: 5}
	if err := db.FinishRun(ctx, first, store.OutcomeOK, counts, "", at(1)); err != nil {
		t.Fatal(err)
	}
	reconcile := start("reconcile", 2)
	longErr := "CRM antwortet nicht: \xff\x00" + strings.Repeat("x", 10000)
	if err := db.FinishRun(ctx, reconcile, store.OutcomeFailed, store.RunCounts{Requests: 1}, longErr, at(3)); err != nil {
		t.Fatal(err)
	}
	second := start("sync", 4)
	if second <= first {
		t.Errorf("run ids do not grow: %d then %d", first, second)
	}

	runs, err := db.LastRuns(ctx)
	if err != nil || len(runs) != 2 {
		t.Fatalf("last runs %+v, %v", runs, err)
	}
	if r := runs[0]; r.ID != reconcile || r.Job != "reconcile" || r.Outcome != "failed" || !r.FinishedAt.Equal(at(3)) ||
		!strings.HasPrefix(r.Error, "CRM antwortet nicht: \uFFFD") || len(r.Error) > 8200 || r.Counts.Requests != 1 {
		t.Errorf("reconcile run %+v", r)
	}
	if r := runs[1]; r.ID != second || r.Outcome != "running" || r.FinishedAt != nil || !r.StartedAt.Equal(at(4)) || r.Counts != (store.RunCounts{}) {
		t.Errorf("sync run %+v", r)
	}

	bad := []struct {
		name    string
		id      int64
		outcome string
		at      time.Time
		wantErr string
	}{
		{"unknown outcome", second, "done", at(5), `outcome "done" is not one of ok, failed, canceled`},
		{"finished twice", first, store.OutcomeOK, at(5), "no run with that id is running"},
		{"no such run", 999999, store.OutcomeOK, at(5), "no run with that id is running"},
	}
	for _, tt := range bad {
		err := db.FinishRun(ctx, tt.id, tt.outcome, store.RunCounts{}, "", tt.at)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: error = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
	if err := db.FinishRun(ctx, second, store.OutcomeCanceled, store.RunCounts{Fetched: -1}, "", at(5)); err == nil {
		t.Error("negative count accepted")
	}
	if _, err := db.StartRun(ctx, "", at(0)); err == nil {
		t.Error("run without job name accepted")
	}
}

func TestCloseInterruptedRuns(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "abbruch")
	ctx := t.Context()
	killed, err := db.StartRun(ctx, "sync.full", syncTime)
	if err != nil {
		t.Fatal(err)
	}
	other, err := db.StartRun(ctx, "retention", syncTime)
	if err != nil {
		t.Fatal(err)
	}
	if n, err := db.CloseInterruptedRuns(ctx, "sync.full", syncTime.Add(time.Hour)); err != nil || n != 1 {
		t.Fatalf("closed %d runs, %v; want 1", n, err)
	}
	runs, err := db.LastRuns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		want := map[int64]string{killed: store.OutcomeInterrupted, other: "running"}[r.ID]
		if r.Outcome != want {
			t.Errorf("run %d (%s) outcome %q, want %q", r.ID, r.Job, r.Outcome, want)
		}
	}
	if err := db.FinishRun(ctx, killed, store.OutcomeOK, store.RunCounts{}, "", syncTime); err == nil {
		t.Error("an interrupted run could still be finished")
	}
}
