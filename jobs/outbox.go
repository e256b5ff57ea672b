package jobs

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	gosync "sync"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/store"
)

// OutboxCRM is what the outbox worker needs of a company's CRM;
// *connector.Client has it.
type OutboxCRM interface {
	PatchEntity(ctx context.Context, schema, id string, fields map[string][]any) (*connector.Entity, error)
	CreateActivity(ctx context.Context, a connector.Activity) (string, error)
	ActivitiesByExternalID(ctx context.Context, key string) ([]connector.Activity, error)
	SearchProfiles(ctx context.Context, contactID string) ([]connector.SearchProfile, error)
	CreateSearchProfile(ctx context.Context, p connector.SearchProfile) (string, error)
	ReplaceSearchProfile(ctx context.Context, p connector.SearchProfile) error
	DeleteSearchProfile(ctx context.Context, id string) error
}

// OutboxOptions tune an outbox worker. Zero values take the defaults
// documented on each field.
type OutboxOptions struct {
	Batch       int           // rows claimed per pass, default 50
	Workers     int           // addresses delivered at the same time, default 4
	Lease       time.Duration // how long claimed rows stay reserved for this worker, default 2m
	RowTimeout  time.Duration // bound on delivering one row, CRM retries included, default 30s
	MaxAttempts int           // attempts before a failing row is parked, default 12
	Idle        time.Duration // pause when nothing is due, default 1s; Notify ends it early
	Now         func() time.Time
	// Observe, when set, hears of every delivery attempt, e.g. to count
	// them as metrics. It is called from several goroutines at once and
	// must return quickly.
	Observe func(OutboxAttempt)
}

// Defaults of OutboxOptions.
const (
	DefaultOutboxBatch       = 50
	DefaultOutboxWorkers     = 4
	DefaultOutboxLease       = 2 * time.Minute
	DefaultOutboxRowTimeout  = 30 * time.Second
	DefaultOutboxMaxAttempts = 12
	DefaultOutboxIdle        = time.Second
)

// OutboxAttempt tells an observer how one delivery attempt ended.
type OutboxAttempt struct {
	Kind     string        // outbox row kind, e.g. "crm.activity"
	Result   OutboxResult  // delivered, failed (will be retried) or parked
	Attempts int           // attempts so far, this one included
	Age      time.Duration // since the row was queued: the write-back latency when delivered
}

// OutboxResult is how a delivery attempt ended.
type OutboxResult string

// Results of a delivery attempt.
const (
	OutboxDelivered OutboxResult = "delivered"
	OutboxFailed    OutboxResult = "failed" // retried later
	OutboxParked    OutboxResult = "parked" // waits for an admin: consentd outbox -retry
)

// Backoff between delivery attempts: 5 s doubling per attempt, ±20 %
// jitter so that rows failed together do not retry together, at most 1 h.
const (
	outboxBackoffBase   = 5 * time.Second
	outboxBackoffMax    = time.Hour
	outboxBackoffJitter = 0.2
)

// outboxPauseMax bounds the wait after failed passes.
const outboxPauseMax = time.Minute

// outboxRecordTimeout bounds recording an outcome, which happens even after
// the worker was told to stop: a write the CRM has carried out is recorded.
const outboxRecordTimeout = 10 * time.Second

// OutboxDatabases hands the worker its company's database for one pass;
// *Databases does, within the connection budget and with a share of the
// company's pool the consent page leaves it.
type OutboxDatabases interface {
	AcquireOutbox(ctx context.Context, company string) (db *store.DB, release func(), err error)
}

// Outbox delivers one company's outbox to its CRM: each row exactly once,
// the rows of one address in the order they were queued.
type Outbox struct {
	slug   string
	dbs    OutboxDatabases
	crm    OutboxCRM
	opts   OutboxOptions
	log    zerolog.Logger
	wake   chan struct{}
	jitter func() float64 // in [0, 1)
}

// NewOutbox builds the outbox worker of the company slug. It holds the
// company's database only during a pass.
func NewOutbox(slug string, dbs OutboxDatabases, crm OutboxCRM, o OutboxOptions, log zerolog.Logger) *Outbox {
	return &Outbox{
		slug:   slug,
		dbs:    dbs,
		crm:    crm,
		opts:   o.withDefaults(),
		log:    log.With().Str("job", "outbox").Logger(),
		wake:   make(chan struct{}, 1),
		jitter: rand.Float64,
	}
}

