package mockcrm

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"sort"
	"strings"
)

// page is one page of search results and the number of all matches (only
// complete when the search asked for the count).
type page struct {
	entries []*contact
	total   int
}

// search runs q. A search in the order of change queries (or by id) walks
// the kept order, so serving a page costs a binary search plus the page,
// not a sort of every contact.
func (st *store) search(q *searchQuery) page {
	st.mu.RLock()
	defer st.mu.RUnlock()
	if ids := q.selectedIDs(); ids != nil {
		return q.sortedPage(st.lookup(ids))
	}
	if idx, key, desc, ok := st.order(q.sorts); ok {
		return q.walk(idx, key, desc)
	}
	return q.sortedPage(st.byID)
}

// selectedIDs returns the ids of the first ENTITYID condition, if any.
func (q *searchQuery) selectedIDs() []string {
	for _, c := range q.conds {
		if c.ids != nil {
			return c.list
		}
	}
	return nil
}

// lookup returns the stored contacts among ids, each once. Caller holds mu.
func (st *store) lookup(ids []string) []*contact {
	seen := make(map[string]bool, len(ids))
	out := make([]*contact, 0, len(ids))
	for _, id := range ids {
		if c, ok := st.contacts[id]; ok && !seen[id] {
			seen[id] = true
			out = append(out, c)
		}
	}
	return out
}

// order returns the kept order that sorts describe, if there is one. Ids
// are unique, so sort keys after id never matter.
func (st *store) order(sorts []sortKey) (idx []*contact, key string, desc, ok bool) {
	first := sorts[0]
	switch {
	case first.field == fieldID:
		return st.byID, fieldID, first.desc, true
	case first.field != fieldUpdatedAt:
		return nil, "", false, false
	case len(sorts) == 1 || (sorts[1].field == fieldID && sorts[1].desc == first.desc):
		return st.byUpdated, fieldUpdatedAt, first.desc, true
	}
	return nil, "", false, false
}

func (q *searchQuery) offset() int {
	if q.page-1 > math.MaxInt/q.size {
		return math.MaxInt
	}
	return (q.page - 1) * q.size
}

// walk pages through idx, ordered by key: conditions on key narrow the span
// by binary search, the others are checked contact by contact.
func (q *searchQuery) walk(idx []*contact, key string, desc bool) page {
	lo, hi, residual := q.bounds(idx, key)
	if residual {
		return q.scan(idx[lo:hi], desc)
	}
	return q.window(idx[lo:hi], desc)
}

func (q *searchQuery) bounds(idx []*contact, key string) (lo, hi int, residual bool) {
	lo, hi = 0, len(idx)
	for i := range q.conds {
		cond := &q.conds[i]
		if cond.ids != nil || cond.field != key {
			residual = true
			continue
		}
		from, to := cond.span(idx)
		lo, hi = max(lo, from), min(hi, to)
	}
	return lo, max(lo, hi), residual
}

// span is the part of idx, ordered by the condition's field, where the
// condition holds.
func (cond *condition) span(idx []*contact) (from, to int) {
	atLeast := sort.Search(len(idx), func(i int) bool { return cond.compareKey(idx[i]) >= 0 })
	above := sort.Search(len(idx), func(i int) bool { return cond.compareKey(idx[i]) > 0 })
	switch cond.op {
	case opEquals:
		return atLeast, above
	case opGreater:
		return above, len(idx)
	case opGreaterEqual:
		return atLeast, len(idx)
	case opLess:
		return 0, atLeast
	}
	return 0, above
}

// window takes the page out of span, every contact of which matches. The
// page is copied: span belongs to the store.
func (q *searchQuery) window(span []*contact, desc bool) page {
	out := page{total: len(span)}
	off := q.offset()
	if off >= len(span) {
		return out
	}
	out.entries = make([]*contact, min(q.size, len(span)-off))
	for i := range out.entries {
		j := off + i
		if desc {
			j = len(span) - 1 - j
		}
		out.entries[i] = span[j]
	}
	return out
}

// scan checks every contact of span, stopping after the page unless the
// count is wanted.
func (q *searchQuery) scan(span []*contact, desc bool) page {
	var out page
	off := q.offset()
	for i := range span {
		c := span[i]
		if desc {
			c = span[len(span)-1-i]
		}
		if !q.matches(c) {
			continue
		}
		if out.total >= off && len(out.entries) < q.size {
			out.entries = append(out.entries, c)
		}
		out.total++
		if len(out.entries) == q.size && !q.withCount {
			break
		}
	}
	return out
}

func (q *searchQuery) matches(c *contact) bool {
	var vals map[string]json.RawMessage
	values := func() map[string]json.RawMessage {
		if vals == nil {
			vals = c.values()
		}
		return vals
	}
	for i := range q.conds {
		if !q.conds[i].holds(c, values) {
			return false
		}
	}
	return true
}

// sortedPage filters and sorts candidates for searches the kept orders do
// not serve.
func (q *searchQuery) sortedPage(candidates []*contact) page {
	var matched []*contact
	for _, c := range candidates {
		if q.matches(c) {
			matched = append(matched, c)
		}
	}
	q.sortContacts(matched)
	return q.window(matched, false)
}

func (q *searchQuery) sortContacts(cs []*contact) {
	texts := q.sortTexts(cs)
	slices.SortFunc(cs, func(a, b *contact) int {
		for i, k := range q.sorts {
			c := compareBy(k.field, a, b, texts[a], texts[b], i)
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return strings.Compare(a.id, b.id)
	})
}

// sortTexts decodes, once per contact, the first value of each sorted entity
// field; nil when only id and times are sorted on.
func (q *searchQuery) sortTexts(cs []*contact) map[*contact][]string {
	if !slices.ContainsFunc(q.sorts, func(k sortKey) bool { return k.field != fieldID && !isTimeField(k.field) }) {
		return nil
	}
	out := make(map[*contact][]string, len(cs))
	for _, c := range cs {
		vals := c.values()
		texts := make([]string, len(q.sorts))
		for i, k := range q.sorts {
			if t := valueTexts(vals[k.field]); len(t) > 0 {
				texts[i] = t[0]
			}
		}
		out[c] = texts
	}
	return out
}

func compareBy(field string, a, b *contact, textsA, textsB []string, i int) int {
	switch field {
	case fieldID:
		return strings.Compare(a.id, b.id)
	case fieldCreatedAt:
		return cmp.Compare(a.createdAt, b.createdAt)
	case fieldUpdatedAt:
		return cmp.Compare(a.updatedAt, b.updatedAt)
	}
	return compareText(textsA[i], textsB[i])
}
