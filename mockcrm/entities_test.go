package mockcrm_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

func TestGetContact(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 20, Seed: 3})
	id := srv.ContactIDs()[0]
	tests := []struct {
		name string
		path string
		want int
	}{
		{"existing", entityPath + id, http.StatusOK},
		{"unknown id", entityPath + "3f1e9a40-0000-4000-8000-000000000000", http.StatusNotFound},
		{"unknown schema", "/entity-service/stable/schemas/estates/entities/" + id, http.StatusNotFound},
		{"wrong method", "/entity-service/stable/schemas/contacts/entities/" + id + "/x", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do(http.MethodGet, tt.path, nil).want(t, tt.want)
			if tt.want != http.StatusOK {
				return
			}
			var e entity
			res.decode(t, &e)
			want, _ := srv.Contact(id)
			if e.ID != id || e.Metadata.ID != id || e.Metadata.Schema != "contacts" || string(res.body) != string(want) {
				t.Errorf("got %s, want %s", res.body, want)
			}
		})
	}
}

func TestPatchContact(t *testing.T) {
	clk := newClock()
	srv, c := start(t, mockcrm.Options{Contacts: 5, Seed: 4, Now: clk.Now})
	id := srv.ContactIDs()[2]
	tests := []struct {
		name string
		id   string
		body any
		want int
		msg  string // part of the error message
	}{
		{"consent fields", id, `{"einwilligung_datum":{"values":["2026-11-23"]},"einwilligung_quelle":{"values":["Website"]}}`, http.StatusOK, ""},
		{"clear a field", id, `{"title":{"values":[]}}`, http.StatusOK, ""},
		{"e-mails", id, `{"emails":{"values":[{"value":"neu@example.de","type":"private","default":true}]}}`, http.StatusOK, ""},
		{"id and _metadata sent back are ignored", id, `{"id":"x","_metadata":{},"firstName":{"values":["Jörg"]}}`, http.StatusOK, ""},
		{"unknown field", id, `{"einwilligung_foo":{"values":["x"]}}`, http.StatusBadRequest, `unknown field "einwilligung_foo"`},
		{"plain value", id, `{"firstName":"Jörg"}`, http.StatusBadRequest, "field firstName"},
		{"values not an array", id, `{"firstName":{"values":"Jörg"}}`, http.StatusBadRequest, "field firstName"},
		{"two values on a single field", id, `{"lastName":{"values":["A","B"]}}`, http.StatusBadRequest, "at most one value"},
		{"number for text", id, `{"lastName":{"values":[7]}}`, http.StatusBadRequest, "field lastName"},
		{"bad date", id, `{"einwilligung_datum":{"values":["23.11.2026"]}}`, http.StatusBadRequest, "YYYY-MM-DD"},
		{"bad link", id, `{"einwilligung_link":{"values":["javascript:alert(1)"]}}`, http.StatusBadRequest, "URL"},
		{"e-mail without @", id, `{"emails":{"values":[{"value":"kein-at","default":true}]}}`, http.StatusBadRequest, "e-mail"},
		{"two default e-mails", id, `{"emails":{"values":[{"value":"a@x.de","default":true},{"value":"b@x.de","default":true}]}}`, http.StatusBadRequest, "default"},
		{"unknown user", id, `{"responsibleUser":{"values":["u-99"]}}`, http.StatusBadRequest, "u-99"},
		{"unknown key in e-mail", id, `{"emails":{"values":[{"value":"a@x.de","label":"x"}]}}`, http.StatusBadRequest, "label"},
		{"every problem at once", id, `{"a":{"values":[]},"b":{"values":[]}}`, http.StatusBadRequest, `unknown field "a": the contacts schema has no such field (see GET /schema-service/stable/v2/schemas/contacts); unknown field "b"`},
		{"not JSON", id, `{"firstName":`, http.StatusBadRequest, "JSON object"},
		{"JSON array", id, `[]`, http.StatusBadRequest, "JSON object"},
		{"invalid UTF-8", id, "{\"firstName\":{\"values\":[\"J\xffrg\"]}}", http.StatusBadRequest, "UTF-8"},
		{"unknown contact", "3f1e9a40-0000-4000-8000-000000000000", `{"title":{"values":[]}}`, http.StatusNotFound, "not found"},
		{"body over 1 MB", id, `{"einwilligung_zweck":{"values":["` + strings.Repeat("x", 1<<20) + `"]}}`, http.StatusRequestEntityTooLarge, "1 MB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fetch(t, c, tt.id)
			clk.Advance(time.Second)
			res := c.do(http.MethodPatch, entityPath+tt.id, tt.body).want(t, tt.want)
			if tt.want != http.StatusOK {
				if msg := res.message(t); !strings.Contains(msg, tt.msg) {
					t.Errorf("message %q: want it to mention %s", msg, tt.msg)
				}
				if after := fetch(t, c, tt.id); after.Metadata.UpdatedAt != before.Metadata.UpdatedAt {
					t.Errorf("a refused PATCH moved updatedAt")
				}
				return
			}
			var got entity
			res.decode(t, &got)
			if got.Metadata.UpdatedAt != clk.Now().UnixMilli() || got.Metadata.CreatedAt != before.Metadata.CreatedAt {
				t.Errorf("metadata %+v: want updatedAt moved to now, createdAt kept", got.Metadata)
			}
			var sent map[string]json.RawMessage
			if err := json.Unmarshal([]byte(tt.body.(string)), &sent); err != nil {
				t.Fatal(err)
			}
			for k, v := range sent {
				if k != "id" && k != "_metadata" && !jsonEqual(t, got.Fields[k], v) {
					t.Errorf("field %s = %s, want %s", k, got.Fields[k], v)
				}
			}
		})
	}
}

