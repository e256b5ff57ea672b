package sync

import (
	"strconv"

	"github.com/consentd/consentd/connector"
)

// cursor is a position in the CRM's (updatedAt, id) order. Offset paging is
// not stable while brokers edit contacts, so every page is asked for afresh
// from the cursor instead of by page number.
type cursor struct {
	UpdatedAtMS int64
	ID          string
}

func (c cursor) after(o cursor) bool {
	if c.UpdatedAtMS != o.UpdatedAtMS {
		return c.UpdatedAtMS > o.UpdatedAtMS
	}
	return c.ID > o.ID
}

var changeOrder = []connector.Sort{
	{Field: connector.FieldUpdatedAt, Order: connector.OrderAsc},
	{Field: connector.FieldID, Order: connector.OrderAsc},
}

// query asks for contacts from c on. Entries at c itself and before it in the
// same millisecond come back too and are dropped by the caller; tie drains
// the millisecond of c alone, for when more contacts share it than fit a page.
func (c cursor) query(fetch []string, tie bool) connector.Query {
	q := connector.Query{Sorts: changeOrder, Fetch: fetch}
	ts := strconv.FormatInt(c.UpdatedAtMS, 10)
	switch {
	case tie:
		q.Conditions = []connector.Condition{
			{Type: connector.CondFieldValue, Field: connector.FieldUpdatedAt, Operator: connector.OpEquals, Value: ts},
			{Type: connector.CondFieldValue, Field: connector.FieldID, Operator: connector.OpGreater, Value: c.ID},
		}
	case c.UpdatedAtMS > 0:
		q.Conditions = []connector.Condition{
			{Type: connector.CondFieldValue, Field: connector.FieldUpdatedAt, Operator: connector.OpGreaterEqual, Value: ts},
		}
	}
	return q
}

// nextAfterTie continues behind a drained millisecond.
func (c cursor) nextAfterTie() cursor {
	return cursor{UpdatedAtMS: c.UpdatedAtMS + 1}
}
