package mockcrm_test

import (
	"cmp"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/consentd/consentd/mockcrm"
)

func cond(field, op, value string) map[string]any {
	return map[string]any{"type": "HASFIELDWITHVALUE", "field": field, "operator": op, "value": value}
}

func sortBy(pairs ...string) []map[string]any {
	var out []map[string]any
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, map[string]any{"field": pairs[i], "order": pairs[i+1]})
	}
	return out
}

func TestSearchConditionsAndSorts(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 400, Seed: 11})
	ref := all(t, srv)
	byUpdated := func(a, b entity) int {
		return cmp.Or(cmp.Compare(a.Metadata.UpdatedAt, b.Metadata.UpdatedAt), strings.Compare(a.ID, b.ID))
	}
	mid := slices.SortedFunc(slices.Values(ref), byUpdated)[200].Metadata
	lastName := ref[7].texts(t, "lastName")
	if len(lastName) == 0 {
		t.Fatal("seed 11 should give contact 7 a last name")
	}
	tests := []struct {
		name  string
		body  map[string]any
		keep  func(entity) bool
		order func(a, b entity) int
	}{
		{"changed since", changedSince(mid.UpdatedAt), func(e entity) bool { return e.Metadata.UpdatedAt >= mid.UpdatedAt }, byUpdated},
		{"GREATER", body(cond("_metadata.updatedAt", "GREATER", fmt.Sprint(mid.UpdatedAt))), func(e entity) bool { return e.Metadata.UpdatedAt > mid.UpdatedAt }, byUpdated},
		{"LESS", body(cond("_metadata.updatedAt", "LESS", fmt.Sprint(mid.UpdatedAt))), func(e entity) bool { return e.Metadata.UpdatedAt < mid.UpdatedAt }, byUpdated},
		{"LESS_EQUAL", body(cond("_metadata.updatedAt", "LESS_EQUAL", fmt.Sprint(mid.UpdatedAt))), func(e entity) bool { return e.Metadata.UpdatedAt <= mid.UpdatedAt }, byUpdated},
		{"EQUALS time", body(cond("_metadata.updatedAt", "EQUALS", fmt.Sprint(mid.UpdatedAt))), func(e entity) bool { return e.Metadata.UpdatedAt == mid.UpdatedAt }, byUpdated},
		{"createdAt range", body(cond("_metadata.createdAt", "GREATER_EQUAL", fmt.Sprint(mid.CreatedAt)), cond("_metadata.createdAt", "LESS", fmt.Sprint(mid.UpdatedAt))),
			func(e entity) bool {
				return e.Metadata.CreatedAt >= mid.CreatedAt && e.Metadata.CreatedAt < mid.UpdatedAt
			}, byUpdated},
		{"id range by id DESC", withSorts(body(cond("id", "GREATER", ref[100].ID)), sortBy("id", "DESC")),
			func(e entity) bool { return e.ID > ref[100].ID }, func(a, b entity) int { return strings.Compare(b.ID, a.ID) }},
		{"last name", body(cond("lastName", "EQUALS", lastName[0])), func(e entity) bool { return slices.Contains(e.texts(t, "lastName"), lastName[0]) }, byUpdated},
		{"city of any address", body(cond("addresses", "EQUALS", "Görlitz")), func(e entity) bool { return strings.Contains(string(e.Fields["addresses"]), `"city":"Görlitz"`) }, byUpdated},
		{"time and field", body(cond("_metadata.updatedAt", "GREATER_EQUAL", fmt.Sprint(mid.UpdatedAt)), cond("salutation", "EQUALS", "Frau")),
			func(e entity) bool {
				return e.Metadata.UpdatedAt >= mid.UpdatedAt && slices.Equal(e.texts(t, "salutation"), []string{"Frau"})
			}, byUpdated},
		{"ENTITYID", body(map[string]any{"type": "ENTITYID", "values": []string{ref[3].ID, ref[9].ID, "missing", ref[3].ID}}),
			func(e entity) bool { return e.ID == ref[3].ID || e.ID == ref[9].ID }, byUpdated},
		{"updatedAt DESC", withSorts(body(), sortBy("_metadata.updatedAt", "DESC", "id", "DESC")), func(entity) bool { return true },
			func(a, b entity) int { return byUpdated(b, a) }},
		{"last name then id", withSorts(body(), sortBy("lastName", "ASC")), func(entity) bool { return true },
			func(a, b entity) int {
				return cmp.Or(strings.Compare(first(t, a, "lastName"), first(t, b, "lastName")), strings.Compare(a.ID, b.ID))
			}},
		{"createdAt DESC", withSorts(body(), sortBy("_metadata.createdAt", "DESC")), func(entity) bool { return true },
			func(a, b entity) int {
				return cmp.Or(cmp.Compare(b.Metadata.CreatedAt, a.Metadata.CreatedAt), strings.Compare(a.ID, b.ID))
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var want []entity
			for _, e := range ref {
				if tt.keep(e) {
					want = append(want, e)
				}
			}
			if len(want) == 0 {
				t.Fatal("no contact matches; the case tests nothing with this seed")
			}
			slices.SortFunc(want, tt.order)
			got := c.search("?size=500&withCount=true", tt.body)
			if !slices.Equal(ids(got.Entries), ids(want)) {
				t.Errorf("got %d entries %v…, want %d %v…", len(got.Entries), head(ids(got.Entries)), len(want), head(ids(want)))
			}
			if got.TotalCount == nil || *got.TotalCount != len(want) {
				t.Errorf("totalCount %v, want %d", got.TotalCount, len(want))
			}
		})
	}
}

