package jobs_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/consentd/consentd/jobs"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

func TestDatabasesKeepCompaniesWithConnectionsWithinTheSlots(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	for _, c := range []string{"firma-a", "firma-b", "firma-c"} {
		storetest.DB(t, stores, c)
		stores.CloseIdle(c)
	}
	dbs := jobs.NewDatabases(stores, 2)
	ctx := context.Background()

	a, releaseA := acquire(t, dbs, "firma-a")
	_, releaseB := acquire(t, dbs, "firma-b")
	if err := a.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	// Both slots are in use: firma-c waits.
	waitCtx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, _, err := dbs.Acquire(waitCtx, "firma-c"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third company while both slots are in use: %v, want it to wait until its context ends", err)
	}
	got := make(chan error, 1)
	go func() {
		_, release, err := dbs.Acquire(ctx, "firma-c")
		release()
		got <- err
	}()
	releaseA() // firma-a is now the warm company used longest ago
	if err := <-got; err != nil {
		t.Fatal(err)
	}
	if n := stores.OpenConnections("firma-a"); n != 0 {
		t.Errorf("firma-a gave up its slot but keeps %d connections", n)
	}
	if held := dbs.Held(); held != 2 {
		t.Errorf("%d companies hold slots, want 2", held)
	}
	releaseB()
}

func TestDatabasesReuseTheSlotOfACompanyInUse(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	storetest.DB(t, stores, "firma-a")
	dbs := jobs.NewDatabases(stores, 1)
	_, first := acquire(t, dbs, "firma-a")
	_, second := acquire(t, dbs, "firma-a") // the outbox beside a sync run
	first()
	second()
	second() // a second call does nothing
	if held := dbs.Held(); held != 1 {
		t.Errorf("%d companies hold slots, want 1", held)
	}
}

func TestDatabasesRefuseAStaleSchemaAndFreeTheSlot(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	dbs := jobs.NewDatabases(stores, 1)
	_, _, err := dbs.Acquire(context.Background(), "nie-migriert")
	var schema *store.SchemaError
	if !errors.As(err, &schema) || !schema.Missing {
		t.Fatalf("Acquire of a database never created: %v, want a *store.SchemaError", err)
	}
	if held := dbs.Held(); held != 0 {
		t.Errorf("%d companies hold slots after a failed Acquire, want 0", held)
	}
}

func acquire(t *testing.T, dbs *jobs.Databases, company string) (*store.DB, func()) {
	t.Helper()
	db, release, err := dbs.Acquire(context.Background(), company)
	if err != nil {
		t.Fatal(err)
	}
	return db, release
}
