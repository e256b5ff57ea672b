package mockcrm

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Search paging limits.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Fields a search can name besides the schema fields.
const (
	fieldID        = "id"
	fieldCreatedAt = "_metadata.createdAt"
	fieldUpdatedAt = "_metadata.updatedAt"
)

// Condition operators.
const (
	opEquals       = "EQUALS"
	opGreater      = "GREATER"
	opGreaterEqual = "GREATER_EQUAL"
	opLess         = "LESS"
	opLessEqual    = "LESS_EQUAL"
)

type searchBody struct {
	Target     string          `json:"target"`
	Distinct   *bool           `json:"distinct"` // accepted; results are always distinct
	Conditions []conditionBody `json:"conditions"`
	Sorts      []sortBody      `json:"sorts"`
	Fetch      []string        `json:"fetch"`
}

type conditionBody struct {
	Type     string   `json:"type"`
	Field    string   `json:"field"`
	Operator string   `json:"operator"`
	Value    string   `json:"value"`
	Values   []string `json:"values"`
}

type sortBody struct {
	Field string `json:"field"`
	Order string `json:"order"`
}

// searchQuery is a parsed, checked search.
type searchQuery struct {
	conds     []condition
	sorts     []sortKey
	fetch     []string // nil: every field; empty: id and _metadata only
	page      int
	size      int
	withCount bool
}

// condition is one ANDed condition: ids != nil selects by id, otherwise
// field op value.
type condition struct {
	ids   map[string]bool
	list  []string // the ids in request order
	field string
	op    string
	text  string
	num   int64 // value of a _metadata condition
}

type sortKey struct {
	field string
	desc  bool
}

func (s *Server) handleSearch(r *http.Request) (reply, error) {
	if err := checkSchema(r); err != nil {
		return reply{}, err
	}
	q, err := parseSearch(r)
	if err != nil {
		return reply{}, err
	}
	found := s.data.search(q)
	return reply{status: http.StatusOK, ctype: contentJSON, body: q.encode(found)}, nil
}

func parseSearch(r *http.Request) (*searchQuery, error) {
	q, err := parsePaging(r.URL.Query())
	if err != nil {
		return nil, err
	}
	var body searchBody
	if err := decodeBody(r, &body); err != nil {
		return nil, err
	}
	if body.Target != "" && body.Target != "ENTITY" {
		return nil, errorf(http.StatusBadRequest, "target %q is not supported; use \"ENTITY\"", body.Target)
	}
	if q.conds, err = parseConditions(body.Conditions); err != nil {
		return nil, err
	}
	if q.sorts, err = parseSorts(body.Sorts); err != nil {
		return nil, err
	}
	q.fetch, err = parseFetch(body.Fetch)
	return q, err
}

func parsePaging(v url.Values) (*searchQuery, error) {
	q := &searchQuery{page: 1, size: DefaultPageSize}
	var err error
	if p := v.Get("page"); p != "" {
		if q.page, err = strconv.Atoi(p); err != nil || q.page < 1 {
			return nil, errorf(http.StatusBadRequest, "page %q: want a whole number from 1", p)
		}
	}
	if sz := v.Get("size"); sz != "" {
		if q.size, err = strconv.Atoi(sz); err != nil || q.size < 1 || q.size > MaxPageSize {
			return nil, errorf(http.StatusBadRequest, "size %q: want a whole number from 1 to %d", sz, MaxPageSize)
		}
	}
	if wc := v.Get("withCount"); wc != "" {
		if q.withCount, err = strconv.ParseBool(wc); err != nil {
			return nil, errorf(http.StatusBadRequest, "withCount %q: want true or false", wc)
		}
	}
	return q, nil
}

