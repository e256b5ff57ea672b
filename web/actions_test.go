package web

import (
	"net/http"
	"net/url"
	"reflect"
	"testing"

	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/store"
)

func TestActionsRecordAndRedirect(t *testing.T) {
	tests := []struct {
		name     string
		subj     *consent.Subject // default: consent given, with profiles
		action   string
		fields   url.Values
		wantCall call // method and the action's own input; client and action id are checked for all
		wantDone string
	}{
		{
			name: "case 1: give consent", subj: contact(), action: "consent",
			wantCall: call{method: "Give"}, wantDone: "done/consent",
		},
		{
			name: "case 2: correct data", action: "correct",
			fields: url.Values{
				"salutation": {"Herr"}, "title": {" "}, "firstName": {" Max "}, "lastName": {"Mustermann"},
				"street": {"Lindenweg"}, "houseNumber": {"12"}, "zip": {"10115"}, "city": {"Berlin"},
				"email": {"max@example.de"}, "phone": {"030 1234567"},
			},
			wantCall: call{method: "Correct", correction: consent.Correction{
				Salutation: "Herr", FirstName: "Max", LastName: "Mustermann", Street: "Lindenweg", HouseNumber: "12",
				Zip: "10115", City: "Berlin", Email: "max@example.de", Phone: "030 1234567",
			}},
			wantDone: "done/correct",
		},
		{
			name: "withdraw with a reason", action: "withdraw", fields: url.Values{"reason": {"  Kein Interesse mehr.\r\nDanke. "}},
			wantCall: call{method: "Withdraw", reason: "Kein Interesse mehr.\nDanke."}, wantDone: "done/withdraw",
		},
		{
			name: "withdraw without a reason", action: "withdraw",
			wantCall: call{method: "Withdraw"}, wantDone: "done/withdraw",
		},
		{
			name: "case 3: request deletion", action: "delete", fields: url.Values{"reason": {"Bitte alles löschen\x00"}},
			wantCall: call{method: "RequestDeletion", reason: "Bitte alles löschen"}, wantDone: "done/deletion",
		},
		{
			name: "request deletion objecting to recipients", action: "delete",
			fields:   url.Values{"recipients": {"Sparkasse Finanzierung", "Umzug & Co. KG"}},
			wantCall: call{method: "RequestDeletion", recipients: []string{"Sparkasse Finanzierung", "Umzug & Co. KG"}}, wantDone: "done/deletion",
		},
		{
			name: "withdraw objecting to a recipient", action: "withdraw",
			fields:   url.Values{"recipients": {"Umzug & Co. KG"}},
			wantCall: call{method: "Withdraw", recipients: []string{"Umzug & Co. KG"}}, wantDone: "done/withdraw",
		},
		{
			name: "create a search profile", action: "profile",
			fields: url.Values{
				"title": {"Haus im Grünen"}, "marketingType": {"BUY"}, "estateTypes": {"HOUSE", "PLOT"},
				"cities": {"Freising; Erding,\nDachau, "}, "zipCodes": {"85354, 85435"},
				"priceMax": {"750.000 €"}, "livingAreaMin": {"120,5 m²"}, "roomsMin": {"4"}, "active": {"yes"},
			},
			wantCall: call{method: "SaveProfile", profile: consent.ProfileInput{
				Title: "Haus im Grünen", MarketingType: "BUY", EstateTypes: []string{"HOUSE", "PLOT"},
				Cities: []string{"Freising", "Erding", "Dachau"}, ZipCodes: []string{"85354", "85435"},
				PriceMax: f64(750000), LivingAreaMin: f64(120.5), RoomsMin: f64(4), Active: true,
			}},
			wantDone: "done/profile-saved",
		},
		{
			name: "replace a search profile, paused", action: "profile",
			fields:   url.Values{"id": {"sp-1"}, "marketingType": {"RENT"}, "active": {}},
			wantCall: call{method: "SaveProfile", profile: consent.ProfileInput{ID: "sp-1", MarketingType: "RENT"}},
			wantDone: "done/profile-saved",
		},
		{
			name: "delete a search profile once confirmed", action: "profile-delete",
			fields:   url.Values{"id": {"sp-2"}, "confirm": {"yes"}},
			wantCall: call{method: "DeleteProfile", profileID: "sp-2"}, wantDone: "done/profile-deleted",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subj := tt.subj
			if subj == nil {
				subj = withProfiles(given(contact()))
			}
			h := newHarness(t, subj)
			f := h.form(pagePath, tt.action)
			f.fill(tt.fields)
			res := h.post(f.path, f.values, "User-Agent", "Mozilla/5.0 (Test)")
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != tt.wantDone {
				t.Fatalf("status %d, Location %q; want 303 to %s\n%s", res.StatusCode, res.Header.Get("Location"), tt.wantDone, res.body)
			}
			calls := h.acme.recorded()
			if len(calls) != 1 {
				t.Fatalf("%d calls, want 1: %+v", len(calls), calls)
			}
			got := calls[0]
			wantClient := consent.Client{LinkID: 7, IP: "192.0.2.1", UserAgent: "Mozilla/5.0 (Test)", Channel: "web"}
			if got.client != wantClient || got.actionID != f.values.Get("action_id") || got.subject.Address.CRMID != "a-1" {
				t.Errorf("client %+v, action id %q; want %+v and the form's %q", got.client, got.actionID, wantClient, f.values.Get("action_id"))
			}
			got.subject, got.client, got.actionID = nil, consent.Client{}, ""
			if !reflect.DeepEqual(got, tt.wantCall) {
				t.Errorf("call = %+v\nwant %+v", got, tt.wantCall)
			}
		})
	}
}

