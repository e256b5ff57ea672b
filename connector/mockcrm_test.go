package connector

import (
	"context"
	"encoding/json"
	"errors"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

// startMock runs the mock CRM over HTTP with contacts seeded contacts and no
// server-side rate limit, and a client for it.
func startMock(t *testing.T, contacts int, mods ...func(*Config)) (*mockcrm.Server, *Client, *logBuffer) {
	t.Helper()
	mock := mockcrm.New(mockcrm.Options{APIToken: testAPIToken, Contacts: contacts, Seed: 1, RatePerSecond: -1})
	srv := httptest.NewServer(mock)
	t.Cleanup(srv.Close)
	c, logs := newTestClient(t, srv.URL, mods...)
	return mock, c, logs
}

var byID = Query{Sorts: []Sort{{Field: FieldID, Order: OrderAsc}}, WithCount: true}

// collectIDs pages through every contact; after each page it calls between.
func collectIDs(t *testing.T, c *Client, q Query, size int, between func(page int)) ([]string, []Malformed) {
	t.Helper()
	var ids []string
	var malformed []Malformed
	n := 0
	for p, err := range c.Pages(context.Background(), mockcrm.ContactsSchema, q, size) {
		if err != nil {
			t.Fatalf("page %d: %v", n+1, err)
		}
		for _, e := range p.Entries {
			ids = append(ids, e.ID)
		}
		malformed = append(malformed, p.Malformed...)
		n++
		if between != nil {
			between(n)
		}
	}
	return ids, malformed
}

func TestMockCRMPagingAllContacts(t *testing.T) {
	mock, c, _ := startMock(t, 1234)
	ids, malformed := collectIDs(t, c, byID, 100, nil)
	if !reflect.DeepEqual(ids, mock.ContactIDs()) || len(malformed) != 0 {
		t.Errorf("got %d ids (%d malformed), want the %d contacts in id order", len(ids), len(malformed), len(mock.ContactIDs()))
	}
	if got := mock.Requests()["search"]; got != 13 {
		t.Errorf("search requests = %d, want 13 for 1234 contacts in pages of 100", got)
	}
}

func TestMockCRMTokenExpiryMidRun(t *testing.T) {
	mock, c, _ := startMock(t, 500)
	ids, _ := collectIDs(t, c, byID, 50, func(page int) {
		if page == 3 || page == 7 {
			mock.ExpireTokens()
		}
	})
	if len(ids) != 500 {
		t.Errorf("got %d contacts, want 500", len(ids))
	}
	if st := c.Stats(); st.Reauths != 2 || mock.Requests()["auth"] != 3 {
		t.Errorf("stats = %+v, exchanges = %d; want 2 re-authentications", st, mock.Requests()["auth"])
	}
}

func TestMockCRMRateLimitWithRetryAfter(t *testing.T) {
	mock, c, _ := startMock(t, 300, func(cfg *Config) { cfg.BackoffMax = 5 * time.Second })
	waits := recordSleeps(c)
	mock.SetFaults(mockcrm.Faults{RateLimitRate: 0.3, RetryAfter: 2 * time.Second})
	ids, _ := collectIDs(t, c, byID, 20, nil)
	if len(ids) != 300 {
		t.Fatalf("got %d contacts, want 300", len(ids))
	}
	got := waits()
	limited := c.Stats().ByStatus[429]
	if limited == 0 || int64(len(got)) != limited {
		t.Fatalf("waits = %v for %d answers 429", got, limited)
	}
	for _, w := range got {
		if w != 2*time.Second {
			t.Errorf("waited %v, want the 2s of Retry-After", w)
		}
	}
}

func TestMockCRMFaultsDoNotLoseContacts(t *testing.T) {
	tests := []struct {
		name   string
		faults mockcrm.Faults
	}{
		{"30% 5xx", mockcrm.Faults{ErrorRate: 0.3}},
		{"30% cut-off JSON", mockcrm.Faults{MalformedJSONRate: 0.3}},
		{"slow bodies", mockcrm.Faults{SlowBody: 5 * time.Millisecond, ErrorRate: 0.1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mock, c, _ := startMock(t, 400)
			mock.SetFaults(tt.faults)
			ids, malformed := collectIDs(t, c, byID, 25, nil)
			if !reflect.DeepEqual(ids, mock.ContactIDs()) || len(malformed) != 0 {
				t.Errorf("got %d contacts (%d malformed), want all %d", len(ids), len(malformed), len(mock.ContactIDs()))
			}
			if c.Stats().Retries == 0 {
				t.Error("no retries: the faults did not happen")
			}
		})
	}
}

func TestMockCRMMalformedContacts(t *testing.T) {
	mock, c, _ := startMock(t, 30)
	mock.PutRaw("zz-wrong-type", json.RawMessage(`{"id":"zz-wrong-type","_metadata":{"updatedAt":1},"firstName":"Jürgen"}`))
	mock.PutRaw("zz-bad-utf8", json.RawMessage("{\"id\":\"zz-bad-utf8\",\"_metadata\":{\"updatedAt\":1},\"lastName\":{\"values\":[\"M\xfcller\"]}}"))
	mock.PutRaw("zz-no-id", json.RawMessage(`{"_metadata":{"updatedAt":1},"lastName":{"values":["Ohne"]}}`))
	mock.PutRaw("zz-huge", json.RawMessage(`{"id":"zz-huge","_metadata":{"updatedAt":1},"note":{"values":["`+strings.Repeat("ß", 1<<19)+`"]}}`))

	ids, malformed := collectIDs(t, c, Query{}, 10, nil)
	if len(ids) != 31 || !slices.Contains(ids, "zz-huge") {
		t.Errorf("well-formed contacts = %d, want the 30 seeded and zz-huge", len(ids))
	}
	var bad []string
	for _, m := range malformed {
		bad = append(bad, m.ID)
	}
	slices.Sort(bad)
	if want := []string{"", "zz-bad-utf8", "zz-wrong-type"}; !reflect.DeepEqual(bad, want) {
		t.Errorf("malformed ids = %q, want %q", bad, want)
	}
}

func TestMockCRMCancellation(t *testing.T) {
	mock, c, _ := startMock(t, 10)
	if _, err := c.Users(context.Background()); err != nil {
		t.Fatal(err)
	}
	mock.SetFaults(mockcrm.Faults{Latency: 10 * time.Second})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	start := time.Now()
	// A GET, because the mock notices a client hanging up on a POST only
	// after its latency (it reads the body afterwards), which would keep
	// the server's shutdown waiting.
	_, err := c.Entity(ctx, mockcrm.ContactsSchema, mock.ContactIDs()[0])
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("returned after %v, want promptly after cancel", took)
	}
}

