package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// Search vocabulary of crm-api.md, for building a Query.
const (
	CondFieldValue = "HASFIELDWITHVALUE" // Field Operator Value
	CondEntityID   = "ENTITYID"          // Values holds the ids

	OpEquals       = "EQUALS"
	OpGreater      = "GREATER"
	OpGreaterEqual = "GREATER_EQUAL"
	OpLess         = "LESS"
	OpLessEqual    = "LESS_EQUAL"

	FieldID        = "id"
	FieldCreatedAt = "_metadata.createdAt"
	FieldUpdatedAt = "_metadata.updatedAt"

	OrderAsc  = "ASC"
	OrderDesc = "DESC"

	// MaxPageSize is the largest page the CRM serves.
	MaxPageSize = 500
)

// Condition is one search condition; conditions of a query are ANDed.
type Condition struct {
	Type     string   `json:"type,omitempty"`
	Field    string   `json:"field,omitempty"`
	Operator string   `json:"operator,omitempty"`
	Value    string   `json:"value,omitempty"`
	Values   []string `json:"values,omitempty"`
}

// Sort orders search results by one field.
type Sort struct {
	Field string `json:"field"`
	Order string `json:"order"`
}

// Query selects and orders entities. Fetch limits the returned fields;
// []string{FieldID} returns ids and metadata only.
type Query struct {
	Conditions []Condition
	Sorts      []Sort
	Fetch      []string
	WithCount  bool // ask for Page.TotalCount
}

type searchBody struct {
	Target     string      `json:"target"`
	Distinct   bool        `json:"distinct"`
	Conditions []Condition `json:"conditions"`
	Sorts      []Sort      `json:"sorts,omitempty"`
	Fetch      []string    `json:"fetch,omitempty"`
}

// Page is one page of search results. Entries that could not be decoded are
// in Malformed; they do not fail the page.
type Page struct {
	Entries    []Entity
	Malformed  []Malformed
	Returned   int   // entries the CRM returned, well-formed or not
	TotalCount int64 // -1 when the CRM did not send it
	Page, Size int
}

// Malformed is an entry that could not be decoded. ID is empty when even
// the id could not be read, UpdatedAt (epoch ms) is 0 when its change time
// could not; with both a change-ordered walk can move past the entry.
type Malformed struct {
	ID        string
	UpdatedAt int64
	Err       error
}

// Search returns page (from 1) of the entities of schema matching q, size
// (1 to MaxPageSize) entries per page.
func (c *Client) Search(ctx context.Context, schema string, q Query, page, size int) (*Page, error) {
	if page < 1 || size < 1 || size > MaxPageSize {
		return nil, badInput(http.MethodPost, routeSearch,
			fmt.Errorf("page %d, size %d: want page ≥ 1 and size 1 to %d", page, size, MaxPageSize))
	}
	query := url.Values{"page": {strconv.Itoa(page)}, "size": {strconv.Itoa(size)}}
	if q.WithCount {
		query.Set("withCount", "true")
	}
	conditions := q.Conditions
	if conditions == nil {
		conditions = []Condition{}
	}
	var out *Page
	err := c.do(ctx, &call{
		method: http.MethodPost, template: routeSearch, values: []string{schema}, query: query,
		body:       searchBody{Target: "ENTITY", Distinct: true, Conditions: conditions, Sorts: q.Sorts, Fetch: q.Fetch},
		idempotent: true, // a search changes nothing
		decode: func(body []byte) (err error) {
			out, err = decodePage(body, page, size)
			return err
		},
	})
	return out, err
}

// Pages walks a search from page 1 until a short or empty page. Offset
// paging is not stable while the CRM changes, so use it for result sets
// that do not move (e.g. fixed ids, or a consistent snapshot); follow
// changes with conditions on (FieldUpdatedAt, FieldID) instead.
func (c *Client) Pages(ctx context.Context, schema string, q Query, size int) iter.Seq2[*Page, error] {
	return func(yield func(*Page, error) bool) {
		for n := 1; ; n++ {
			p, err := c.Search(ctx, schema, q, n, size)
			if err != nil {
				yield(nil, err)
				return
			}
			if !yield(p, nil) || lastPage(p, n, size) {
				return
			}
		}
	}
}

func lastPage(p *Page, n, size int) bool {
	return p.Returned < size || (p.TotalCount >= 0 && int64(n)*int64(size) >= p.TotalCount)
}

type searchResult struct {
	Entries    []json.RawMessage `json:"entries"`
	TotalCount *int64            `json:"totalCount"`
	Page       int               `json:"page"`
	Size       int               `json:"size"`
}

// decodePage decodes the page envelope strictly (a broken one is retried)
// and each entry on its own, so one bad contact cannot sink its page.
func decodePage(body []byte, page, size int) (*Page, error) {
	var res searchResult
	if err := decodeJSON(body, &res); err != nil {
		return nil, err
	}
	out := &Page{Returned: len(res.Entries), TotalCount: -1, Page: page, Size: size}
	if res.TotalCount != nil {
		out.TotalCount = *res.TotalCount
	}
	out.Page, out.Size = orDefault(res.Page, page), orDefault(res.Size, size)
	out.Entries = make([]Entity, 0, len(res.Entries))
	for _, raw := range res.Entries {
		e, err := decodeEntry(raw)
		if err != nil {
			out.Malformed = append(out.Malformed, malformed(raw, err))
			continue
		}
		out.Entries = append(out.Entries, e)
	}
	return out, nil
}

var errNoID = errors.New("entity has no id")

func decodeEntry(raw json.RawMessage) (Entity, error) {
	var e Entity
	if err := e.UnmarshalJSON(raw); err != nil {
		return Entity{}, err
	}
	if e.ID == "" {
		return Entity{}, errNoID
	}
	return e, nil
}

// malformed reads what it can of a broken entry's id and change time, for
// the log line that reports it and for walks in change order; the metadata
// id stands in for a missing one.
func malformed(raw json.RawMessage, err error) Malformed {
	var probe struct {
		ID       json.RawMessage `json:"id"`
		Metadata struct {
			ID        json.RawMessage `json:"id"`
			UpdatedAt json.RawMessage `json:"updatedAt"`
		} `json:"_metadata"`
	}
	// Errors are expected here: the entry is known to be broken, and
	// whatever did decode is still worth having.
	_ = json.Unmarshal(raw, &probe)
	m := Malformed{ID: rawString(probe.ID), Err: err}
	if m.ID == "" {
		m.ID = rawString(probe.Metadata.ID)
	}
	if json.Unmarshal(probe.Metadata.UpdatedAt, &m.UpdatedAt) != nil {
		m.UpdatedAt = 0
	}
	return m
}

// rawString is the JSON string in raw, or "". (Unmarshal has already
// replaced invalid UTF-8, so the result is safe to log.)
func rawString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return ""
	}
	return strings.TrimSpace(s)
}

// decodeJSON tells a body that is not JSON at all (cut off, a proxy's page:
// retried) from JSON of the wrong shape (permanent).
func decodeJSON(body []byte, v any) error {
	if !json.Valid(body) {
		return errGarbled
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}