func parseConditions(in []conditionBody) ([]condition, error) {
	out := make([]condition, 0, len(in))
	for i, cb := range in {
		c, err := parseCondition(cb)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "condition %d: %v", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func parseCondition(cb conditionBody) (condition, error) {
	switch cb.Type {
	case "ENTITYID":
		ids := make(map[string]bool, len(cb.Values))
		for _, id := range cb.Values {
			ids[id] = true
		}
		return condition{ids: ids, list: cb.Values}, nil
	case "HASFIELDWITHVALUE":
		return parseFieldCondition(cb)
	}
	return condition{}, fmt.Errorf("type %q is not supported; use HASFIELDWITHVALUE or ENTITYID", cb.Type)
}

func parseFieldCondition(cb conditionBody) (condition, error) {
	c := condition{field: cb.Field, op: cb.Operator, text: cb.Value}
	switch {
	case !searchable(cb.Field):
		return c, fmt.Errorf("unknown field %q", cb.Field)
	case !validOperator(cb.Operator):
		return c, fmt.Errorf("operator %q: want EQUALS, GREATER, GREATER_EQUAL, LESS or LESS_EQUAL", cb.Operator)
	case cb.Value == "":
		return c, fmt.Errorf("value is missing")
	case isTimeField(cb.Field):
		n, err := strconv.ParseInt(cb.Value, 10, 64)
		if err != nil {
			return c, fmt.Errorf("value %q of %s: want epoch milliseconds as a string", cb.Value, cb.Field)
		}
		c.num = n
	}
	return c, nil
}

func searchable(field string) bool {
	_, ok := fieldType(field)
	return ok || field == fieldID || isTimeField(field)
}

func isTimeField(field string) bool { return field == fieldCreatedAt || field == fieldUpdatedAt }

func validOperator(op string) bool {
	switch op {
	case opEquals, opGreater, opGreaterEqual, opLess, opLessEqual:
		return true
	}
	return false
}

// parseSorts reads the sort keys; without any, results come in the order of
// change queries, oldest change first.
func parseSorts(in []sortBody) ([]sortKey, error) {
	if len(in) == 0 {
		return []sortKey{{field: fieldUpdatedAt}}, nil
	}
	out := make([]sortKey, 0, len(in))
	for i, sb := range in {
		if !searchable(sb.Field) {
			return nil, errorf(http.StatusBadRequest, "sort %d: unknown field %q", i+1, sb.Field)
		}
		if sb.Order != "ASC" && sb.Order != "DESC" {
			return nil, errorf(http.StatusBadRequest, "sort %d: order %q: want ASC or DESC", i+1, sb.Order)
		}
		out = append(out, sortKey{field: sb.Field, desc: sb.Order == "DESC"})
	}
	return out, nil
}

func parseFetch(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	out := []string{}
	for _, f := range in {
		if isMetaKey(f) {
			continue
		}
		if _, ok := fieldType(f); !ok {
			return nil, errorf(http.StatusBadRequest, "fetch: unknown field %q", f)
		}
		out = append(out, f)
	}
	return out, nil
}

// holds reports whether c meets the condition; an entity field meets it
// when any of its values does.
func (cond *condition) holds(c *contact, values func() map[string]json.RawMessage) bool {
	switch {
	case cond.ids != nil:
		return cond.ids[c.id]
	case cond.field == fieldID || isTimeField(cond.field):
		return satisfies(cond.op, cond.compareKey(c))
	}
	for _, v := range valueTexts(values()[cond.field]) {
		if satisfies(cond.op, compareText(v, cond.text)) {
			return true
		}
	}
	return false
}

// compareKey compares c's id or time with the condition's value.
func (cond *condition) compareKey(c *contact) int {
	switch cond.field {
	case fieldCreatedAt:
		return cmp.Compare(c.createdAt, cond.num)
	case fieldUpdatedAt:
		return cmp.Compare(c.updatedAt, cond.num)
	}
	return strings.Compare(c.id, cond.text)
}

func satisfies(op string, c int) bool {
	switch op {
	case opEquals:
		return c == 0
	case opGreater:
		return c > 0
	case opGreaterEqual:
		return c >= 0
	case opLess:
		return c < 0
	}
	return c <= 0
}

// compareText compares numerically when both sides are numbers, else as text.
func compareText(a, b string) int {
	x, errA := strconv.ParseFloat(a, 64)
	y, errB := strconv.ParseFloat(b, 64)
	if errA == nil && errB == nil {
		return cmp.Compare(x, y)
	}
	return strings.Compare(a, b)
}

// valueTexts lists the texts a values array holds: strings, numbers and
// booleans as written, and every text member of an object (an e-mail's value,
// an address's city, zipcode, …).
func valueTexts(values json.RawMessage) []string {
	dec := json.NewDecoder(bytes.NewReader(values))
	dec.UseNumber()
	var items []any
	if dec.Decode(&items) != nil {
		return nil
	}
	var out []string
	for _, it := range items {
		out = appendTexts(out, it)
	}
	return out
}

func appendTexts(out []string, v any) []string {
	switch x := v.(type) {
	case string:
		return append(out, x)
	case json.Number:
		return append(out, x.String())
	case bool:
		return append(out, strconv.FormatBool(x))
	case map[string]any:
		// "value" (of an e-mail or phone) comes first, so it is what a sort
		// on the field compares; the rest follow in key order.
		if s, ok := x["value"].(string); ok {
			out = append(out, s)
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			if s, ok := x[k].(string); ok && k != "value" {
				out = append(out, s)
			}
		}
	}
	return out
}

// encode writes the search answer.
func (q *searchQuery) encode(found page) []byte {
	b := make([]byte, 0, 64+len(found.entries)*1024)
	b = append(b, `{"entries":[`...)
	for i, c := range found.entries {
		if i > 0 {
			b = append(b, ',')
		}
		b = c.appendEntity(b, q.fetch)
	}
	b = append(b, ']')
	if q.withCount {
		b = append(b, `,"totalCount":`...)
		b = strconv.AppendInt(b, int64(found.total), 10)
	}
	b = append(b, `,"page":`...)
	b = strconv.AppendInt(b, int64(q.page), 10)
	b = append(b, `,"size":`...)
	b = strconv.AppendInt(b, int64(q.size), 10)
	return append(b, '}')
}
