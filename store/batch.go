package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// batchSize bounds the rows or ids one statement carries, so memory and
// statement size stay flat whatever a caller passes.
const batchSize = 500

// UpsertCounts say what a batch write did to the mirror.
type UpsertCounts struct {
	Inserted  int
	Updated   int // content changed, or an address marked deleted came back
	Unchanged int // same content hash: the row was not rewritten
	Deleted   int // search profiles the CRM no longer lists (ReplaceSearchProfiles)
}

func (c UpsertCounts) add(o UpsertCounts) UpsertCounts {
	return UpsertCounts{Inserted: c.Inserted + o.Inserted, Updated: c.Updated + o.Updated,
		Unchanged: c.Unchanged + o.Unchanged, Deleted: c.Deleted + o.Deleted}
}

// inBatches calls fn for consecutive parts of items of at most batchSize.
func inBatches[T any](items []T, fn func([]T) error) error {
	for start := 0; start < len(items); start += batchSize {
		if err := fn(items[start:min(start+batchSize, len(items))]); err != nil {
			return err
		}
	}
	return nil
}

// mirrored is what the mirror holds about a row before a batch writes it.
type mirrored struct {
	CRMID        string     `db:"crm_id"`
	ContentHash  string     `db:"content_hash"`
	CRMUpdatedAt *time.Time `db:"crm_updated_at"`
	Deleted      bool       `db:"deleted"`
}

// mirrorRow is a row of a mirrored table as a batch sends it.
type mirrorRow interface {
	key() (crmID, contentHash string)
	changedAt() *time.Time
}

// dedupe keeps one row per CRM id, the last given, at the place of the
// first; the dropped ones count as unchanged, so the counts of a call still
// add up to the rows passed.
func dedupe[T mirrorRow](rows []T) ([]T, UpsertCounts) {
	at := make(map[string]int, len(rows))
	out := make([]T, 0, len(rows))
	var c UpsertCounts
	for _, r := range rows {
		id, _ := r.key()
		if i, dup := at[id]; dup {
			out[i] = r
			c.Unchanged++
			continue
		}
		at[id] = len(out)
		out = append(out, r)
	}
	return out, c
}

// upsertChanged looks up the stored hashes of rows with hashesSQL and
// writes only new and changed rows with upsertSQL: two statements per batch.
func upsertChanged[T mirrorRow](ctx context.Context, tx *Tx, rows []T, hashesSQL, upsertSQL string, now time.Time) (UpsertCounts, error) {
	if len(rows) == 0 {
		return UpsertCounts{}, nil
	}
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i], _ = r.key()
	}
	idList, err := jsonParam(ids)
	if err != nil {
		return UpsertCounts{}, err
	}
	var stored []mirrored
	if err := tx.tx.SelectContext(ctx, &stored, hashesSQL, idList); err != nil {
		return UpsertCounts{}, fmt.Errorf("read stored content hashes: %w", err)
	}
	write, c := changedRows(rows, stored)
	if len(write) == 0 {
		return c, nil
	}
	batch, err := jsonParam(write)
	if err != nil {
		return UpsertCounts{}, err
	}
	if _, err := tx.tx.ExecContext(ctx, upsertSQL, batch, now.UTC()); err != nil {
		return UpsertCounts{}, fmt.Errorf("write %d rows: %w", len(write), err)
	}
	return c, nil
}

// changedRows picks the rows that are new or differ from what is stored.
func changedRows[T mirrorRow](rows []T, stored []mirrored) ([]T, UpsertCounts) {
	byID := make(map[string]mirrored, len(stored))
	for _, s := range stored {
		byID[s.CRMID] = s
	}
	var c UpsertCounts
	write := make([]T, 0, len(rows))
	for _, r := range rows {
		id, hash := r.key()
		s, found := byID[id]
		switch {
		case !found:
			c.Inserted++
		case s.ContentHash != hash || s.Deleted:
			c.Updated++
		case !sameTime(s.CRMUpdatedAt, r.changedAt()):
			// Same content, but the CRM's change time moved (a search
			// profile or an unmapped field changed): keep it current, or
			// every later run would take the contact for changed.
			c.Unchanged++
		default:
			c.Unchanged++
			continue
		}
		write = append(write, r)
	}
	return write, c
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

// jsonParam encodes a batch or an id list as the one JSON parameter the
// engines' batch statements unpack.
func jsonParam(v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("encode batch as JSON: %w", err)
	}
	return string(b), nil
}

// jsonList encodes a list for a TEXT column; an empty list is [].
func jsonList[T any](items []T) (string, error) {
	if items == nil {
		items = []T{}
	}
	return jsonParam(items)
}

// parseJSONList decodes what jsonList stored; an empty list gives nil, as
// the mapping produces for a contact without any.
func parseJSONList[T any](column, text string) ([]T, error) {
	var items []T
	if err := json.Unmarshal([]byte(text), &items); err != nil {
		return nil, fmt.Errorf("column %s holds no JSON list: %w", column, err)
	}
	if len(items) == 0 {
		return nil, nil
	}
	return items, nil
}

// nullTime stores the zero time, a field the CRM left empty, as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// fromNullTime reads what nullTime stored, in UTC.
func fromNullTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// utcPtr is *t in UTC; nil stays nil.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	return new(t.UTC())
}
