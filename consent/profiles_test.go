package consent_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

func syncedProfile(id, contactID string) mapping.SearchProfile {
	return mapping.SearchProfile{CRMID: id, ContactID: contactID, Title: "3 Zimmer München", Active: true, MarketingType: "BUY",
		EstateTypes: []string{"APARTMENT"}, ZipCodes: []string{"80331"}, Cities: []string{"München"},
		PriceMax: new(650000.0), CRMUpdatedAt: time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)}
}

func inputOf(p mapping.SearchProfile) consent.ProfileInput {
	return consent.ProfileInput{ID: p.CRMID, Title: p.Title, MarketingType: p.MarketingType, EstateTypes: p.EstateTypes,
		ZipCodes: p.ZipCodes, Cities: p.Cities, PriceMax: p.PriceMax, LivingAreaMin: p.LivingAreaMin, RoomsMin: p.RoomsMin, Active: p.Active}
}

func TestSearchProfiles(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "profile", contact("a1"), contact("a2"))
	ctx := t.Context()
	err := f.db.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.ReplaceSearchProfiles(ctx, []string{"a1", "a2"},
			[]mapping.SearchProfile{syncedProfile("sp-1", "a1"), syncedProfile("sp-2", "a2")}, start)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	subj, token := f.subject("a1")

	created := consent.ProfileInput{Title: " Haus mit Garten ", MarketingType: "RENT", EstateTypes: []string{"HOUSE", "HOUSE", ""},
		ZipCodes: []string{"81379", " 81377 "}, Cities: []string{"München-Süd"}, RoomsMin: new(4.5), Active: true}
	out, err := f.svc.SaveProfile(ctx, subj, created, web, "p-1")
	if err != nil || out.Kind != consent.KindProfileSaved || out.Duplicate {
		t.Fatalf("create: %+v, %v", out, err)
	}
	subj = f.reload(token)
	if len(subj.Profiles) != 2 || !strings.HasPrefix(subj.Profiles[0].CRMID, consent.PendingPrefix) {
		t.Fatalf("profiles after create %+v", subj.Profiles)
	}
	pending := subj.Profiles[0]
	if pending.Title != "Haus mit Garten" || !reflect.DeepEqual(pending.ZipCodes, []string{"81379", "81377"}) || !reflect.DeepEqual(pending.EstateTypes, []string{"HOUSE"}) {
		t.Errorf("pending profile %+v", pending)
	}
	q := f.outbox("a1")
	if len(q) != 1 || q[0].Kind != consent.OutboxProfileCreate || consent.PendingPrefix+q[0].Key != pending.CRMID ||
		jsonOf(t, q[0].Payload) != `{"profile":{"active":true,"cities":["München-Süd"],"contactId":"a1","estateTypes":["HOUSE"],"marketingType":"RENT","roomsMin":4.5,"title":"Haus mit Garten","zipCodes":["81379","81377"]}}` {
		t.Fatalf("outbox %+v", q)
	}
	if e := f.events("a1")[0]; e.Kind != store.EventProfileChanged || e.Details != `{"change":"created","profile":"`+pending.CRMID+`"}` || e.Purpose != "" {
		t.Errorf("event %+v", e)
	}

	changed := inputOf(syncedProfile("sp-1", "a1"))
	changed.PriceMax = new(700000.0)
	steps := []struct {
		name     string
		run      func() (consent.Outcome, error)
		wantErr  error
		wantDup  bool
		wantRows int
	}{
		{"replace", func() (consent.Outcome, error) { return f.svc.SaveProfile(ctx, f.reload(token), changed, web, "p-2") }, nil, false, 2},
		{"replace identical", func() (consent.Outcome, error) { return f.svc.SaveProfile(ctx, f.reload(token), changed, web, "p-3") }, nil, true, 2},
		{"another contact's profile", func() (consent.Outcome, error) {
			return f.svc.SaveProfile(ctx, f.reload(token), inputOf(syncedProfile("sp-2", "a1")), web, "p-4")
		}, consent.ErrProfileNotFound, false, 2},
		{"delete another contact's profile", func() (consent.Outcome, error) { return f.svc.DeleteProfile(ctx, f.reload(token), "sp-2", web, "p-5") },
			consent.ErrProfileNotFound, false, 2},
		{"edit the pending one", func() (consent.Outcome, error) {
			in := created
			in.ID = pending.CRMID
			return f.svc.SaveProfile(ctx, f.reload(token), in, web, "p-6")
		}, consent.ErrProfilePending, false, 2},
		{"delete", func() (consent.Outcome, error) { return f.svc.DeleteProfile(ctx, f.reload(token), "sp-1", web, "p-7") }, nil, false, 3},
		{"delete sent twice", func() (consent.Outcome, error) { return f.svc.DeleteProfile(ctx, f.reload(token), "sp-1", web, "p-7") }, nil, true, 3},
		{"delete what is gone", func() (consent.Outcome, error) { return f.svc.DeleteProfile(ctx, f.reload(token), "sp-1", web, "p-8") },
			consent.ErrProfileNotFound, false, 3},
	}
	for _, s := range steps {
		out, err := s.run()
		if !errors.Is(err, s.wantErr) || (err == nil && out.Duplicate != s.wantDup) {
			t.Errorf("%s: %+v, %v; want error %v, duplicate %v", s.name, out, err, s.wantErr, s.wantDup)
		}
		if n := len(f.outbox("a1")); n != s.wantRows {
			t.Errorf("%s: %d outbox rows, want %d", s.name, n, s.wantRows)
		}
	}
	q = f.outbox("a1")
	if q[1].Kind != consent.OutboxProfileUpdate || q[1].Payload["profile"].(map[string]any)["id"] != "sp-1" ||
		q[1].Payload["profile"].(map[string]any)["priceMax"] != 700000.0 {
		t.Errorf("replace row %+v", q[1])
	}
	if q[2].Kind != consent.OutboxProfileDelete || jsonOf(t, q[2].Payload) != `{"id":"sp-1"}` {
		t.Errorf("delete row %+v", q[2])
	}
	if ids := profileIDs(f.reload(token).Profiles); !reflect.DeepEqual(ids, []string{pending.CRMID}) {
		t.Errorf("profiles left %v", ids)
	}
	if others, _ := f.db.SearchProfiles(ctx, "a2"); len(others) != 1 || others[0].Title != "3 Zimmer München" {
		t.Errorf("a2's profile was touched: %+v", others)
	}
	if r := f.verify(); !r.OK || r.Events != 3 {
		t.Errorf("verify %+v", r)
	}
}

