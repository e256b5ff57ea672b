package mockcrm_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/consentd/consentd/mockcrm"
)

func TestSearchProfiles(t *testing.T) {
	clk := newClock()
	srv, c := start(t, mockcrm.Options{Contacts: 3, Seed: 31, Now: clk.Now})
	contactID := srv.ContactIDs()[1]
	profile := map[string]any{
		"title": "3 Zimmer München", "active": true, "marketingType": "BUY", "estateTypes": []string{"APARTMENT"},
		"zipCodes": []string{"80331", "80333"}, "cities": []string{"München"}, "priceMax": 650000, "livingAreaMin": 70, "roomsMin": 3,
	}
	with := func(k string, v any) map[string]any {
		p := map[string]any{}
		for kk, vv := range profile {
			p[kk] = vv
		}
		p[k] = v
		return p
	}
	var profileID string
	tests := []struct {
		name   string
		method string
		path   func() string
		body   any
		want   int
	}{
		{"create", http.MethodPost, func() string { return profilesPath(contactID) }, profile, http.StatusCreated},
		{"replace", http.MethodPut, func() string { return profilePath + profileID }, with("roomsMin", 4), http.StatusOK},
		{"replace with what was read", http.MethodPut, func() string { return profilePath + profileID }, with("id", profileID), http.StatusOK},
		{"create for unknown contact", http.MethodPost, func() string { return profilesPath("nope") }, profile, http.StatusNotFound},
		{"bad marketing type", http.MethodPost, func() string { return profilesPath(contactID) }, with("marketingType", "LEASE"), http.StatusBadRequest},
		{"bad estate type", http.MethodPost, func() string { return profilesPath(contactID) }, with("estateTypes", []string{"CASTLE"}), http.StatusBadRequest},
		{"negative price", http.MethodPost, func() string { return profilesPath(contactID) }, with("priceMax", -1), http.StatusBadRequest},
		{"unknown key", http.MethodPost, func() string { return profilesPath(contactID) }, with("garden", true), http.StatusBadRequest},
		{"other id in body", http.MethodPut, func() string { return profilePath + profileID }, with("id", "sp-0"), http.StatusBadRequest},
		{"move to other contact", http.MethodPut, func() string { return profilePath + profileID }, with("contactId", "other"), http.StatusBadRequest},
		{"replace unknown", http.MethodPut, func() string { return profilePath + "sp-999999" }, profile, http.StatusNotFound},
		{"delete", http.MethodDelete, func() string { return profilePath + profileID }, nil, http.StatusNoContent},
		{"delete again", http.MethodDelete, func() string { return profilePath + profileID }, nil, http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fetch(t, c, contactID).Metadata.UpdatedAt
			clk.Advance(time.Second)
			res := c.do(tt.method, tt.path(), tt.body).want(t, tt.want)
			after := fetch(t, c, contactID).Metadata.UpdatedAt
			if moved := after != before; moved != (tt.want < 300) {
				t.Errorf("contact updatedAt moved: %v, want %v", moved, tt.want < 300)
			}
			if tt.method == http.MethodPost && tt.want == http.StatusCreated {
				var created struct{ ID string }
				res.decode(t, &created)
				profileID = created.ID
			}
		})
	}
	if w := srv.Inspect().ProfileWrites; len(w) != 4 || w[0].Method != "POST" || w[3].Method != "DELETE" || w[1].Profile.RoomsMin == nil || *w[1].Profile.RoomsMin != 4 {
		t.Errorf("profile writes %+v: want POST, PUT, PUT, DELETE", w)
	}
}

func TestListSearchProfiles(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 200, Seed: 32})
	with := 0
	for _, id := range srv.ContactIDs() {
		var got struct{ Entries []mockcrm.SearchProfile }
		c.do(http.MethodGet, profilesPath(id), nil).want(t, http.StatusOK).decode(t, &got)
		if got.Entries == nil {
			t.Fatalf("contact %s: entries is null, want a list", id)
		}
		for _, p := range got.Entries {
			if p.ContactID != id || p.ID == "" || (p.MarketingType != "BUY" && p.MarketingType != "RENT") || len(p.EstateTypes) == 0 {
				t.Errorf("profile %+v", p)
			}
		}
		if len(got.Entries) > 0 {
			with++
		}
	}
	if share := float64(with) / 200; share < 0.1 || share > 0.3 {
		t.Errorf("%d of 200 contacts have search profiles, want about a fifth", with)
	}
	c.do(http.MethodGet, profilesPath("nope"), nil).want(t, http.StatusNotFound)
}

func TestDeletingContactDeletesItsProfiles(t *testing.T) {
	srv, c := start(t, mockcrm.Options{Contacts: 1, Seed: 33})
	id := srv.ContactIDs()[0]
	res := c.do(http.MethodPost, profilesPath(id), map[string]any{"marketingType": "RENT"}).want(t, http.StatusCreated)
	var created struct{ ID string }
	res.decode(t, &created)
	c.do(http.MethodDelete, entityPath+id, nil).want(t, http.StatusNoContent)
	c.do(http.MethodPut, profilePath+created.ID, map[string]any{"marketingType": "RENT"}).want(t, http.StatusNotFound)
	if len(srv.SearchProfiles(id)) != 0 {
		t.Errorf("profiles of a deleted contact remain")
	}
}

func TestUsersAndSchema(t *testing.T) {
	_, c := start(t, mockcrm.Options{Users: 7})
	var users struct{ Entries []mockcrm.User }
	c.do(http.MethodGet, "/user-service/stable/users", nil).want(t, http.StatusOK).decode(t, &users)
	if len(users.Entries) != 7 || users.Entries[0].ID != "u-1" || users.Entries[6].ID != "u-7" || users.Entries[4].Active {
		t.Errorf("users %+v: want u-1..u-7, u-5 inactive", users.Entries)
	}
	var schema struct {
		Name   string
		Fields []mockcrm.Field
	}
	c.do(http.MethodGet, "/schema-service/stable/v2/schemas/contacts", nil).want(t, http.StatusOK).decode(t, &schema)
	names := map[string]string{}
	for _, f := range schema.Fields {
		names[f.Name] = f.Type
	}
	for _, f := range []string{"firstName", "lastName", "emails", "phoneNumbers", "addresses", "responsibleUser",
		"einwilligung_quelle", "einwilligung_zweck", "einwilligung_datum", "einwilligung_widerrufsdatum", "einwilligung_widerrufsgrund", "einwilligung_link"} {
		if names[f] == "" {
			t.Errorf("schema lacks %s", f)
		}
	}
	if schema.Name != "contacts" || names["einwilligung_datum"] != "date" {
		t.Errorf("schema %s, einwilligung_datum %q", schema.Name, names["einwilligung_datum"])
	}
	c.do(http.MethodGet, "/schema-service/stable/v2/schemas/estates", nil).want(t, http.StatusNotFound)
}
