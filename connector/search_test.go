package connector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

func TestSearchSendsTheContractsRequest(t *testing.T) {
	var gotQuery string
	var gotBody map[string]any
	crm := newTestCRM().handle("POST "+searchRouteFor("contacts"), func(w http.ResponseWriter, r *http.Request) {
		gotQuery, gotBody = r.URL.RawQuery, nil
		if err := json.NewDecoder(r.Body).Decode(&gotBody); err != nil {
			t.Errorf("request body: %v", err)
		}
		reply(200, `{"entries":[],"totalCount":0,"page":3,"size":100}`)(w, r)
	})
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	q := Query{
		Conditions: []Condition{{Type: CondFieldValue, Field: FieldUpdatedAt, Operator: OpGreaterEqual, Value: "1731600000000"}},
		Sorts:      []Sort{{Field: FieldUpdatedAt, Order: OrderAsc}, {Field: FieldID, Order: OrderAsc}},
		Fetch:      []string{FieldID},
		WithCount:  true,
	}
	p, err := c.Search(context.Background(), "contacts", q, 3, 100)
	if err != nil {
		t.Fatal(err)
	}
	if gotQuery != "page=3&size=100&withCount=true" {
		t.Errorf("query = %q", gotQuery)
	}
	want := map[string]any{
		"target": "ENTITY", "distinct": true,
		"conditions": []any{map[string]any{"type": "HASFIELDWITHVALUE", "field": "_metadata.updatedAt", "operator": "GREATER_EQUAL", "value": "1731600000000"}},
		"sorts":      []any{map[string]any{"field": "_metadata.updatedAt", "order": "ASC"}, map[string]any{"field": "id", "order": "ASC"}},
		"fetch":      []any{"id"},
	}
	if !reflect.DeepEqual(gotBody, want) {
		t.Errorf("body = %v\nwant %v", gotBody, want)
	}
	if p.TotalCount != 0 || p.Page != 3 || p.Size != 100 || p.Returned != 0 {
		t.Errorf("page = %+v", p)
	}

	if _, err := c.Search(context.Background(), "contacts", Query{Conditions: []Condition{{Type: CondEntityID, Values: []string{"a", "b"}}}}, 1, 10); err != nil {
		t.Fatal(err)
	}
	want = map[string]any{"target": "ENTITY", "distinct": true, "conditions": []any{map[string]any{"type": "ENTITYID", "values": []any{"a", "b"}}}}
	if gotQuery != "page=1&size=10" || !reflect.DeepEqual(gotBody, want) {
		t.Errorf("id query = %q, body = %v", gotQuery, gotBody)
	}
}

func TestSearchSetsMalformedEntriesAside(t *testing.T) {
	entries := []string{
		entityJSON("c-1"),
		`{"_metadata":{"id":"c-2","updatedAt":5},"firstName":{"values":["Ute"]}}`,
		`{"id":"c-3","firstName":"Jürgen"}`,
		"{\"id\":\"c-4\",\"lastName\":{\"values\":[\"M\xfcller\"]}}",
		`{"id":5,"firstName":{"values":[]}}`,
		`null`,
		`{"id":"c-7","_metadata":{"updatedAt":"yesterday"}}`,
		`{"id":"c-8","emails":{"values":[{"value":"a@example.de"}]},"unknownField":{"values":[1,2]}}`,
		`{"id":"c-9","big":{"values":["` + strings.Repeat("x", 1<<20) + `"]}}`,
		`{"id":"c-10","_metadata":{"id":"c-10","updatedAt":1731600000000},"lastName":[1]}`,
		"{\"id\":\"c-\xff\",\"_metadata\":{\"updatedAt\":7}}",
	}
	body := `{"entries":[` + strings.Join(entries, ",") + `],"page":1,"size":20}`
	crm := newTestCRM().handle("POST "+searchRouteFor("contacts"), reply(200, body))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)

	p, err := c.Search(context.Background(), "contacts", Query{}, 1, 20)
	if err != nil {
		t.Fatalf("a page with malformed entries failed: %v", err)
	}
	var ids []string
	for _, e := range p.Entries {
		ids = append(ids, e.ID)
	}
	if want := []string{"c-1", "c-8", "c-9"}; !reflect.DeepEqual(ids, want) {
		t.Errorf("entries = %v, want %v", ids, want)
	}
	wantMalformed := []struct {
		id        string
		updatedAt int64
		err       string
	}{
		{"c-2", 5, "entity has no id"},
		{"c-3", 0, "field firstName"},
		{"c-4", 0, "not valid UTF-8"},
		{"", 0, "field id: want a string"},
		{"", 0, "entity has no id"},
		{"c-7", 0, "field _metadata"},
		{"c-10", 1731600000000, "field lastName"},
		{"c-\uFFFD", 7, "not valid UTF-8"},
	}
	if len(p.Malformed) != len(wantMalformed) {
		t.Fatalf("malformed = %v, want %d", p.Malformed, len(wantMalformed))
	}
	for i, w := range wantMalformed {
		m := p.Malformed[i]
		if m.ID != w.id || m.UpdatedAt != w.updatedAt || m.Err == nil || !strings.Contains(m.Err.Error(), w.err) {
			t.Errorf("malformed[%d] = {%q, %d, %v}, want {%q, %d, …%s…}", i, m.ID, m.UpdatedAt, m.Err, w.id, w.updatedAt, w.err)
		}
	}
	if p.Returned != len(entries) || p.TotalCount != -1 {
		t.Errorf("returned = %d, total = %d; want %d and -1 (not sent)", p.Returned, p.TotalCount, len(entries))
	}
	if got := p.Entries[1].Fields["unknownField"]; len(got) != 2 {
		t.Errorf("unknown field not kept: %v", got)
	}
	if c.Stats().Retries != 0 {
		t.Error("malformed entries caused a retry")
	}
}

