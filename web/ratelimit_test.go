package web

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestLimiterRefillsAndTellsTheWait(t *testing.T) {
	l := newLimiter(2, 2, 100) // 2 per second, 2 at once
	now := testNow
	for i := range 2 {
		if _, ok := l.allow("k", now); !ok {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	wait, ok := l.allow("k", now)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("third request: ok %v, wait %s; want refused for 500ms", ok, wait)
	}
	if _, ok := l.allow("k", now.Add(500*time.Millisecond)); !ok {
		t.Error("refused after the wait it named")
	}
	if _, ok := l.allow("other", now); !ok {
		t.Error("another key shares the bucket")
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	l := newLimiter(1, 5, 1000)
	now := testNow
	for i := range 10000 { // a flood of new clients, none idle long enough to refill
		l.allow(fmt.Sprint("flood-", i), now.Add(time.Duration(i)*time.Millisecond))
	}
	if n := len(l.buckets); n > 1000 {
		t.Fatalf("%d buckets, want at most 1000", n)
	}
	// Refilled buckets go first: an hour later every flooded bucket is
	// forgettable, so the next time the map fills they all go at once.
	later := now.Add(time.Hour)
	room := 1000 - len(l.buckets)
	for i := range room + 1 {
		l.allow(fmt.Sprint("late-", i), later)
	}
	for key := range l.buckets {
		if strings.HasPrefix(key, "flood-") {
			t.Fatalf("refilled bucket %s kept once the map was full", key)
		}
	}
}

func TestLimiterKeepsBusyClientsWhileRoomLasts(t *testing.T) {
	l := newLimiter(1, 1, 10)
	now := testNow
	l.allow("busy", now)
	for i := range 8 {
		l.allow(fmt.Sprint("c", i), now)
	}
	if _, ok := l.allow("busy", now); ok {
		t.Error("a client that spent its burst got a fresh bucket while the map had room")
	}
}
