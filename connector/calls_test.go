package connector

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"testing"
)

// captureJSON records the decoded request body and answers with h.
func captureJSON(into *map[string]any, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		*into = nil
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			http.Error(w, "content type "+ct, http.StatusUnsupportedMediaType)
			return
		}
		if err := json.NewDecoder(r.Body).Decode(into); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		h(w, r)
	}
}

func TestEntityWrites(t *testing.T) {
	var body map[string]any
	crm := newTestCRM().
		handle("POST "+contactsRoute, captureJSON(&body, reply(201, "c-new\n"))).
		handle("PATCH "+contactsRoute+"/entities/c-1", captureJSON(&body, reply(200, entityJSON("c-1")))).
		handle("DELETE "+contactsRoute+"/entities/c-1", reply(204, "")).
		handle("DELETE "+contactsRoute+"/entities/gone", crmError(404, "gone"))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	ctx := context.Background()

	id, err := c.CreateEntity(ctx, "contacts", map[string][]any{"lastName": {"Weiß"}, "emails": {map[string]any{"value": "w@example.de"}}})
	if err != nil || id != "c-new" {
		t.Fatalf("CreateEntity = %q, %v", id, err)
	}
	want := map[string]any{
		"lastName": map[string]any{"values": []any{"Weiß"}},
		"emails":   map[string]any{"values": []any{map[string]any{"value": "w@example.de"}}},
	}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("create body = %v", body)
	}

	e, err := c.PatchEntity(ctx, "contacts", "c-1", map[string][]any{"einwilligung_datum": {"2026-11-23"}, "einwilligung_link": nil})
	if err != nil || e.ID != "c-1" {
		t.Fatalf("PatchEntity = %+v, %v", e, err)
	}
	want = map[string]any{
		"einwilligung_datum": map[string]any{"values": []any{"2026-11-23"}},
		"einwilligung_link":  map[string]any{"values": []any{}},
	}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("patch body = %v", body)
	}

	if err := c.DeleteEntity(ctx, "contacts", "c-1"); err != nil {
		t.Errorf("DeleteEntity: %v", err)
	}
	if err := c.DeleteEntity(ctx, "contacts", "gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteEntity of a gone entity = %v, want ErrNotFound", err)
	}
}

func TestCreatedIDShapes(t *testing.T) {
	tests := []struct{ body, want string }{
		{"c-7", "c-7"},
		{"  c-7\r\n", "c-7"},
		{`"c-7"`, "c-7"},
		{`{"id": "c-7"}`, "c-7"},
		{"12345", "12345"},
		{`{"name": "x"}`, ""},
		{`<html>`, ""},
		{"two words", ""},
		{"{broken", ""},
		{"", ""},
	}
	for _, tt := range tests {
		var id string
		err := decodeCreatedID(&id)([]byte(tt.body))
		if id != tt.want || (tt.want == "") != errors.Is(err, errGarbled) {
			t.Errorf("body %q: id = %q, err = %v; want %q", tt.body, id, err, tt.want)
		}
	}
}

func TestIDsAreEscapedAsOnePathSegment(t *testing.T) {
	crm := newTestCRM().handle("GET "+contactsRoute+"/entities/a%2Fb%3Fc%20d", reply(200, entityJSON("a/b?c d")))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	e, err := c.Entity(context.Background(), "contacts", "a/b?c d")
	if err != nil || e.ID != "a/b?c d" {
		t.Fatalf("Entity = %+v, %v", e, err)
	}
}

func TestBaseURLWithPathPrefix(t *testing.T) {
	mux := http.NewServeMux()
	crm := newTestCRM().handle("GET /schema-service/stable/v2/schemas/contacts", reply(200, `{"name":"contacts","fields":[]}`))
	mux.Handle("/crm/", http.StripPrefix("/crm", crm))
	srv := newServer(t, mux)
	c, _ := newTestClient(t, srv.URL+"/crm/")
	if _, err := c.Schema(context.Background(), "contacts"); err != nil {
		t.Fatalf("Schema behind a path prefix: %v", err)
	}
}

func TestReadCalls(t *testing.T) {
	crm := newTestCRM().
		handle("GET /schema-service/stable/v2/schemas/contacts", reply(200,
			`{"name":"contacts","fields":[{"name":"firstName","type":"string"},{"name":"einwilligung_datum","type":"date"}]}`)).
		handle("GET "+routeUsers, reply(200,
			`{"entries":[{"id":"u-17","firstName":"Anna","lastName":"Schäfer","email":"a@example.de","active":true}]}`)).
		handle("GET "+routeActivityTypes, reply(200, `{"entries":[{"name":"Einwilligung"},{"name":"Notiz"}]}`)).
		handle("GET /searchprofile-service/stable/contacts/c-1/searchprofiles", reply(200,
			`{"entries":[{"id":"sp-9","contactId":"c-1","title":"3 Zimmer München","active":true,"marketingType":"BUY",
			"estateTypes":["APARTMENT"],"zipCodes":["80331","80333"],"cities":["München"],"priceMax":650000,"roomsMin":3,"updatedAt":1731600000000}]}`))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	ctx := context.Background()

	schema, err := c.Schema(ctx, "contacts")
	wantSchema := &SchemaInfo{Name: "contacts", Fields: []SchemaField{{"firstName", "string"}, {"einwilligung_datum", "date"}}}
	if err != nil || !reflect.DeepEqual(schema, wantSchema) {
		t.Errorf("Schema = %+v, %v", schema, err)
	}
	users, err := c.Users(ctx)
	if err != nil || !reflect.DeepEqual(users, []User{{ID: "u-17", FirstName: "Anna", LastName: "Schäfer", Email: "a@example.de", Active: true}}) {
		t.Errorf("Users = %+v, %v", users, err)
	}
	types, err := c.ActivityTypes(ctx)
	if err != nil || !reflect.DeepEqual(types, []string{"Einwilligung", "Notiz"}) {
		t.Errorf("ActivityTypes = %v, %v", types, err)
	}
	profiles, err := c.SearchProfiles(ctx, "c-1")
	price, rooms := 650000.0, 3.0
	wantProfiles := []SearchProfile{{ID: "sp-9", ContactID: "c-1", Title: "3 Zimmer München", Active: true, MarketingType: "BUY",
		EstateTypes: []string{"APARTMENT"}, ZipCodes: []string{"80331", "80333"}, Cities: []string{"München"},
		PriceMax: &price, RoomsMin: &rooms, UpdatedAt: 1731600000000}}
	if err != nil || !reflect.DeepEqual(profiles, wantProfiles) {
		t.Errorf("SearchProfiles = %+v, %v", profiles, err)
	}
}