func TestMockCRMWrongAPIToken(t *testing.T) {
	_, c, _ := startMock(t, 10, func(cfg *Config) { cfg.APIToken = "wrong-SECRET" })
	_, err := c.Users(context.Background())
	if !errors.Is(err, ErrAuth) || strings.Contains(err.Error(), secretMarker) {
		t.Errorf("err = %v, want ErrAuth without the token", err)
	}
}

func TestMockCRMWriteBack(t *testing.T) {
	mock, c, _ := startMock(t, 5)
	ctx := context.Background()
	id := mock.ContactIDs()[0]

	e, err := c.PatchEntity(ctx, mockcrm.ContactsSchema, id, map[string][]any{"einwilligung_datum": {"2026-11-23"}})
	if err != nil {
		t.Fatalf("PatchEntity: %v", err)
	}
	if got := string(e.Fields["einwilligung_datum"][0]); got != `"2026-11-23"` {
		t.Errorf("patched field = %s", got)
	}
	_, err = c.PatchEntity(ctx, mockcrm.ContactsSchema, id, map[string][]any{"noSuchField": {"x"}})
	if !errors.Is(err, ErrPermanent) {
		t.Errorf("unknown field: err = %v, want ErrPermanent", err)
	}

	types, err := c.ActivityTypes(ctx)
	if err != nil || !slices.Contains(types, "Einwilligung") {
		t.Fatalf("ActivityTypes = %v, %v", types, err)
	}
	a := Activity{Type: "Einwilligung", Subject: "Einwilligung erteilt", Date: time.Now().UnixMilli(),
		Entities: []EntityRef{{Schema: mockcrm.ContactsSchema, ID: id}}, ExternalID: "consentd:test:evt-1"}
	if _, err := c.CreateActivity(ctx, a); err != nil {
		t.Fatalf("CreateActivity: %v", err)
	}
	byEntity, err := c.ActivitiesByEntity(ctx, id)
	if err != nil || len(byEntity) != 1 || byEntity[0].ExternalID != a.ExternalID {
		t.Errorf("ActivitiesByEntity = %+v, %v", byEntity, err)
	}

	p := SearchProfile{ContactID: id, Title: "Wohnung", Active: true, MarketingType: "RENT", EstateTypes: []string{"APARTMENT"}, Cities: []string{"Köln"}}
	pid, err := c.CreateSearchProfile(ctx, p)
	if err != nil {
		t.Fatalf("CreateSearchProfile: %v", err)
	}
	profiles, err := c.SearchProfiles(ctx, id)
	if err != nil || !slices.ContainsFunc(profiles, func(sp SearchProfile) bool { return sp.ID == pid && sp.Title == "Wohnung" }) {
		t.Errorf("SearchProfiles = %+v, %v", profiles, err)
	}
	if err := c.DeleteSearchProfile(ctx, pid); err != nil {
		t.Errorf("DeleteSearchProfile: %v", err)
	}
	if err := c.DeleteEntity(ctx, mockcrm.ContactsSchema, id); err != nil {
		t.Fatalf("DeleteEntity: %v", err)
	}
	if _, err := c.Entity(ctx, mockcrm.ContactsSchema, id); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleted contact: err = %v, want ErrNotFound", err)
	}
}

