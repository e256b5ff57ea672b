package sync

import (
	"context"
	"fmt"

	"github.com/consentd/consentd/connector"
	"github.com/consentd/consentd/store"
)

// fetchAll pages through the CRM from start and hands each page to out.
func (r *run) fetchAll(ctx context.Context, start cursor, out chan<- *batch) error {
	cur, tie := start, false
	for {
		page, err := r.crm.Search(ctx, r.m.Schema(), cur.query(r.m.FetchFields(), tie), 1, r.opts.PageSize)
		if err != nil {
			return fmt.Errorf("fetch contacts changed since %d: %w", cur.UpdatedAtMS, err)
		}
		b, span := r.sift(page, cur)
		select {
		case out <- b:
		case <-ctx.Done():
			return ctx.Err()
		}
		var done bool
		if cur, tie, done, err = next(cur, tie, b.end, span, page.Returned >= r.opts.PageSize); done || err != nil {
			return err
		}
	}
}

// span is the range of change times a page covered.
type span struct {
	min, max int64
	known    bool // at least one entry had a readable position
}

// next decides where the following request starts. A page that lies within
// one millisecond cannot be left by "updatedAt >= t" alone, so that
// millisecond is drained by id first.
func next(cur cursor, tie bool, end cursor, s span, full bool) (cursor, bool, bool, error) {
	switch {
	case !full && tie:
		return cur.nextAfterTie(), false, false, nil
	case !full:
		return cur, false, true, nil
	case !s.known:
		return cur, tie, true, fmt.Errorf("a full page after %d/%s held no readable contact: cannot continue", cur.UpdatedAtMS, cur.ID)
	case tie || s.min == s.max:
		return cursor{UpdatedAtMS: s.max, ID: end.ID}, true, false, nil
	case !end.after(cur):
		return cur, tie, true, fmt.Errorf("the CRM returned no contact after %d/%s on a full page", cur.UpdatedAtMS, cur.ID)
	}
	return end, false, false, nil
}

// sift maps the entries of a page that lie after cur; earlier ones were
// written by the previous page or the previous run.
func (r *run) sift(page *connector.Page, cur cursor) (*batch, span) {
	b := &batch{end: cur, requests: 1}
	var s span
	for _, e := range page.Entries {
		pos := cursor{UpdatedAtMS: e.Metadata.UpdatedAt, ID: e.ID}
		s = s.with(pos.UpdatedAtMS)
		if !pos.after(cur) {
			continue
		}
		b.take(pos)
		r.addEntity(b, e)
	}
	for _, m := range page.Malformed {
		r.skipMalformed(b, cur, m, &s)
	}
	return b, s
}

func (s span) with(ms int64) span {
	if !s.known {
		return span{min: ms, max: ms, known: true}
	}
	return span{min: min(s.min, ms), max: max(s.max, ms), known: true}
}

func (b *batch) take(pos cursor) {
	b.fetched++
	if pos.after(b.end) {
		b.end = pos
	}
}

func (r *run) addEntity(b *batch, e connector.Entity) {
	b.seen = append(b.seen, e.ID)
	a, err := r.m.Address(e)
	if err == nil {
		err = store.ValidateAddress(a)
	}
	if err != nil {
		b.skipped++
		r.log.Warn().Str("crm_id", e.ID).Err(err).Msg("contact skipped: it does not fit the mapping")
		return
	}
	b.addresses = append(b.addresses, a)
}

// skipMalformed counts an entry the connector could not decode. Its id still
// counts as seen, so reconciliation never deletes a contact for being broken.
func (r *run) skipMalformed(b *batch, cur cursor, m connector.Malformed, s *span) {
	if m.ID != "" && m.UpdatedAt > 0 {
		pos := cursor{UpdatedAtMS: m.UpdatedAt, ID: m.ID}
		*s = s.with(pos.UpdatedAtMS)
		if !pos.after(cur) {
			return
		}
		b.end = maxCursor(b.end, pos)
	}
	if m.ID != "" {
		b.seen = append(b.seen, m.ID)
	}
	b.fetched++
	b.skipped++
	r.log.Warn().Str("crm_id", m.ID).Err(m.Err).Msg("contact skipped: the CRM sent it malformed")
}

func maxCursor(a, b cursor) cursor {
	if b.after(a) {
		return b
	}
	return a
}