func (o OutboxOptions) withDefaults() OutboxOptions {
	o.Batch = positiveOr(o.Batch, DefaultOutboxBatch)
	o.Workers = positiveOr(o.Workers, DefaultOutboxWorkers)
	o.RowTimeout = positiveOr(o.RowTimeout, DefaultOutboxRowTimeout)
	// A row is only started while its whole timeout fits into the lease.
	o.Lease = max(positiveOr(o.Lease, DefaultOutboxLease), 2*o.RowTimeout)
	o.MaxAttempts = positiveOr(o.MaxAttempts, DefaultOutboxMaxAttempts)
	o.Idle = positiveOr(o.Idle, DefaultOutboxIdle)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

func positiveOr[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Notify wakes an idle Run at once, e.g. after a consent page action queued
// rows. It never blocks.
func (o *Outbox) Notify() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// Run delivers passes until ctx is done. A row in hand when ctx ends is
// finished and recorded first, so a write the CRM carried out is never
// forgotten; rows not yet started stay queued.
func (o *Outbox) Run(ctx context.Context) {
	failures := 0
	for ctx.Err() == nil {
		delivered, failed, err := o.DeliverDue(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			failures++
			wait := o.pause(failures)
			o.log.Error().Err(err).Dur("next_pass_in", wait).Msg("outbox pass failed")
			o.idle(ctx, wait)
		case delivered+failed > 0:
			failures = 0 // more rows may be due at once, e.g. the next of an address
		default:
			failures = 0
			o.idle(ctx, o.opts.Idle)
		}
	}
}

// pause is the wait after the failures-th failed pass in a row: Idle,
// doubling up to a minute, so an unreachable database is not hammered.
func (o *Outbox) pause(failures int) time.Duration {
	d := o.opts.Idle
	for i := 1; i < failures && d < outboxPauseMax; i++ {
		d *= 2
	}
	return min(d, outboxPauseMax)
}

func (o *Outbox) idle(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-o.wake:
	case <-t.C:
	}
}

// DeliverDue runs one pass: it claims the rows that are due, delivers them
// side by side and records each outcome. The claim hands out only the
// oldest open row of an address, so an address's rows go out in order and
// wait behind one that failed. failed counts rows retried later or parked.
func (o *Outbox) DeliverDue(ctx context.Context) (delivered, failed int, err error) {
	db, release, err := o.dbs.AcquireOutbox(ctx, o.slug)
	if err != nil {
		return 0, 0, err
	}
	defer release()
	rows, err := db.ClaimOutbox(ctx, o.opts.Now(), o.opts.Batch, o.opts.Lease)
	if err != nil {
		return 0, 0, fmt.Errorf("company %s: claim outbox rows: %w", o.slug, err)
	}
	// Timeouts run on the real clock, whatever Now says.
	p := &outboxPass{db: db, leaseEnd: time.Now().Add(o.opts.Lease)}
	sem := make(chan struct{}, o.opts.Workers)
	var wg gosync.WaitGroup
	for _, row := range rows {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			p.count(o.handle(ctx, p, row))
		})
	}
	wg.Wait()
	return p.delivered, p.failed, errors.Join(p.errs...)
}

// outboxPass collects the outcomes of one pass's workers.
type outboxPass struct {
	db       *store.DB
	leaseEnd time.Time

	mu        gosync.Mutex
	delivered int
	failed    int
	errs      []error
}

func (p *outboxPass) count(r OutboxResult, err error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case err != nil:
		p.errs = append(p.errs, err)
	case r == OutboxDelivered:
		p.delivered++
	case r != "":
		p.failed++
	}
}

