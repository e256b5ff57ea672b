package mockcrm_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/consentd/consentd/mockcrm"
)

func activity(contactID, typ, externalID string) map[string]any {
	return map[string]any{
		"type": typ, "subject": "Einwilligung erteilt", "description": "über die Einwilligungsseite",
		"date": 1731600000000, "responsibleUser": "u-1",
		"entities":   []map[string]string{{"schema": "contacts", "id": contactID}},
		"externalId": externalID,
	}
}

func TestCreateActivity(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 5, Seed: 21})
	id := srv.ContactIDs()[0]
	withKey := func(k string, v any) map[string]any {
		a := activity(id, "Einwilligung", "consentd:x:1")
		a[k] = v
		return a
	}
	tests := []struct {
		name string
		body any
		want int
	}{
		{"consent", activity(id, "Einwilligung", "consentd:mueller:evt-1"), http.StatusCreated},
		{"deletion request", activity(id, "Löschanfrage", ""), http.StatusCreated},
		{"same externalId again", activity(id, "Einwilligung", "consentd:mueller:evt-1"), http.StatusCreated},
		{"without date and user", withKey("responsibleUser", ""), http.StatusCreated},
		{"type the broker has not created", activity(id, "Geburtstag", ""), http.StatusBadRequest},
		{"no type", withKey("type", ""), http.StatusBadRequest},
		{"no entities", withKey("entities", []any{}), http.StatusBadRequest},
		{"other schema", withKey("entities", []map[string]string{{"schema": "estates", "id": id}}), http.StatusBadRequest},
		{"unknown user", withKey("responsibleUser", "u-77"), http.StatusBadRequest},
		{"unknown key", withKey("priority", "high"), http.StatusBadRequest},
		{"date as text", withKey("date", "heute"), http.StatusBadRequest},
		{"unknown contact", activity("gone-id", "Notiz", ""), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := c.do(http.MethodPost, actPath, tt.body).want(t, tt.want)
			if tt.want != http.StatusCreated {
				return
			}
			var created struct{ ID string }
			res.decode(t, &created)
			acts := srv.Activities()
			if last := acts[len(acts)-1]; created.ID == "" || last.ID != created.ID || last.CreatedAt == 0 || last.Date == 0 {
				t.Errorf("created %q, last stored %+v", created.ID, last)
			}
		})
	}
	if n := len(srv.Activities()); n != 4 {
		t.Errorf("%d activities stored, want 4", n)
	}
}

func TestListActivities(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 5, Seed: 22})
	a, b := srv.ContactIDs()[0], srv.ContactIDs()[1]
	for _, body := range []map[string]any{
		activity(a, "Einwilligung", "k1"), activity(b, "Notiz", "k1"), activity(a, "Notiz", "k2"), activity(a, "Notiz", ""),
	} {
		c.do(http.MethodPost, actPath, body).want(t, http.StatusCreated)
	}
	tests := []struct {
		query string
		want  []int // indexes into srv.Activities()
		code  int
	}{
		{"entityId=" + a, []int{0, 2, 3}, http.StatusOK},
		{"entityId=" + b, []int{1}, http.StatusOK},
		{"externalId=k1", []int{0, 1}, http.StatusOK},
		{"externalId=k1&entityId=" + a, []int{0}, http.StatusOK},
		{"externalId=" + url.QueryEscape("nie:vergeben"), []int{}, http.StatusOK},
		{"", nil, http.StatusBadRequest},
	}
	all := srv.Activities()
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			res := c.do(http.MethodGet, actPath+"?"+tt.query, nil).want(t, tt.code)
			if tt.code != http.StatusOK {
				return
			}
			var got struct{ Entries []mockcrm.Activity }
			res.decode(t, &got)
			var want []string
			for _, i := range tt.want {
				want = append(want, all[i].ID)
			}
			var gotIDs []string
			for _, e := range got.Entries {
				gotIDs = append(gotIDs, e.ID)
			}
			if !slices.Equal(gotIDs, want) || got.Entries == nil {
				t.Errorf("got %v, want %v", gotIDs, want)
			}
		})
	}
}

func TestActivityTypes(t *testing.T) {
	srv, c := start(t, mockcrm.Options{})
	var got struct{ Entries []struct{ Name string } }
	c.do(http.MethodGet, "/history-service/stable/activity-types", nil).want(t, http.StatusOK).decode(t, &got)
	for _, name := range []string{"Einwilligung", "Löschanfrage", "Notiz"} {
		if !slices.ContainsFunc(got.Entries, func(e struct{ Name string }) bool { return e.Name == name }) {
			t.Errorf("activity types %v lack %s", got.Entries, name)
		}
	}
	srv.SetActivityTypes("Notiz")
	id := srv.CreateContact(map[string]any{"lastName": "Groß"})
	c.do(http.MethodPost, actPath, activity(id, "Einwilligung", "")).want(t, http.StatusBadRequest)
	c.do(http.MethodPost, actPath, activity(id, "Notiz", "")).want(t, http.StatusCreated)
}