func body(conds ...map[string]any) map[string]any {
	return map[string]any{"target": "ENTITY", "conditions": conds}
}

func withSorts(b map[string]any, sorts []map[string]any) map[string]any {
	b["sorts"] = sorts
	return b
}

func first(t *testing.T, e entity, field string) string {
	if v := e.texts(t, field); len(v) > 0 {
		return v[0]
	}
	return ""
}

func head(s []string) []string { return s[:min(3, len(s))] }

func TestSearchPaging(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 53, Seed: 12})
	whole := ids(c.search("?size=500", changedSince(0)).Entries)
	var paged []string
	for page := 1; ; page++ {
		res := c.search(fmt.Sprintf("?page=%d&size=7", page), changedSince(0))
		if res.Page != page || res.Size != 7 || res.TotalCount != nil {
			t.Fatalf("page %d: page %d size %d totalCount %v: want the request's page and size and no count", page, res.Page, res.Size, res.TotalCount)
		}
		if len(res.Entries) == 0 {
			break
		}
		paged = append(paged, ids(res.Entries)...)
	}
	if !slices.Equal(paged, whole) || len(whole) != len(srv.ContactIDs()) {
		t.Errorf("pages of 7 give %d ids, one page %d, contacts %d; want all equal and in the same order", len(paged), len(whole), len(srv.ContactIDs()))
	}
	if def := c.search("", changedSince(0)); len(def.Entries) != 50 || def.Size != 50 || def.Page != 1 {
		t.Errorf("default paging: %d entries, size %d, page %d; want 50, 50, 1", len(def.Entries), def.Size, def.Page)
	}
}

func TestSearchFetch(t *testing.T) {
	_, c := start(t, mockcrm.Options{Contacts: 20, Seed: 13})
	tests := []struct {
		fetch []string
		keys  []string
	}{
		{[]string{"id"}, []string{"_metadata", "id"}},
		{[]string{"id", "firstName", "einwilligung_datum"}, []string{"_metadata", "einwilligung_datum", "firstName", "id"}},
		{[]string{"lastName"}, []string{"_metadata", "id", "lastName"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.fetch, ","), func(t *testing.T) {
			b := changedSince(0)
			b["fetch"] = tt.fetch
			for _, e := range c.search("?size=500", b).Entries {
				keys := slices.Sorted(maps.Keys(e.Fields))
				// a contact created before the consent fields existed lacks them
				if !slices.Equal(keys, tt.keys) && !slices.Equal(keys, slices.DeleteFunc(slices.Clone(tt.keys), func(k string) bool { return strings.HasPrefix(k, "einwilligung") })) {
					t.Fatalf("entry %s has keys %v, want %v", e.ID, keys, tt.keys)
				}
				if e.Metadata.UpdatedAt == 0 || e.Metadata.ID != e.ID {
					t.Fatalf("entry %s lacks its metadata", e.ID)
				}
			}
		})
	}
}