// handle delivers one row and records the outcome. A row is only started
// while it can finish within its lease, and not after ctx ended; else it is
// handed back and its result is "".
func (o *Outbox) handle(ctx context.Context, p *outboxPass, row store.OutboxRow) (OutboxResult, error) {
	if ctx.Err() != nil || time.Until(p.leaseEnd) < o.opts.RowTimeout {
		return "", o.release(ctx, p.db, row)
	}
	// ctx does not cut the delivery short: once a write is on its way its
	// outcome is waited for, so that it can be recorded.
	dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), o.opts.RowTimeout)
	result, err := o.deliver(dctx, row)
	cancel()
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outboxRecordTimeout)
	defer cancel()
	res, recErr := o.record(rctx, p.db, row, result, err)
	switch {
	case errors.Is(recErr, store.ErrOutboxNotPending):
		// Only when an admin changed the row meanwhile, or the clock jumped
		// past the lease: the other outcome stands.
		o.log.Warn().Int64("outbox_id", row.ID).Str("kind", row.Kind).
			Msg("outbox row was settled elsewhere while this worker delivered it; check the CRM for a duplicate")
		return "", nil
	case recErr != nil:
		return "", fmt.Errorf("company %s: record outcome of outbox row %d: %w", o.slug, row.ID, recErr)
	}
	o.observe(row, res)
	return res, nil
}

func (o *Outbox) record(ctx context.Context, db *store.DB, row store.OutboxRow, result string, err error) (OutboxResult, error) {
	now := o.opts.Now()
	log := o.log.With().Int64("outbox_id", row.ID).Str("kind", row.Kind).Int("attempts", row.Attempts).Logger()
	switch {
	case err == nil:
		log.Debug().Msg("outbox row delivered")
		return OutboxDelivered, db.CompleteOutbox(ctx, row.ID, result, now)
	case isPermanent(err) || row.Attempts >= o.opts.MaxAttempts:
		log.Error().Err(err).Msg("outbox row parked: it waits for an admin (consentd outbox -retry)")
		return OutboxParked, db.ParkOutbox(ctx, row.ID, parkReason(err, row.Attempts, o.opts.MaxAttempts), now)
	default:
		next := now.Add(o.backoff(row.Attempts))
		log.Warn().Err(err).Time("next_attempt", next).Msg("outbox row not delivered; retrying later")
		return OutboxFailed, db.RetryOutbox(ctx, row.ID, err.Error(), next)
	}
}

func parkReason(err error, attempts, maxAttempts int) string {
	if isPermanent(err) {
		return err.Error()
	}
	return fmt.Sprintf("gave up after %d of %d attempts: %v", attempts, maxAttempts, err)
}

// release hands a claimed row back unstarted, due at once. Its claim has
// counted an attempt, which only means that the next one checks the CRM for
// an earlier one first.
func (o *Outbox) release(ctx context.Context, db *store.DB, row store.OutboxRow) error {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), outboxRecordTimeout)
	defer cancel()
	if err := db.RetryOutbox(rctx, row.ID, row.LastError, o.opts.Now()); err != nil {
		return fmt.Errorf("company %s: hand back outbox row %d: %w", o.slug, row.ID, err)
	}
	return nil
}

func (o *Outbox) observe(row store.OutboxRow, res OutboxResult) {
	if o.opts.Observe == nil {
		return
	}
	o.opts.Observe(OutboxAttempt{Kind: row.Kind, Result: res, Attempts: row.Attempts, Age: o.opts.Now().Sub(row.CreatedAt)})
}

// backoff is the wait before attempt number attempts+1.
func (o *Outbox) backoff(attempts int) time.Duration {
	d := outboxBackoffMax
	if shift := attempts - 1; shift < 20 {
		d = min(outboxBackoffBase<<max(shift, 0), outboxBackoffMax)
	}
	factor := 1 - outboxBackoffJitter + 2*outboxBackoffJitter*o.jitter()
	return min(time.Duration(float64(d)*factor), outboxBackoffMax)
}

// isPermanent tells failures that repeating cannot fix: the CRM refused the
// request or lacks its target, or the row itself is unusable. Refused
// tokens, rate limits and an unreachable CRM are worth waiting out.
func isPermanent(err error) bool {
	var bad *badRowError
	return errors.As(err, &bad) || errors.Is(err, connector.ErrPermanent) ||
		errors.Is(err, connector.ErrNotFound) || errors.Is(err, connector.ErrConflict)
}
