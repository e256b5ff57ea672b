package mapping

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func float(f float64) *float64 { return &f }

func fullProfile() SearchProfile {
	return SearchProfile{
		CRMID: "sp-9", ContactID: "c-1", Title: "3 Zimmer München", Active: true, MarketingType: "BUY",
		EstateTypes: []string{"APARTMENT"}, ZipCodes: []string{"80331", "80333"}, Cities: []string{"München"},
		PriceMax: float(650000), LivingAreaMin: float(70), RoomsMin: float(3),
		CRMUpdatedAt: time.UnixMilli(1731600000000).UTC(),
	}
}

// checkCoverage fails when a field of T has no mutation, so a field added
// to the record type cannot silently drop out of its hash.
func checkCoverage[T any](t *testing.T, mutations map[string]func(*T), ignored string) {
	t.Helper()
	typ := reflect.TypeFor[T]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		if name == ignored {
			continue
		}
		covered := false
		for key := range mutations {
			covered = covered || key == name || strings.HasPrefix(key, name+".")
		}
		if !covered {
			t.Errorf("%s.%s has no hash test", typ.Name(), name)
		}
	}
}

func TestAddressHashCoversEveryMappedField(t *testing.T) {
	mutations := map[string]func(*Address){
		"CRMID":                    func(a *Address) { a.CRMID = "c-2" },
		"Salutation":               func(a *Address) { a.Salutation = "Herr" },
		"Title":                    func(a *Address) { a.Title = "" },
		"FirstName":                func(a *Address) { a.FirstName = "Jurgen" },
		"LastName":                 func(a *Address) { a.LastName += " " },
		"CompanyName":              func(a *Address) { a.CompanyName = "GmbH" },
		"Street":                   func(a *Address) { a.Street = "Hauptstrasse" },
		"HouseNumber":              func(a *Address) { a.HouseNumber = "5" },
		"Zip":                      func(a *Address) { a.Zip = "80333" },
		"City":                     func(a *Address) { a.City = "Munich" },
		"Country":                  func(a *Address) { a.Country = "AT" },
		"Emails":                   func(a *Address) { a.Emails = append(a.Emails, Channel{Value: "b@example.de"}) },
		"Emails.Value":             func(a *Address) { a.Emails = []Channel{{Value: "x@example.de", Type: "private", Default: true}} },
		"Emails.Type":              func(a *Address) { a.Emails = []Channel{{Value: "j.weiss@example.de", Type: "work", Default: true}} },
		"Emails.Default":           func(a *Address) { a.Emails = []Channel{{Value: "j.weiss@example.de", Type: "private"}} },
		"Phones":                   func(a *Address) { a.Phones = nil },
		"ResponsibleUser":          func(a *Address) { a.ResponsibleUser = "u-18" },
		"Consent.Source":           func(a *Address) { a.Consent.Source = "Telefon" },
		"Consent.Purpose":          func(a *Address) { a.Consent.Purpose = "" },
		"Consent.Date":             func(a *Address) { a.Consent.Date = "2026-11-24" },
		"Consent.WithdrawalDate":   func(a *Address) { a.Consent.WithdrawalDate = "2026-12-01" },
		"Consent.WithdrawalReason": func(a *Address) { a.Consent.WithdrawalReason = "kein Interesse" },
		"Consent.Link":             func(a *Address) { a.Consent.Link = "" },
		"CRMCreatedAt":             func(a *Address) { a.CRMCreatedAt = a.CRMCreatedAt.Add(time.Millisecond) },
		"Facts":                    func(a *Address) { a.Facts = map[string]string{"gwg_akte": "true"} },
		"text moved between fields": func(a *Address) {
			a.FirstName, a.LastName = "Jürgen Weiß-", "Müller"
		},
		"e-mail moved to phones": func(a *Address) { a.Phones, a.Emails = append(a.Phones, a.Emails...), nil },
	}
	checkCoverage(t, mutations, "CRMUpdatedAt")
	base := fullAddress().Hash()
	for name, mutate := range mutations {
		a := fullAddress()
		mutate(&a)
		if a.Hash() == base {
			t.Errorf("changing %s left the hash unchanged", name)
		}
	}
}

