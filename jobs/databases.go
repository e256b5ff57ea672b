package jobs

import (
	"context"
	"fmt"
	gosync "sync"

	"github.com/consentd/consentd/store"
)

// Databases hands out company databases within a connection budget. Every
// company pool may open up to the pool size, so at most Slots companies may
// hold connections at once: a company holds a slot while someone works with
// its database and keeps it, warm, afterwards; when a company without a
// slot needs one, the least recently used warm company gives its slot up
// and its idle connections are closed. With 500 companies, a pool size of 4
// and a budget of 40 connections, 9 companies hold connections at a time
// and the server never sees more than 40 from this process.
//
// On SQLite the same budget bounds open files instead of server
// connections: each connection holds its company's database file, WAL and
// shared-memory file open, and a company without a slot holds none.
//
// The budget holds for work that goes through Acquire; code that keeps a
// *store.DB for long stays outside it.
//
// Within a company's pool, consent page requests (AcquirePage) and passes
// of its outbox worker (AcquireOutbox) take turns for the connections.
type Databases struct {
	stores *store.Manager
	slots  int

	mu    gosync.Mutex
	held  map[string]*slot         // companies holding a slot, in use or warm
	tick  uint64                   // orders releases, for least recently used
	freed chan struct{}            // closed when a slot may have come free
	lanes map[string]chan struct{} // by company, see lane
}

// OutboxConnections is how many connections of each company's pool an
// outbox pass keeps from page requests: the worker writes the outcome of
// every delivery.
const OutboxConnections = 1

type slot struct {
	users    int
	released uint64
}

// NewDatabases gives out the databases of stores, slots companies at a
// time (at least 1).
func NewDatabases(stores *store.Manager, slots int) *Databases {
	return &Databases{
		stores: stores, slots: max(slots, 1),
		held: map[string]*slot{}, freed: make(chan struct{}), lanes: map[string]chan struct{}{},
	}
}

// Slots is how many companies may hold connections at once.
func (d *Databases) Slots() int { return d.slots }

// Held is how many companies hold a slot now, in use or warm.
func (d *Databases) Held() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.held)
}

// Acquire returns the company's database, waiting for a slot while all are
// in use. release must be called when the work is done; it is never nil.
// A database whose schema does not match fails with a *store.SchemaError.
func (d *Databases) Acquire(ctx context.Context, company string) (db *store.DB, release func(), err error) {
	if err := d.take(ctx, company); err != nil {
		return nil, func() {}, fmt.Errorf("wait for a database connection slot for company %s: %w", company, err)
	}
	db, err = d.stores.Open(ctx, company)
	if err != nil {
		d.give(company, false)
		return nil, func() {}, err
	}
	d.keepWhileWarm(company)
	var once gosync.Once
	return db, func() { once.Do(func() { d.give(company, true) }) }, nil
}

// keepWhileWarm lets the pool of a company holding a slot keep all its
// connections, not only its idle share, until their idle timeout or the
// company giving up its slot closes them. The budget counts a full pool for
// every slot anyway; a busy company whose uses come one after the other
// would otherwise close and open connections in between.
func (d *Databases) keepWhileWarm(company string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, held := d.held[company]; held {
		d.stores.KeepConnections(company) // keeping more closes nothing: no I/O under the lock
	}
}

// AcquirePage is Acquire for a consent page request. Page requests come in
// floods. A pool hands a freed connection to any of its waiters, so some
// requests waited long and the outbox worker's writes with them, and
// write-back fell behind the page. Page requests and outbox passes instead
// queue for a turn of the company's lane, first come first served.
func (d *Databases) AcquirePage(ctx context.Context, company string) (db *store.DB, release func(), err error) {
	return d.acquireTurns(ctx, company, 1)
}

// AcquireOutbox is Acquire for a pass of the company's outbox worker. It
// takes OutboxConnections turns of the lane, so page requests leave the
// worker that many connections until release.
func (d *Databases) AcquireOutbox(ctx context.Context, company string) (db *store.DB, release func(), err error) {
	return d.acquireTurns(ctx, company, OutboxConnections)
}