func TestActivities(t *testing.T) {
	var posted map[string]any
	var lookups []string
	list := func(w http.ResponseWriter, r *http.Request) {
		lookups = append(lookups, r.URL.RawQuery)
		reply(200, `{"entries":[{"id":"a-1","type":"Einwilligung","subject":"Einwilligung erteilt","date":1731600000000,
			"entities":[{"schema":"contacts","id":"c-1"}],"externalId":"consentd:mueller:evt-4711","createdAt":1731600000100}]}`)(w, r)
	}
	crm := newTestCRM().
		handle("POST "+routeActivities, captureJSON(&posted, reply(201, `{"id":"a-1"}`))).
		handle("GET "+routeActivities, list)
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	ctx := context.Background()
	a := Activity{Type: "Einwilligung", Subject: "Einwilligung erteilt", Date: 1731600000000, ResponsibleUser: "u-17",
		Entities: []EntityRef{{Schema: "contacts", ID: "c-1"}}, ExternalID: "consentd:mueller:evt-4711"}

	id, err := c.CreateActivity(ctx, a)
	if err != nil || id != "a-1" {
		t.Fatalf("CreateActivity = %q, %v", id, err)
	}
	wantBody := map[string]any{"type": "Einwilligung", "subject": "Einwilligung erteilt", "date": 1731600000000.0,
		"responsibleUser": "u-17", "entities": []any{map[string]any{"schema": "contacts", "id": "c-1"}},
		"externalId": "consentd:mueller:evt-4711"}
	if !reflect.DeepEqual(posted, wantBody) {
		t.Errorf("posted %v", posted)
	}
	byKey, err := c.ActivitiesByExternalID(ctx, "consentd:mueller:evt-4711")
	if err != nil || len(byKey) != 1 || byKey[0].ID != "a-1" || byKey[0].CreatedAt != 1731600000100 {
		t.Errorf("ActivitiesByExternalID = %+v, %v", byKey, err)
	}
	if _, err := c.ActivitiesByEntity(ctx, "c-1"); err != nil {
		t.Error(err)
	}
	if want := []string{"externalId=consentd%3Amueller%3Aevt-4711", "entityId=c-1"}; !reflect.DeepEqual(lookups, want) {
		t.Errorf("lookups = %v, want %v", lookups, want)
	}
}

func TestSearchProfileWrites(t *testing.T) {
	var body map[string]any
	crm := newTestCRM().
		handle("POST /searchprofile-service/stable/contacts/c-1/searchprofiles", captureJSON(&body, reply(201, `{"id":"sp-10"}`))).
		handle("PUT /searchprofile-service/stable/searchprofiles/sp-10", captureJSON(&body, reply(200, ""))).
		handle("DELETE /searchprofile-service/stable/searchprofiles/sp-10", reply(204, ""))
	srv := crm.start(t)
	c, _ := newTestClient(t, srv.URL)
	ctx := context.Background()
	area := 70.0
	p := SearchProfile{ContactID: "c-1", Title: "Haus", Active: true, MarketingType: "RENT", Cities: []string{"Köln"}, LivingAreaMin: &area}

	id, err := c.CreateSearchProfile(ctx, p)
	if err != nil || id != "sp-10" {
		t.Fatalf("CreateSearchProfile = %q, %v", id, err)
	}
	want := map[string]any{"contactId": "c-1", "title": "Haus", "active": true, "marketingType": "RENT", "cities": []any{"Köln"}, "livingAreaMin": 70.0}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("create body = %v", body)
	}
	p.ID, p.Active = id, false
	if err := c.ReplaceSearchProfile(ctx, p); err != nil {
		t.Fatalf("ReplaceSearchProfile: %v", err)
	}
	want["id"], want["active"] = "sp-10", false
	if !reflect.DeepEqual(body, want) {
		t.Errorf("replace body = %v", body)
	}
	if err := c.DeleteSearchProfile(ctx, id); err != nil {
		t.Errorf("DeleteSearchProfile: %v", err)
	}
}

func TestRequestsCarryOnlyTheirToken(t *testing.T) {
	seen := map[string][2]string{}
	crm := newTestCRM().handle("GET "+routeUsers, reply(200, `{"entries":[]}`))
	record := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		seen[r.URL.Path] = [2]string{r.Header.Get(headerAPIToken), r.Header.Get(headerSessionToken)}
		crm.ServeHTTP(w, r)
	})
	srv := newServer(t, record)
	c, _ := newTestClient(t, srv.URL)
	if _, err := c.Users(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := seen[routeAuth]; got[0] != testAPIToken || got[1] != "" {
		t.Errorf("exchange headers = %q, want only the API token", got)
	}
	if got := seen[routeUsers]; got[0] != "" || got[1] != "session-SECRET-1" {
		t.Errorf("call headers = %q, want only the session token", got)
	}
}