func TestSearchEnvelopeOfWrongShapeIsPermanent(t *testing.T) {
	crm := newTestCRM().handle("POST "+searchRouteFor("contacts"), reply(200, `{"entries":{"id":"c-1"}}`))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	_, err := c.Search(context.Background(), "contacts", Query{}, 1, 10)
	if !errors.Is(err, ErrPermanent) || c.Stats().Retries != 0 {
		t.Errorf("err = %v after %d retries, want ErrPermanent at once", err, c.Stats().Retries)
	}
}

func TestResponseBodyIsCapped(t *testing.T) {
	big := `{"entries":[` + entityJSON("c-1") + `],"pad":"` + strings.Repeat("x", 4096) + `"}`
	crm := newTestCRM().handle("POST "+searchRouteFor("contacts"), reply(200, big))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL, func(cfg *Config) { cfg.MaxResponseBytes = 1024 })
	_, err := c.Search(context.Background(), "contacts", Query{}, 1, 10)
	if !errors.Is(err, ErrPermanent) || !strings.Contains(err.Error(), "answer larger than 1024 bytes") {
		t.Errorf("err = %v, want ErrPermanent about the size", err)
	}
}

// pagedCRM serves total contacts c-0001… in pages, like the contract.
func pagedCRM(total int, withCount bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		size, _ := strconv.Atoi(r.URL.Query().Get("size"))
		var entries []string
		for i := (page-1)*size + 1; i <= min(page*size, total); i++ {
			entries = append(entries, entityJSON(fmt.Sprintf("c-%04d", i)))
		}
		count := ""
		if withCount {
			count = fmt.Sprintf(`"totalCount":%d,`, total)
		}
		reply(200, fmt.Sprintf(`{"entries":[%s],%s"page":%d,"size":%d}`, strings.Join(entries, ","), count, page, size))(w, r)
	}
}

func TestPagesWalksAllPages(t *testing.T) {
	tests := []struct {
		name      string
		total     int
		withCount bool
		wantCalls int
	}{
		{"short last page", 25, false, 3},
		{"exact multiple, no count: one empty page more", 30, false, 4},
		{"exact multiple with count stops at the count", 30, true, 3},
		{"nothing at all", 0, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			crm := newTestCRM().handle("POST "+searchRouteFor("contacts"), pagedCRM(tt.total, tt.withCount))
			srv := crm.start(t)
			c, _ := newTestClient(t, srv.URL)
			seen := map[string]bool{}
			for p, err := range c.Pages(context.Background(), "contacts", Query{WithCount: tt.withCount}, 10) {
				if err != nil {
					t.Fatal(err)
				}
				for _, e := range p.Entries {
					seen[e.ID] = true
				}
			}
			if len(seen) != tt.total {
				t.Errorf("saw %d contacts, want %d", len(seen), tt.total)
			}
			if got := crm.count("POST " + searchRouteFor("contacts")); got != tt.wantCalls {
				t.Errorf("search calls = %d, want %d", got, tt.wantCalls)
			}
		})
	}
}

func TestPagesStopsAtTheFirstError(t *testing.T) {
	crm := newTestCRM().handle("POST "+searchRouteFor("contacts"), sequence(pagedCRM(100, false), crmError(400, "bad sort")))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	var pages, errs int
	for p, err := range c.Pages(context.Background(), "contacts", Query{}, 10) {
		if err != nil {
			errs++
			if !errors.Is(err, ErrPermanent) {
				t.Errorf("err = %v", err)
			}
			continue
		}
		if len(p.Entries) != 10 {
			t.Errorf("page has %d entries", len(p.Entries))
		}
		pages++
	}
	if pages != 1 || errs != 1 {
		t.Errorf("pages = %d, errors = %d; want 1 and 1", pages, errs)
	}
}
