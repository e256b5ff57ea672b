package store_test

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

const testLease = time.Minute

func claim(t *testing.T, db *store.DB, now time.Time, limit int) []store.OutboxRow {
	t.Helper()
	rows, err := db.ClaimOutbox(t.Context(), now, limit, testLease)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func keys(rows []store.OutboxRow) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.Key)
	}
	return out
}

func outboxPayloads(t *testing.T, db *store.DB) map[string]string {
	t.Helper()
	p, err := store.OutboxPayloads(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func outboxRow(address, key string, at time.Time) store.OutboxRow {
	return store.OutboxRow{AddressID: address, Kind: "crm.patch", Key: key,
		Payload: []byte(`{"schema":"contacts","fields":{"einwilligung_datum":["2025-03-14"]}}`), CreatedAt: at}
}

func enqueue(t *testing.T, db *store.DB, rows ...store.OutboxRow) {
	t.Helper()
	inTx(t, db, func(tx *store.Tx) error { return tx.Enqueue(t.Context(), rows...) })
}

// TestOutboxLifecycle walks rows of two addresses through claims,
// completion, retry, parking and requeueing, checking FIFO per address
// and the lease at each step.
func TestOutboxLifecycle(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "ausgang")
	ctx := t.Context()
	t0 := syncTime
	enqueue(t, db, outboxRow("A", "a1", t0), outboxRow("A", "a2", t0), outboxRow("B", "b1", t0), outboxRow("A", "a3", t0))
	byKey := map[string]int64{}

	steps := []struct {
		name   string
		before func(map[string]int64) error // what the worker did since the last claim
		at     time.Time
		want   []string
	}{
		{"first row of each address", nil, t0, []string{"a1", "b1"}},
		{"leased rows are not claimed again", nil, t0.Add(time.Second), []string{}},
		{"a1 done: a2 is next", func(id map[string]int64) error { return db.CompleteOutbox(ctx, id["a1"], "ok", t0) }, t0.Add(time.Second), []string{"a2"}},
		{"retry waits for its time", func(id map[string]int64) error {
			return db.RetryOutbox(ctx, id["a2"], "CRM answered 503", t0.Add(time.Hour))
		}, t0.Add(30 * time.Second), []string{}},
		{"b1's lease ran out: claimed again", nil, t0.Add(testLease + time.Second), []string{"b1"}},
		{"retry is due; b1's lease ran out again", nil, t0.Add(time.Hour), []string{"a2", "b1"}},
		{"parked row blocks its address", func(id map[string]int64) error { return db.ParkOutbox(ctx, id["a2"], "CRM refused: unknown field", t0) }, t0.Add(2 * time.Hour), []string{"b1"}},
		{"requeued row comes first", func(map[string]int64) error {
			n, err := db.RequeueParked(ctx, t0.Add(3*time.Hour))
			if n != 1 {
				return fmt.Errorf("requeued %d rows, want 1", n)
			}
			return err
		}, t0.Add(3 * time.Hour), []string{"a2", "b1"}},
	}
	for _, s := range steps {
		if s.before != nil {
			if err := s.before(byKey); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		rows := claim(t, db, s.at, 10)
		if got := keys(rows); !reflect.DeepEqual(got, s.want) {
			t.Fatalf("%s: claimed %v, want %v", s.name, got, s.want)
		}
		for _, r := range rows {
			byKey[r.Key] = r.ID
		}
	}
	rows := claim(t, db, t0.Add(4*time.Hour), 10) // leases of the last step ran out
	attempts := map[string]int{}
	for _, r := range rows {
		attempts[r.Key] = r.Attempts
		if r.State != store.OutboxPending || len(r.Payload) == 0 || r.Kind != "crm.patch" {
			t.Errorf("claimed row %+v", r)
		}
	}
	// a2: claimed twice, requeued to 1, claimed twice since; b1: 6 claims.
	if want := map[string]int{"a2": 3, "b1": 6}; !reflect.DeepEqual(attempts, want) {
		t.Errorf("attempts %v, want %v", attempts, want)
	}
}

func TestOutboxStatsAndParked(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "ausgang-stand")
	ctx := t.Context()
	if stats, err := db.OutboxStats(ctx); err != nil || stats != (store.OutboxStats{}) {
		t.Errorf("empty outbox: %+v, %v", stats, err)
	}
	enqueue(t, db, outboxRow("A", "a1", syncTime), outboxRow("B", "b1", syncTime.Add(time.Minute)),
		outboxRow("C", "c1", syncTime.Add(2*time.Minute)))
	rows := claim(t, db, syncTime.Add(time.Hour), 10)
	long := strings.Repeat("Fehler ", 5000) + "\x00\xff"
	if err := db.ParkOutbox(ctx, rows[0].ID, long, syncTime); err != nil {
		t.Fatal(err)
	}
	if err := db.CompleteOutbox(ctx, rows[1].ID, "act-1", syncTime); err != nil {
		t.Fatal(err)
	}
	stats, err := db.OutboxStats(ctx)
	if err != nil || stats.Pending != 1 || stats.Parked != 1 || stats.OldestPending == nil || !stats.OldestPending.Equal(syncTime.Add(2*time.Minute)) {
		t.Errorf("stats %+v, %v", stats, err)
	}
	parked, err := db.ParkedOutbox(ctx, 10)
	if err != nil || len(parked) != 1 {
		t.Fatalf("parked %+v, %v", parked, err)
	}
	p := parked[0]
	if p.Key != "a1" || p.State != store.OutboxParked || p.Payload != nil || len(p.LastError) > 9000 || !strings.HasPrefix(p.LastError, "Fehler") {
		t.Errorf("parked row %+v: want a1 without payload, with the error cut to size", p)
	}

	notPending := []struct {
		name string
		call func() error
	}{
		{"complete done row", func() error { return db.CompleteOutbox(ctx, rows[1].ID, "", syncTime) }},
		{"retry parked row", func() error { return db.RetryOutbox(ctx, rows[0].ID, "x", syncTime) }},
		{"park unknown row", func() error { return db.ParkOutbox(ctx, 999999, "x", syncTime) }},
	}
	for _, c := range notPending {
		if err := c.call(); !errors.Is(err, store.ErrOutboxNotPending) {
			t.Errorf("%s: %v, want ErrOutboxNotPending", c.name, err)
		}
	}
}

func TestEnqueueRefusesBadRows(t *testing.T) {
	t.Parallel()
	db := storetest.DB(t, storetest.Manager(t), "ausgang-fehler")
	enqueue(t, db, outboxRow("A", "taken", syncTime))
	bad := func(mod func(*store.OutboxRow)) store.OutboxRow {
		r := outboxRow("A", "k", syncTime)
		mod(&r)
		return r
	}
	tests := []struct {
		name string
		row  store.OutboxRow
		want string
	}{
		{"payload not JSON", bad(func(r *store.OutboxRow) { r.Payload = []byte("{") }), "payload is not JSON"},
		{"no payload", bad(func(r *store.OutboxRow) { r.Payload = nil }), "payload is not JSON"},
		{"payload not UTF-8", bad(func(r *store.OutboxRow) { r.Payload = []byte("{\"x\":\"\xff\"}") }), "payload is not valid UTF-8"},
		{"no address", bad(func(r *store.OutboxRow) { r.AddressID = "" }), "address id is empty"},
		{"no kind", bad(func(r *store.OutboxRow) { r.Kind = "" }), "kind is empty"},
		{"no key", bad(func(r *store.OutboxRow) { r.Key = "" }), "idempotency key is empty"},
		{"NUL in key", bad(func(r *store.OutboxRow) { r.Key = "k\x00" }), "contains a NUL"},
		{"no time", bad(func(r *store.OutboxRow) { r.CreatedAt = time.Time{} }), "no creation time"},
		{"key used before", bad(func(r *store.OutboxRow) { r.Key = "taken" }), store.ErrKeyUsed.Error()},
	}
	for _, tt := range tests {
		err := db.InTx(t.Context(), func(tx *store.Tx) error { return tx.Enqueue(t.Context(), tt.row) })
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := db.ClaimOutbox(t.Context(), syncTime, 0, time.Minute); err == nil {
		t.Error("claim with limit 0 accepted")
	}
}

// TestClaimOutboxConcurrently lets workers of two processes drain an
// outbox side by side: no row may be claimed twice, and each address's
// rows must complete in order.
func TestClaimOutboxConcurrently(t *testing.T) {
	t.Parallel()
	db, other := storetest.TwoProcesses(t, "ausgang-parallel")
	const addresses, perAddress = 20, 10
	var rows []store.OutboxRow
	for i := range perAddress {
		for a := range addresses {
			rows = append(rows, outboxRow(fmt.Sprintf("addr-%02d", a), fmt.Sprintf("addr-%02d/%02d", a, i), syncTime))
		}
	}
	enqueue(t, db, rows...)

	var mu sync.Mutex
	claimed := map[string]int{}
	var order []string
	var wg sync.WaitGroup
	for w := range 6 {
		worker := []*store.DB{db, other}[w%2]
		wg.Go(func() {
			for {
				got, err := worker.ClaimOutbox(t.Context(), syncTime, 7, time.Hour)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					if drained(t, worker) {
						return
					}
					continue
				}
				for _, r := range got {
					mu.Lock()
					claimed[r.Key]++
					order = append(order, r.Key)
					mu.Unlock()
					if err := worker.CompleteOutbox(t.Context(), r.ID, "ok", syncTime); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
	if len(claimed) != len(rows) {
		t.Errorf("%d of %d rows claimed", len(claimed), len(rows))
	}
	for key, n := range claimed {
		if n != 1 {
			t.Errorf("row %s claimed %d times", key, n)
		}
	}
	last := map[string]string{}
	for _, key := range order {
		addr := key[:7]
		if key < last[addr] {
			t.Errorf("row %s completed after %s", key, last[addr])
		}
		last[addr] = key
	}
}

func drained(t *testing.T, db *store.DB) bool {
	stats, err := db.OutboxStats(t.Context())
	if err != nil {
		t.Error(err)
		return true
	}
	return stats.Pending == 0
}