func fetch(t *testing.T, c *client, id string) entity {
	t.Helper()
	var e entity
	if res := c.do(http.MethodGet, entityPath+id, nil); res.status == http.StatusOK {
		res.decode(t, &e)
	}
	return e
}

func jsonEqual(t *testing.T, a, b json.RawMessage) bool {
	t.Helper()
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return string(ja) == string(jb)
}

func TestPatchMovesContactToEndOfChangeQuery(t *testing.T) {
	clk := newClock()
	srv, c := start(t, mockcrm.Options{Contacts: 30, Seed: 5, Now: clk.Now})
	first := c.search("?size=1", changedSince(0)).Entries[0].ID
	c.do(http.MethodPatch, entityPath+first, `{"title":{"values":["Dr."]}}`).want(t, http.StatusOK)
	res := c.search("?size=500", changedSince(0))
	if last := res.Entries[len(res.Entries)-1].ID; last != first || len(res.Entries) != 30 {
		t.Errorf("after PATCH the last entry is %s of %d, want the patched %s of 30", last, len(res.Entries), first)
	}
	if w := srv.Inspect().ContactWrites; len(w) != 1 || w[0].ContactID != first || w[0].Method != "PATCH" || string(w[0].Fields["title"]) != `["Dr."]` {
		t.Errorf("writes %+v: want the one PATCH with its field", w)
	}
}

func TestCreateContact(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 3, Seed: 6})
	tests := []struct {
		name string
		body string
		want int
	}{
		{"full", `{"firstName":{"values":["Käthe"]},"lastName":{"values":["Größer"]},"responsibleUser":{"values":["u-2"]}}`, http.StatusCreated},
		{"empty", `{}`, http.StatusCreated},
		{"unknown field", `{"nickname":{"values":["K"]}}`, http.StatusBadRequest},
		{"bad value", `{"einwilligung_datum":{"values":["gestern"]}}`, http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do(http.MethodPost, createPath, tt.body).want(t, tt.want)
			if tt.want != http.StatusCreated {
				return
			}
			id := string(res.body)
			got := fetch(t, c, id)
			if got.ID != id || len(got.Fields) != len(mockcrm.ContactFields())+2 {
				t.Fatalf("created %s reads back as %+v: want every schema field", id, got)
			}
			if !slices.Contains(srv.ContactIDs(), id) {
				t.Errorf("ContactIDs lacks %s", id)
			}
		})
	}
}

