package sync

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// run is one mirror run in progress. A fetch goroutine pages through the CRM
// while the caller's goroutine writes the previous page, so the database and
// the CRM work at the same time; the watermark moves only with a committed page.
type run struct {
	*Syncer
	mode      Mode
	id        int64
	log       zerolog.Logger
	counts    store.RunCounts
	watermark store.Watermark

	contactsTook, profilesTook time.Duration
}

// batch is one page of contacts, mapped and ready to be written.
type batch struct {
	addresses []mapping.Address
	seen      []string // every id the CRM returned, malformed ones too
	end       cursor
	fetched   int64
	skipped   int64
	requests  int64
}

func (r *run) execute(ctx context.Context) error {
	wm, err := r.db.Watermark(ctx)
	if err != nil {
		return fmt.Errorf("read watermark: %w", err)
	}
	r.watermark = wm
	start := r.opts.Now()
	err = r.pipeline(ctx, r.startCursor(wm))
	if err == nil {
		err = r.reconcile(ctx)
	}
	r.contactsTook = r.opts.Now().Sub(start)
	if err != nil {
		return stopped(ctx, err)
	}
	err = r.mirrorProfiles(ctx)
	r.profilesTook = r.opts.Now().Sub(start) - r.contactsTook
	return stopped(ctx, err)
}

// stopped makes a failure caused by a stop request say so, whichever call
// noticed it first (the database driver reports its own cancel error).
func stopped(ctx context.Context, err error) error {
	if ctx.Err() == nil || errors.Is(err, ctx.Err()) {
		return err
	}
	return fmt.Errorf("%w: %v", ctx.Err(), err)
}

func (r *run) startCursor(wm store.Watermark) cursor {
	if r.mode == Full {
		return cursor{}
	}
	return cursor{UpdatedAtMS: max(0, wm.UpdatedAtMS-r.opts.Overlap.Milliseconds())}
}

func (r *run) pipeline(ctx context.Context, start cursor) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan *batch, 2)
	fetchErr := make(chan error, 1)
	go func() {
		fetchErr <- r.fetchAll(ctx, start, batches)
		close(batches)
	}()
	for b := range batches {
		if err := r.write(ctx, b); err != nil {
			cancel()
			for range batches { // let the fetcher see the cancel and stop
			}
			<-fetchErr
			return err
		}
	}
	return <-fetchErr
}

// reconcile marks contacts the CRM no longer has; only a full run that saw
// every page may do so, or a failed run would delete what it did not reach.
func (r *run) reconcile(ctx context.Context) error {
	if r.mode != Full || r.opts.DryRun {
		return nil
	}
	n, err := r.db.MarkUnseenDeleted(ctx, r.id, r.opts.Now())
	if err != nil {
		return fmt.Errorf("mark contacts deleted in the CRM: %w", err)
	}
	r.counts.Deleted = n
	return nil
}

func (r *run) write(ctx context.Context, b *batch) error {
	r.counts.Fetched += b.fetched
	r.counts.Skipped += b.skipped
	r.counts.Requests += b.requests
	if r.opts.DryRun {
		return nil
	}
	var c store.UpsertCounts
	newWM, moved := r.advance(b)
	err := r.db.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = r.writeBatch(ctx, tx, b); err != nil {
			return err
		}
		if !moved {
			return nil
		}
		return tx.SetWatermark(ctx, newWM)
	})
	if err != nil {
		return fmt.Errorf("write page ending at %d/%s: %w", b.end.UpdatedAtMS, b.end.ID, err)
	}
	r.counts.Inserted += int64(c.Inserted)
	r.counts.Updated += int64(c.Updated)
	r.counts.Unchanged += int64(c.Unchanged)
	if moved {
		r.watermark = newWM
	}
	return nil
}

func (r *run) writeBatch(ctx context.Context, tx *store.Tx, b *batch) (store.UpsertCounts, error) {
	now := r.opts.Now()
	c, err := tx.UpsertAddresses(ctx, b.addresses, now)
	if err != nil {
		return c, fmt.Errorf("upsert addresses: %w", err)
	}
	if r.mode == Full {
		if err := tx.MarkSeen(ctx, r.id, b.seen); err != nil {
			return c, fmt.Errorf("mark contacts seen: %w", err)
		}
	}
	return c, nil
}

// advance moves the watermark to the last contact of a page, never back: a
// full run starts at the beginning, and an incremental one a little before
// the watermark.
func (r *run) advance(b *batch) (store.Watermark, bool) {
	cur := cursor{UpdatedAtMS: r.watermark.UpdatedAtMS, ID: r.watermark.ID}
	end := b.end
	if b.fetched == 0 || !end.after(cur) {
		return r.watermark, false
	}
	return store.Watermark{UpdatedAtMS: end.UpdatedAtMS, ID: end.ID}, true
}

var _ CRM = (*connector.Client)(nil)