func TestMockCRMLostResponseIsCheckedByExternalID(t *testing.T) {
	mock, c, _ := startMock(t, 3)
	ctx := context.Background()
	id := mock.ContactIDs()[0]
	mock.SetFaults(mockcrm.Faults{LostResponseRate: 1})
	a := Activity{Type: "Einwilligung", Subject: "Einwilligung erteilt", Date: time.Now().UnixMilli(),
		Entities: []EntityRef{{Schema: mockcrm.ContactsSchema, ID: id}}, ExternalID: "consentd:test:evt-lost"}
	_, err := c.CreateActivity(ctx, a)
	if !errors.Is(err, ErrTransient) || !strings.Contains(err.Error(), "check before sending it again") {
		t.Fatalf("err = %v, want ErrTransient with an unknown outcome", err)
	}
	mock.SetFaults(mockcrm.Faults{})
	found, err := c.ActivitiesByExternalID(ctx, a.ExternalID)
	if err != nil || len(found) != 1 {
		t.Errorf("activities with the key = %+v, %v; want exactly the one created", found, err)
	}
	if got := mock.Requests()["activity.create"]; got != 1 {
		t.Errorf("activity posts = %d, want 1", got)
	}
}

func TestMockCRMSchemaAndUsers(t *testing.T) {
	mock, c, _ := startMock(t, 1)
	schema, err := c.Schema(context.Background(), mockcrm.ContactsSchema)
	if err != nil || schema.Name != mockcrm.ContactsSchema || len(schema.Fields) != len(mockcrm.ContactFields()) {
		t.Errorf("Schema = %+v, %v", schema, err)
	}
	users, err := c.Users(context.Background())
	if err != nil || len(users) != len(mock.Users()) || users[0].ID != mock.Users()[0].ID {
		t.Errorf("Users = %+v, %v", users, err)
	}
}