func TestSearchRefusesBadRequests(t *testing.T) {
	_, c := start(t, mockcrm.Options{Contacts: 5, Seed: 14})
	ok := changedSince(0)
	tests := []struct {
		name  string
		query string
		body  any
		want  int
	}{
		{"size 0", "?size=0", ok, http.StatusBadRequest},
		{"size 501", "?size=501", ok, http.StatusBadRequest},
		{"size 500", "?size=500", ok, http.StatusOK},
		{"size not a number", "?size=viele", ok, http.StatusBadRequest},
		{"page 0", "?page=0", ok, http.StatusBadRequest},
		{"page beyond the end", "?page=99999999999", ok, http.StatusOK},
		{"withCount not a bool", "?withCount=ja", ok, http.StatusBadRequest},
		{"unknown field", "", body(cond("shoeSize", "EQUALS", "44")), http.StatusBadRequest},
		{"unknown operator", "", body(cond("lastName", "LIKE", "M%")), http.StatusBadRequest},
		{"no operator", "", body(map[string]any{"type": "HASFIELDWITHVALUE", "field": "lastName", "value": "Müller"}), http.StatusBadRequest},
		{"time not a number", "", body(cond("_metadata.updatedAt", "GREATER", "gestern")), http.StatusBadRequest},
		{"value as number", "", body(map[string]any{"type": "HASFIELDWITHVALUE", "field": "_metadata.updatedAt", "operator": "GREATER", "value": 5}), http.StatusBadRequest},
		{"unknown condition type", "", body(map[string]any{"type": "FULLTEXT", "value": "x"}), http.StatusBadRequest},
		{"unknown sort field", "", withSorts(body(), sortBy("shoeSize", "ASC")), http.StatusBadRequest},
		{"bad sort order", "", withSorts(body(), sortBy("id", "UP")), http.StatusBadRequest},
		{"unknown fetch field", "", map[string]any{"fetch": []string{"shoeSize"}}, http.StatusBadRequest},
		{"unknown key", "", map[string]any{"offset": 5}, http.StatusBadRequest},
		{"other target", "", map[string]any{"target": "COUNT"}, http.StatusBadRequest},
		{"not JSON", "", "{", http.StatusBadRequest},
		{"empty body", "", "", http.StatusBadRequest},
		{"empty object", "", "{}", http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do(http.MethodPost, searchPath+tt.query, tt.body).want(t, tt.want)
			if tt.want == http.StatusOK && tt.name == "page beyond the end" {
				var r searchResult
				res.decode(t, &r)
				if len(r.Entries) != 0 {
					t.Errorf("page beyond the end has %d entries", len(r.Entries))
				}
			}
		})
	}
	c.do(http.MethodPost, "/search-service/stable/schemas/estates", ok).want(t, http.StatusNotFound)
}

// TestOffsetPagingIsNotStable shows what crm-api.md warns about: a contact
// changed while a client pages moves to the end, the ones behind it move up,
// and the client that fetches page 2 by offset misses one.
func TestOffsetPagingIsNotStable(t *testing.T) {
	clk := newClock()
	srv, c := start(t, mockcrm.Options{Contacts: 30, Seed: 15, Now: clk.Now})
	before := ids(c.search("?size=30", changedSince(0)).Entries)
	page1 := ids(c.search("?page=1&size=10", changedSince(0)).Entries)
	if !srv.UpdateContact(page1[3], map[string]any{"title": "Prof. Dr."}) {
		t.Fatal("UpdateContact failed")
	}
	page2 := ids(c.search("?page=2&size=10", changedSince(0)).Entries)
	if page2[0] != before[11] {
		t.Errorf("page 2 starts with %s, want the former 12th contact %s", page2[0], before[11])
	}
	if seen := append(slices.Clone(page1), page2...); slices.Contains(seen, before[10]) {
		t.Errorf("the former 11th contact was not skipped; offset paging looked stable")
	}
	after := ids(c.search("?size=30", changedSince(0)).Entries)
	if after[29] != page1[3] {
		t.Errorf("the changed contact is at %d, want it last", slices.Index(after, page1[3]))
	}
}