func TestAddressHashIgnoresBookkeepingAndRepresentation(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	same := map[string]func(*Address){
		"CRM updated time": func(a *Address) { a.CRMUpdatedAt = a.CRMUpdatedAt.Add(time.Hour) },
		"time zone":        func(a *Address) { a.CRMCreatedAt = a.CRMCreatedAt.In(berlin) },
		"slice capacity":   func(a *Address) { a.Emails = append(make([]Channel, 0, 8), a.Emails...) },
	}
	base := fullAddress().Hash()
	for name, mutate := range same {
		a := fullAddress()
		mutate(&a)
		if got := a.Hash(); got != base {
			t.Errorf("%s changed the hash", name)
		}
	}
	if (Address{}).Hash() != (Address{Emails: []Channel{}, Phones: []Channel{}}).Hash() {
		t.Error("nil and empty channel lists hash differently")
	}
	if (SearchProfile{}).Hash() != (SearchProfile{EstateTypes: []string{}, ZipCodes: []string{}, Cities: []string{}}).Hash() {
		t.Error("nil and empty search profile lists hash differently")
	}
}

func TestHashIsStable(t *testing.T) {
	// Stored hashes must stay valid across releases: changing the encoding
	// makes every mirrored row look changed once.
	tests := []struct{ name, got, want string }{
		{"address", fullAddress().Hash(), "872a2b10509dcf19b505af21c855befec1033754ea01fafccc45c02a1030630f"},
		{"search profile", fullProfile().Hash(), "26f08e573e7f97886f657d6f329eb91f8fadec04771acc2a77a70fdd21ed0ff2"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s hash = %s, want %s", tt.name, tt.got, tt.want)
		}
	}
}

func TestSearchProfileHashCoversEveryMappedField(t *testing.T) {
	mutations := map[string]func(*SearchProfile){
		"CRMID":         func(p *SearchProfile) { p.CRMID = "sp-10" },
		"ContactID":     func(p *SearchProfile) { p.ContactID = "c-2" },
		"Title":         func(p *SearchProfile) { p.Title = "" },
		"Active":        func(p *SearchProfile) { p.Active = false },
		"MarketingType": func(p *SearchProfile) { p.MarketingType = "RENT" },
		"EstateTypes":   func(p *SearchProfile) { p.EstateTypes = append(p.EstateTypes, "HOUSE") },
		"ZipCodes":      func(p *SearchProfile) { p.ZipCodes = p.ZipCodes[:1] },
		"Cities":        func(p *SearchProfile) { p.Cities = nil },
		"PriceMax":      func(p *SearchProfile) { p.PriceMax = float(650001) },
		"LivingAreaMin": func(p *SearchProfile) { p.LivingAreaMin = nil },
		"RoomsMin":      func(p *SearchProfile) { p.RoomsMin = float(0) },
		"zip moved to cities": func(p *SearchProfile) {
			p.ZipCodes, p.Cities = []string{"80331"}, []string{"80333", "München"}
		},
		"price moved to area": func(p *SearchProfile) { p.PriceMax, p.LivingAreaMin = p.LivingAreaMin, p.PriceMax },
	}
	checkCoverage(t, mutations, "CRMUpdatedAt")
	base := fullProfile().Hash()
	for name, mutate := range mutations {
		p := fullProfile()
		mutate(&p)
		if p.Hash() == base {
			t.Errorf("changing %s left the hash unchanged", name)
		}
	}
	p := fullProfile()
	p.CRMUpdatedAt = p.CRMUpdatedAt.Add(time.Hour)
	if p.Hash() != base {
		t.Error("the CRM's update time changed the hash")
	}
}
