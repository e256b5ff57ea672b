package mapping

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/consentd/consentd/connector"
)

var marketingTypes = []string{"BUY", "RENT"}

var estateTypes = []string{"APARTMENT", "HOUSE", "PLOT", "OFFICE", "RETAIL", "INVESTMENT", "OTHER"}

// SearchProfile maps one CRM search profile. Text is trimmed, empty list
// entries are dropped, and the result shares no memory with p. An empty
// marketing type means the CRM gave none. The error names every malformed
// field: missing ids, an unknown marketing or estate type, negative or
// non-finite numbers, over-long text or lists.
func (m *Mapping) SearchProfile(p connector.SearchProfile) (SearchProfile, error) {
	var errs fieldErrors
	errs.check("id", checkID(p.ID))
	errs.check("contactId", checkID(p.ContactID))
	sp := SearchProfile{
		CRMID:         p.ID,
		ContactID:     p.ContactID,
		Title:         errs.text("title", p.Title, plainText),
		Active:        p.Active,
		MarketingType: errs.text("marketingType", p.MarketingType, marketingType),
		EstateTypes:   errs.list("estateTypes", p.EstateTypes, estateType),
		ZipCodes:      errs.list("zipCodes", p.ZipCodes, plainText),
		Cities:        errs.list("cities", p.Cities, plainText),
		PriceMax:      errs.amount("priceMax", p.PriceMax),
		LivingAreaMin: errs.amount("livingAreaMin", p.LivingAreaMin),
		RoomsMin:      errs.amount("roomsMin", p.RoomsMin),
		CRMUpdatedAt:  errs.time("updatedAt", p.UpdatedAt),
	}
	if err := errs.err(); err != nil {
		return SearchProfile{}, err
	}
	return sp, nil
}

func marketingType(s string) (string, error) { return oneOf(s, marketingTypes, "a marketing type") }

func estateType(s string) (string, error) { return oneOf(s, estateTypes, "an estate type") }

func plainText(s string) (string, error) { return cleanText(s, maxText) }

// oneOf accepts an empty value or one of the allowed codes, exactly as
// written apart from surrounding white space.
func oneOf(s string, allowed []string, what string) (string, error) {
	s, err := cleanText(s, maxText)
	if err != nil || s == "" {
		return s, err
	}
	for _, a := range allowed {
		if s == a {
			return s, nil
		}
	}
	return "", fmt.Errorf("%q is not %s; want one of %s", truncate(s, 40), what, strings.Join(allowed, ", "))
}

// text cleans one text value.
func (fe *fieldErrors) text(field, s string, clean func(string) (string, error)) string {
	s, err := clean(s)
	fe.check(field, err)
	return s
}

// list cleans every entry of a list, dropping empty ones.
func (fe *fieldErrors) list(field string, in []string, clean func(string) (string, error)) []string {
	if len(in) > maxListItems {
		fe.add(field, fmt.Errorf("has %d entries, more than the %d allowed", len(in), maxListItems))
		return nil
	}
	var out []string
	for i, s := range in {
		s, err := clean(s)
		if err != nil {
			fe.add(fmt.Sprintf("%s[%d]", field, i), err)
			continue
		}
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// amount copies an optional price, area or room count, which must be a
// finite number not below zero.
func (fe *fieldErrors) amount(field string, v *float64) *float64 {
	if v == nil {
		return nil
	}
	if *v < 0 || math.IsNaN(*v) || math.IsInf(*v, 0) {
		fe.add(field, errors.New("must be a number of zero or more"))
		return nil
	}
	c := *v
	return &c
}
