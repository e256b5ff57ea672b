package mockcrm_test

import (
	"net/http"
	"testing"

	"github.com/consentd/consentd/mockcrm"
)

func TestInspectionView(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 4, Seed: 71})
	id := srv.ContactIDs()[1]
	c.do(http.MethodPatch, entityPath+id, `{"einwilligung_datum":{"values":["2026-11-23"]}}`).want(t, http.StatusOK)
	c.do(http.MethodPost, actPath, activity(id, "Einwilligung", "consentd:x:1")).want(t, http.StatusCreated)
	c.do(http.MethodPost, profilesPath(id), map[string]any{"marketingType": "BUY", "cities": []string{"Köln"}}).want(t, http.StatusCreated)
	gone := srv.ContactIDs()[0]
	c.do(http.MethodDelete, entityPath+gone, nil).want(t, http.StatusNoContent)

	anonymous := &client{t: t, base: c.base}
	var in mockcrm.Inspection
	anonymous.send(http.MethodGet, "/_mock/inspect", nil, nil).want(t, http.StatusOK).decode(t, &in)
	if in.Contacts != 3 || len(in.ContactWrites) != 2 || len(in.Activities) != 1 || len(in.ProfileWrites) != 1 || in.Requests["patch"] != 1 {
		t.Errorf("inspection %+v", in)
	}
	if w := in.ContactWrites[0]; w.ContactID != id || w.Method != "PATCH" || string(w.Fields["einwilligung_datum"]) != `["2026-11-23"]` || w.At == 0 {
		t.Errorf("write %+v", w)
	}
	tests := []struct {
		id                   string
		want                 int
		contact              bool
		profiles, acts, wrts int
	}{
		{id, http.StatusOK, true, len(srv.SearchProfiles(id)), 1, 1},
		{gone, http.StatusOK, false, 0, 0, 1},
		{"never-seen", http.StatusNotFound, false, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			res := anonymous.send(http.MethodGet, "/_mock/contacts/"+tt.id, nil, nil).want(t, tt.want)
			if tt.want != http.StatusOK {
				return
			}
			var d mockcrm.ContactDetail
			res.decode(t, &d)
			if hasContact := string(d.Contact) != "null"; hasContact != tt.contact || len(d.SearchProfiles) != tt.profiles || len(d.Activities) != tt.acts || len(d.Writes) != tt.wrts {
				t.Errorf("detail %s", res.body)
			}
		})
	}
	if in.Requests["inspect"] != 0 || srv.Requests()["auth"] != 1 {
		t.Errorf("inspection calls must not count as API requests: %v", srv.Requests())
	}
}
