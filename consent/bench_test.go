package consent_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/store/storetest"
)

// benchFixture is a company with n contacts and a link for each.
func benchFixture(b *testing.B, n int) (*consent.Service, []string) {
	b.Helper()
	m := storetest.Manager(b)
	db := storetest.DB(b, m, "bench")
	addrs := make([]mapping.Address, n)
	for i := range addrs {
		addrs[i] = contact(fmt.Sprintf("k%06d", i))
	}
	err := db.InTx(b.Context(), func(tx *store.Tx) error {
		_, err := tx.UpsertAddresses(b.Context(), addrs, start)
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	svc := consent.NewService(db, mapping.Default(), settings("bench"), nil)
	var tokens []string
	if _, err := svc.IssueLinks(b.Context(), true, func(_, url string) error {
		tokens = append(tokens, url[len(url)-43:])
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	return svc, tokens
}

// BenchmarkResolve is the database work of one page view.
func BenchmarkResolve(b *testing.B) {
	svc, tokens := benchFixture(b, 100)
	var i atomic.Int64
	b.SetParallelism(8) // the database waits, not the CPU
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Resolve(b.Context(), tokens[i.Add(1)%int64(len(tokens))]); err != nil {
				b.Error(err)
			}
		}
	})
}

// BenchmarkGive is one durable consent action: state, ledger, mirror and
// outbox in one transaction, contacts taking turns.
func BenchmarkGive(b *testing.B) {
	svc, tokens := benchFixture(b, 1000)
	subjects := make([]*consent.Subject, len(tokens))
	for n, token := range tokens {
		var err error
		if subjects[n], err = svc.Resolve(b.Context(), token); err != nil {
			b.Fatal(err)
		}
	}
	var i atomic.Int64
	b.SetParallelism(8) // the database waits, not the CPU
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := i.Add(1)
			subj := subjects[n%int64(len(subjects))]
			if _, err := svc.Withdraw(b.Context(), subj, consent.Request{}, web, fmt.Sprintf("w-%d", n)); err != nil {
				b.Error(err)
			}
			if _, err := svc.Give(b.Context(), subj, web, fmt.Sprintf("g-%d", n)); err != nil {
				b.Error(err)
			}
		}
	})
}
