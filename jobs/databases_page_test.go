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

// withEvent gives the company's ledger an event, for holdConnection to
// read.
func withEvent(t *testing.T, db *store.DB) {
	t.Helper()
	e := store.Event{Company: db.Slug(), AddressID: "a-1", Kind: store.EventGiven, Channel: store.ChannelWeb,
		OccurredAt: time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC), Details: "{}"}
	if err := db.InTx(t.Context(), func(tx *store.Tx) error { _, _, err := tx.AppendEvent(t.Context(), e); return err }); err != nil {
		t.Fatal(err)
	}
}

// holdConnection acquires the company's database as a page request and
// keeps one of its connections, reading the ledger, until the test ends.
// Reading holds it on either engine; SQLite runs one writer at a time.
func holdConnection(t *testing.T, dbs *jobs.Databases, company string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	db, release, err := dbs.AcquirePage(ctx, company)
	if err != nil {
		t.Fatal(err)
	}
	began, done := make(chan struct{}), make(chan struct{})
	finished := make(chan error, 1)
	go func() {
		finished <- db.EachEvent(context.Background(), func(store.Event) error { close(began); <-done; return nil })
	}()
	<-began
	t.Cleanup(func() {
		close(done)
		if err := <-finished; err != nil {
			t.Error(err)
		}
		release()
	})
}

// While the outbox worker delivers, page requests leave it a connection of
// the company's pool, however many come: the next one waits until a page
// request or the worker's pass ends.
func TestPageRequestsLeaveTheOutboxAConnection(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	withEvent(t, storetest.DB(t, stores, "firma-a"))
	dbs := jobs.NewDatabases(stores, 1)
	worker, endPass, err := dbs.AcquireOutbox(t.Context(), "firma-a")
	if err != nil {
		t.Fatal(err)
	}
	for range stores.Config().MaxOpen - jobs.OutboxConnections {
		holdConnection(t, dbs, "firma-a")
	}
	waitCtx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := dbs.AcquirePage(waitCtx, "firma-a"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a page request beyond the page's share: %v, want it to wait until its context ends", err)
	}
	pingCtx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	if err := worker.Ping(pingCtx); err != nil {
		t.Fatalf("the outbox worker found no connection beside the page requests: %v", err)
	}
	next := make(chan error, 1)
	go func() {
		_, release, err := dbs.AcquirePage(t.Context(), "firma-a")
		release()
		next <- err
	}()
	endPass()
	if err := <-next; err != nil {
		t.Fatalf("a waiting page request after the pass ended: %v", err)
	}
}

// Without an outbox pass, page requests may use the whole pool.
func TestPageRequestsUseThePoolBetweenOutboxPasses(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	withEvent(t, storetest.DB(t, stores, "firma-a"))
	dbs := jobs.NewDatabases(stores, 1)
	for range stores.Config().MaxOpen {
		holdConnection(t, dbs, "firma-a")
	}
	if n := stores.OpenConnections("firma-a"); n != stores.Config().MaxOpen {
		t.Errorf("page requests hold %d connections, want the pool's %d", n, stores.Config().MaxOpen)
	}
}

// A company holding a slot keeps the connections its busy moments opened,
// rather than closing all but its idle share between uses, until it gives
// its slot up.
func TestWarmCompaniesKeepTheirConnections(t *testing.T) {
	t.Parallel()
	stores := storetest.Manager(t)
	withEvent(t, storetest.DB(t, stores, "firma-a"))
	storetest.DB(t, stores, "firma-b")
	stores.CloseIdle("firma-b")
	dbs := jobs.NewDatabases(stores, 1)
	busy := stores.Config().MaxOpen
	if busy <= stores.Config().MaxIdle {
		t.Fatalf("pool size %d is no more than the idle connections kept (%d)", busy, stores.Config().MaxIdle)
	}
	t.Run("busy moment", func(t *testing.T) {
		for range busy {
			holdConnection(t, dbs, "firma-a")
		}
	})
	if n := stores.OpenConnections("firma-a"); n != busy {
		t.Errorf("warm company keeps %d connections after its busy moment, want %d", n, busy)
	}
	_, release := acquire(t, dbs, "firma-b") // takes the only slot from firma-a
	release()
	if n := stores.OpenConnections("firma-a"); n != 0 {
		t.Errorf("company without a slot keeps %d connections, want 0", n)
	}
}