func TestDeleteContact(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 10, Seed: 7})
	id := srv.ContactIDs()[4]
	c.do(http.MethodDelete, entityPath+id, nil).want(t, http.StatusNoContent)
	c.do(http.MethodGet, entityPath+id, nil).want(t, http.StatusNotFound)
	c.do(http.MethodDelete, entityPath+id, nil).want(t, http.StatusNotFound)
	c.do(http.MethodPatch, entityPath+id, `{}`).want(t, http.StatusNotFound)
	if got := ids(c.search("?size=500", changedSince(0)).Entries); len(got) != 9 || slices.Contains(got, id) {
		t.Errorf("search after delete: %d entries, deleted one among them: %v", len(got), slices.Contains(got, id))
	}
	c.do(http.MethodGet, profilesPath(id), nil).want(t, http.StatusNotFound)
}

func TestGoContactAPI(t *testing.T) {
	clk := newClock()
	srv, c := start(t, mockcrm.Options{Contacts: 2, Seed: 8, Now: clk.Now})
	id := srv.CreateContact(map[string]any{
		"firstName": "Jürgen",
		"lastName":  map[string]any{"values": []string{"Weiß-Müller"}},
		"emails":    []map[string]any{{"value": "j.weiss@example.de", "type": "private", "default": true}},
		"addresses": map[string]any{"street": "Hauptstraße", "houseNumber": "5a", "zipcode": "80331", "city": "München", "country": "DE", "default": true},
		"title":     nil,
	})
	if id == "" {
		t.Fatal("CreateContact refused valid fields")
	}
	got := fetch(t, c, id)
	if got.texts(t, "firstName")[0] != "Jürgen" || got.texts(t, "lastName")[0] != "Weiß-Müller" || len(got.texts(t, "title")) != 0 {
		t.Errorf("created contact %s", got.Fields)
	}
	if !strings.Contains(string(got.Fields["addresses"]), `"city":"München"`) {
		t.Errorf("address %s", got.Fields["addresses"])
	}
	clk.Advance(time.Minute)
	if !srv.UpdateContact(id, map[string]any{"einwilligung_zweck": "Newsletter"}) {
		t.Fatal("UpdateContact refused a valid field")
	}
	if after := fetch(t, c, id); after.Metadata.UpdatedAt != clk.Now().UnixMilli() {
		t.Errorf("UpdateContact did not move updatedAt")
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"CreateContact with unknown field", srv.CreateContact(map[string]any{"shoeSize": 44}) != ""},
		{"UpdateContact of unknown contact", srv.UpdateContact("nope", map[string]any{"title": "Dr."})},
		{"UpdateContact with bad value", srv.UpdateContact(id, map[string]any{"einwilligung_datum": "morgen"})},
		{"DeleteContact of unknown contact", srv.DeleteContact("nope")},
	}
	for _, ch := range checks {
		if ch.ok {
			t.Errorf("%s succeeded", ch.name)
		}
	}
	if len(srv.Inspect().ContactWrites) != 0 {
		t.Errorf("changes made as a broker were recorded as client writes")
	}
}

func TestPutRaw(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 3, Seed: 9})
	tests := []struct {
		name string
		raw  string
	}{
		{"no id", `{"_metadata":{"updatedAt":5},"firstName":{"values":["Ohne"]}}`},
		{"wrong types", `{"id":"wrong-types","_metadata":{"updatedAt":6},"firstName":{"values":[{"x":1}]},"emails":"nope"}`},
		{"invalid UTF-8", "{\"id\":\"bad-utf8\",\"_metadata\":{\"updatedAt\":7},\"lastName\":{\"values\":[\"M\xfcller\"]}}"},
		{"not JSON", `{"id":"cut","_meta`},
	}
	for i, tt := range tests {
		srv.PutRaw("raw-"+string(rune('a'+i)), []byte(tt.raw))
	}
	res := c.do(http.MethodPost, searchPath+"?size=4", changedSince(0)).want(t, http.StatusOK)
	for _, tt := range tests[:3] {
		if !strings.Contains(string(res.body), tt.raw) {
			t.Errorf("%s: search answer lacks the verbatim entity %q", tt.name, tt.raw)
		}
	}
	if got := c.do(http.MethodGet, entityPath+"raw-d", nil).want(t, http.StatusOK); string(got.body) != tests[3].raw {
		t.Errorf("GET of a raw contact: %q", got.body)
	}
	c.do(http.MethodPatch, entityPath+"raw-a", `{"title":{"values":[]}}`).want(t, http.StatusConflict)
	if !srv.DeleteContact("raw-a") {
		t.Errorf("raw contact could not be deleted")
	}
}