// acquireTurns is Acquire after n turns of the company's lane.
func (d *Databases) acquireTurns(ctx context.Context, company string, n int) (*store.DB, func(), error) {
	lane := d.lane(company)
	for taken := range n {
		select {
		case lane <- struct{}{}:
		case <-ctx.Done():
			giveTurns(lane, taken)
			return nil, func() {}, fmt.Errorf("wait for a turn at company %s's database: %w", company, ctx.Err())
		}
	}
	db, free, err := d.Acquire(ctx, company)
	if err != nil {
		giveTurns(lane, n)
		return nil, func() {}, err
	}
	var once gosync.Once
	return db, func() { once.Do(func() { free(); giveTurns(lane, n) }) }, nil
}

// lane holds a token for each turn taken at the company's database: as
// many turns as its pool has connections. A channel's senders wait in
// order.
func (d *Databases) lane(company string) chan struct{} {
	d.mu.Lock()
	defer d.mu.Unlock()
	lane, ok := d.lanes[company]
	if !ok {
		lane = make(chan struct{}, d.stores.Config().MaxOpen)
		d.lanes[company] = lane
	}
	return lane
}

func giveTurns(lane chan struct{}, n int) {
	for range n {
		<-lane
	}
}

// Probe opens the company's database to check that it is reachable and
// its schema current, without holding a slot: a company that holds none
// gets its idle connections closed again at once.
func (d *Databases) Probe(ctx context.Context, company string) error {
	_, err := d.stores.Open(ctx, company)
	d.mu.Lock()
	_, held := d.held[company]
	d.mu.Unlock()
	if !held {
		d.stores.CloseIdle(company)
	}
	return err
}

func (d *Databases) take(ctx context.Context, company string) error {
	for {
		victim, wait, ok := d.tryTake(company)
		if victim != "" {
			d.stores.CloseIdle(victim)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wait:
		}
	}
}

// tryTake gives company a slot if it holds one, if one is free, or by
// evicting the least recently used warm company, which it returns.
func (d *Databases) tryTake(company string) (victim string, wait <-chan struct{}, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, held := d.held[company]; held {
		s.users++
		return "", nil, true
	}
	if len(d.held) >= d.slots {
		if victim = d.coldest(); victim == "" {
			return "", d.freed, false
		}
		delete(d.held, victim)
	}
	d.held[company] = &slot{users: 1}
	return victim, nil, true
}

// coldest is the warm company released longest ago, or "" if every slot
// is in use.
func (d *Databases) coldest() string {
	var (
		name string
		at   uint64
	)
	for company, s := range d.held {
		if s.users == 0 && (name == "" || s.released < at) {
			name, at = company, s.released
		}
	}
	return name
}

// give returns a use of the company's slot. The last user keeps it warm,
// or gives it up when the database could not be used.
func (d *Databases) give(company string, warm bool) {
	d.mu.Lock()
	s := d.held[company]
	s.users--
	d.tick++
	s.released = d.tick
	free := s.users == 0
	if free {
		d.wakeLocked()
		if !warm {
			delete(d.held, company)
		}
	}
	d.mu.Unlock()
	if free && !warm {
		d.stores.CloseIdle(company)
	}
}

// Forget gives up the slot of a company no longer configured, unless it
// is in use, and closes its idle connections.
func (d *Databases) Forget(company string) {
	d.mu.Lock()
	if s, held := d.held[company]; held && s.users == 0 {
		delete(d.held, company)
		d.wakeLocked()
	}
	delete(d.lanes, company) // turns taken go back to the lane they came from
	d.mu.Unlock()
	d.stores.CloseIdle(company)
}

// wakeLocked tells the waiters that a slot may have come free.
func (d *Databases) wakeLocked() {
	close(d.freed)
	d.freed = make(chan struct{})
}