func profileIDs(ps []mapping.SearchProfile) []string {
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.CRMID)
	}
	return ids
}

func TestProfileInputValidate(t *testing.T) {
	t.Parallel()
	ok := consent.ProfileInput{MarketingType: "BUY", EstateTypes: []string{"APARTMENT", "HOUSE"}, ZipCodes: []string{"80331", "A-1010"},
		Cities: []string{"Köln-Süd", "Weißenburg i. Bay."}, PriceMax: new(1e6), LivingAreaMin: new(0.0), RoomsMin: new(2.5)}
	with := func(mod func(*consent.ProfileInput)) consent.ProfileInput {
		p := ok
		mod(&p)
		return p
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = "80331"
	}
	tests := []struct {
		name string
		in   consent.ProfileInput
		want consent.FieldErrors
	}{
		{"valid", ok, consent.FieldErrors{}},
		{"no marketing type", with(func(p *consent.ProfileInput) { p.MarketingType = " " }), consent.FieldErrors{"marketingType": "required"}},
		{"lower-case marketing type", with(func(p *consent.ProfileInput) { p.MarketingType = "buy" }), consent.FieldErrors{"marketingType": "invalid_choice"}},
		{"unknown estate type", with(func(p *consent.ProfileInput) { p.EstateTypes = []string{"CASTLE"} }), consent.FieldErrors{"estateTypes": "invalid_choice"}},
		{"bad zip", with(func(p *consent.ProfileInput) { p.ZipCodes = []string{"80331", "<b>"} }), consent.FieldErrors{"zipCodes": "invalid_zip"}},
		{"too many zips", with(func(p *consent.ProfileInput) { p.ZipCodes = many }), consent.FieldErrors{"zipCodes": "too_long"}},
		{"script city", with(func(p *consent.ProfileInput) { p.Cities = []string{"<script>x</script>"} }), consent.FieldErrors{"cities": "invalid_text"}},
		{"1 MB title", with(func(p *consent.ProfileInput) { p.Title = strings.Repeat("x", 1<<20) }), consent.FieldErrors{"title": "too_long"}},
		{"NaN price", with(func(p *consent.ProfileInput) { p.PriceMax = new(math.NaN()) }), consent.FieldErrors{"priceMax": "invalid_number"}},
		{"negative area", with(func(p *consent.ProfileInput) { p.LivingAreaMin = new(-1.0) }), consent.FieldErrors{"livingAreaMin": "invalid_number"}},
		{"infinite rooms", with(func(p *consent.ProfileInput) { p.RoomsMin = new(math.Inf(1)) }), consent.FieldErrors{"roomsMin": "invalid_number"}},
		{"NUL in id", with(func(p *consent.ProfileInput) { p.ID = "sp\x00" }), consent.FieldErrors{"id": "invalid_text"}},
	}
	for _, tt := range tests {
		if got := tt.in.Validate(); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
