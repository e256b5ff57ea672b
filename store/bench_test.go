package store_test

import (
	"fmt"
	"testing"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// BenchmarkUpsertAddresses writes batches of 500 addresses, one
// transaction each, as a sync commits a page: all new, all changed, and
// all unchanged (the common case of an incremental sync with overlap).
func BenchmarkUpsertAddresses(b *testing.B) {
	const size = 500
	db := storetest.DB(b, storetest.Manager(b), "bench")
	batch := func(prefix, lastName string) []mapping.Address {
		addrs := make([]mapping.Address, size)
		for i := range addrs {
			addrs[i] = renamed(contact(fmt.Sprintf("%s-%d", prefix, i)), lastName)
		}
		return addrs
	}
	upsert(b, db, batch("wechselnd", "Weiß"))
	upsert(b, db, batch("stabil", "Weiß"))
	cases := []struct {
		name  string
		batch func(round int) []mapping.Address
		want  func(store.UpsertCounts) bool
	}{
		{"insert", func(round int) []mapping.Address { return batch(fmt.Sprintf("neu%d", round), "Weiß") },
			func(c store.UpsertCounts) bool { return c.Inserted == size }},
		{"update", func(round int) []mapping.Address { return batch("wechselnd", fmt.Sprintf("Weiß %d", round)) },
			func(c store.UpsertCounts) bool { return c.Updated == size }},
		{"unchanged", func(int) []mapping.Address { return batch("stabil", "Weiß") },
			func(c store.UpsertCounts) bool { return c.Unchanged == size }},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			rounds := 0
			for b.Loop() {
				b.StopTimer()
				addrs := bc.batch(rounds)
				b.StartTimer()
				if c := upsert(b, db, addrs); !bc.want(c) {
					b.Fatalf("round %d: counts %+v", rounds, c)
				}
				rounds++
			}
			b.ReportMetric(float64(rounds*size)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
