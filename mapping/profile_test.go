package mapping

import (
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/consentd/consentd/connector"
)

func crmProfile() connector.SearchProfile {
	return connector.SearchProfile{
		ID: "sp-9", ContactID: "c-1", Title: "3 Zimmer München", Active: true, MarketingType: "BUY",
		EstateTypes: []string{"APARTMENT"}, ZipCodes: []string{"80331", "80333"}, Cities: []string{"München"},
		PriceMax: float(650000), LivingAreaMin: float(70), RoomsMin: float(3), UpdatedAt: 1731600000000,
	}
}

func TestSearchProfileMapsFields(t *testing.T) {
	tests := []struct {
		name string
		edit func(*connector.SearchProfile)
		want func(*SearchProfile)
	}{
		{"contract example", func(*connector.SearchProfile) {}, func(*SearchProfile) {}},
		{
			name: "only ids",
			edit: func(p *connector.SearchProfile) { *p = connector.SearchProfile{ID: "sp-9", ContactID: "c-1"} },
			want: func(p *SearchProfile) { *p = SearchProfile{CRMID: "sp-9", ContactID: "c-1"} },
		},
		{
			name: "text trimmed, empty list entries dropped, umlauts kept",
			edit: func(p *connector.SearchProfile) {
				p.Title, p.MarketingType = "  Haus für Familie Groß ", " RENT "
				p.EstateTypes = []string{" HOUSE", "", "PLOT "}
				p.ZipCodes, p.Cities = []string{" 50667 ", "  "}, []string{"Köln", "Düsseldorf\t"}
			},
			want: func(p *SearchProfile) {
				p.Title, p.MarketingType = "Haus für Familie Groß", "RENT"
				p.EstateTypes = []string{"HOUSE", "PLOT"}
				p.ZipCodes, p.Cities = []string{"50667"}, []string{"Köln", "Düsseldorf"}
			},
		},
		{
			name: "zero amounts and empty lists",
			edit: func(p *connector.SearchProfile) {
				p.PriceMax, p.LivingAreaMin, p.RoomsMin = float(0), nil, nil
				p.EstateTypes, p.ZipCodes, p.Cities = []string{}, nil, []string{""}
			},
			want: func(p *SearchProfile) {
				p.PriceMax, p.LivingAreaMin, p.RoomsMin = float(0), nil, nil
				p.EstateTypes, p.ZipCodes, p.Cities = nil, nil, nil
			},
		},
		{
			name: "every estate type",
			edit: func(p *connector.SearchProfile) { p.EstateTypes = estateTypes },
			want: func(p *SearchProfile) { p.EstateTypes = estateTypes },
		},
		{
			name: "no marketing type",
			edit: func(p *connector.SearchProfile) { p.MarketingType = "" },
			want: func(p *SearchProfile) { p.MarketingType = "" },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := crmProfile()
			tt.edit(&in)
			want := fullProfile()
			tt.want(&want)
			got, err := Default().SearchProfile(in)
			if err != nil {
				t.Fatalf("SearchProfile: %v", err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("SearchProfile =\n%+v\nwant\n%+v", got, want)
			}
		})
	}
}

func TestSearchProfileSharesNoMemory(t *testing.T) {
	in := crmProfile()
	got, err := Default().SearchProfile(in)
	if err != nil {
		t.Fatalf("SearchProfile: %v", err)
	}
	*in.PriceMax = 1
	in.ZipCodes[0] = "changed"
	if *got.PriceMax != 650000 || got.ZipCodes[0] != "80331" {
		t.Errorf("changing the CRM profile changed the mapped one: %+v", got)
	}
	if got.CRMUpdatedAt != time.UnixMilli(1731600000000).UTC() || got.CRMUpdatedAt.Location() != time.UTC {
		t.Errorf("CRMUpdatedAt = %v, want 2024-11-14 16:00 UTC", got.CRMUpdatedAt)
	}
}

func TestSearchProfileRejectsMalformedProfiles(t *testing.T) {
	tests := []struct {
		name string
		edit func(*connector.SearchProfile)
		want string
	}{
		{"missing id", func(p *connector.SearchProfile) { p.ID = "" }, "field id: is missing"},
		{"missing contact id", func(p *connector.SearchProfile) { p.ContactID = " " }, "field contactId: is missing"},
		{"lower-case marketing type", func(p *connector.SearchProfile) { p.MarketingType = "buy" }, `field marketingType: "buy" is not a marketing type; want one of BUY, RENT`},
		{"unknown marketing type", func(p *connector.SearchProfile) { p.MarketingType = "LEASE" }, `field marketingType: "LEASE" is not a marketing type; want one of BUY, RENT`},
		{"unknown estate type", func(p *connector.SearchProfile) { p.EstateTypes = []string{"HOUSE", "VILLA"} }, `field estateTypes[1]: "VILLA" is not an estate type; want one of APARTMENT, HOUSE, PLOT, OFFICE, RETAIL, INVESTMENT, OTHER`},
		{"negative price", func(p *connector.SearchProfile) { p.PriceMax = float(-1) }, "field priceMax: must be a number of zero or more"},
		{"negative area", func(p *connector.SearchProfile) { p.LivingAreaMin = float(-0.5) }, "field livingAreaMin: must be a number of zero or more"},
		{"rooms not a number", func(p *connector.SearchProfile) { p.RoomsMin = float(math.NaN()) }, "field roomsMin: must be a number of zero or more"},
		{"infinite price", func(p *connector.SearchProfile) { p.PriceMax = float(math.Inf(1)) }, "field priceMax: must be a number of zero or more"},
		{"title with NUL", func(p *connector.SearchProfile) { p.Title = "a\x00b" }, "field title: contains a NUL character"},
		{"1 MB title", func(p *connector.SearchProfile) { p.Title = strings.Repeat("x", 1<<20) }, "field title: is 1048576 bytes long, more than the 1000 allowed"},
		{"title invalid UTF-8", func(p *connector.SearchProfile) { p.Title = "M\xfcnchen" }, "field title: is not valid UTF-8"},
		{"city too long", func(p *connector.SearchProfile) { p.Cities = []string{"Ulm", strings.Repeat("ö", 501)} }, "field cities[1]: is 1002 bytes long, more than the 1000 allowed"},
		{"too many zip codes", func(p *connector.SearchProfile) { p.ZipCodes = make([]string, maxListItems+1) }, "field zipCodes: has 501 entries, more than the 500 allowed"},
		{"negative update time", func(p *connector.SearchProfile) { p.UpdatedAt = -1 }, "field updatedAt: -1 is not a plausible time in epoch milliseconds"},
		{
			"every problem at once",
			func(p *connector.SearchProfile) { p.ID, p.MarketingType, p.RoomsMin = "", "RENT ", float(-3) },
			"field id: is missing; field roomsMin: must be a number of zero or more",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := crmProfile()
			tt.edit(&in)
			got, err := Default().SearchProfile(in)
			if err == nil {
				t.Fatalf("SearchProfile = %+v, want error %q", got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error =\n%s\nwant\n%s", err, tt.want)
			}
		})
	}
}