func TestSameFormTwicePassesTheSameActionID(t *testing.T) {
	h := newHarness(t, contact())
	f := h.form(pagePath, "consent")
	for range 2 {
		if res := h.post(f.path, f.values); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("status %d, want 303", res.StatusCode)
		}
	}
	calls := h.acme.recorded()
	if len(calls) != 2 || calls[0].actionID != calls[1].actionID {
		t.Errorf("calls %+v; want two with one action id, so the domain records once", calls)
	}
}

func TestProfileDeleteAsksFirst(t *testing.T) {
	h := newHarness(t, withProfiles(given(contact())))
	f := h.form(pagePath, "profile-delete") // the first profile's
	res := h.post(f.path, f.values)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d, want 200 with the question", res.StatusCode)
	}
	mustContain(t, res.body, "<h1>Suchprofil löschen?</h1>", "3 Zimmer München", "bis 650.000 €",
		`<input type="hidden" name="id" value="sp-1">`, `<input type="hidden" name="confirm" value="yes">`,
		">Ja, löschen</button>", ">Nein, behalten</a>")
	if calls := h.acme.recorded(); len(calls) != 0 {
		t.Fatalf("asking recorded %+v", calls)
	}
	confirm := formsIn(t, f.path, res.body, "profile-delete")
	if len(confirm) != 1 {
		t.Fatalf("question has %d forms, want 1", len(confirm))
	}
	res = h.post(confirm[0].path, confirm[0].values)
	calls := h.acme.recorded()
	if res.StatusCode != http.StatusSeeOther || len(calls) != 1 || calls[0].profileID != "sp-1" {
		t.Errorf("confirming: status %d, calls %+v; want 303 and sp-1 deleted", res.StatusCode, calls)
	}

	f.values.Set("id", "sp-404")
	res = h.post(f.path, f.values)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "../"+tokenA {
		t.Errorf("asking about an unknown profile: status %d to %q, want 303 back to the page", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestDonePages(t *testing.T) {
	due := withdrAt.AddDate(0, 1, 0)
	deleted := func() *consent.Subject {
		s := given(contact())
		s.Erasure = &store.ErasureRequest{State: store.ErasureOpen, ReceivedAt: withdrAt, DueAt: due}
		return s
	}
	tests := []struct {
		kind string
		subj *consent.Subject
		want []string
	}{
		{"consent", given(contact()), []string{"<h1>Vielen Dank für Ihre Einwilligung</h1>", "Acme Immobilien GmbH hat Ihre Einwilligung gespeichert. Eingewilligt am 02.11.2026.", "jederzeit"}},
		{"correct", given(contact()), []string{"<h1>Vielen Dank, Ihre Daten sind korrigiert</h1>", "Ihre Einwilligung gilt (erteilt am 02.11.2026)."}},
		{"withdraw", contact(), []string{"<h1>Ihr Widerruf ist eingegangen</h1>", "gilt ab sofort", "gebuchten Besichtigungstermin", "erneut einwilligen"}},
		{"deletion", deleted(), []string{"<h1>Ihre Löschanfrage ist eingegangen</h1>", "So geht es weiter", "Aufbewahrungsfristen", "spätestens bis zum 01.01.2027 eine Antwort", "laufenden Abonnement"}},
		{"deletion", contact(), []string{"innerhalb eines Monats"}},
		{"profile-saved", contact(), []string{"<h1>Vielen Dank, Ihr Suchprofil ist gespeichert</h1>"}},
		{"profile-deleted", contact(), []string{"<h1>Ihr Suchprofil ist gelöscht</h1>"}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			h := newHarness(t, tt.subj)
			res := h.get(pagePath + "/done/" + tt.kind)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d, want 200", res.StatusCode)
			}
			mustContain(t, res.body, append(tt.want, `href="../../../../e/acme/`+tokenA+`">Zurück zu Ihrer Seite</a>`, "Acme Immobilien GmbH")...)
		})
	}
}
