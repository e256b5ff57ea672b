package mapping

import (
	"strings"

	"github.com/consentd/consentd/connector"
)

// Write-backs: the field values consentd writes into the CRM, as the
// connector's PatchEntity takes them. An empty text is written as an empty
// value list, which clears the field.

// ConsentPatch writes the consent detail fields: source, purpose, date,
// withdrawal date and withdrawal reason. The link field is left alone.
func (m *Mapping) ConsentPatch(f ConsentFields) map[string][]any {
	return map[string][]any{
		m.consentSource:           textValue(f.Source),
		m.consentPurpose:          textValue(f.Purpose),
		m.consentDate:             textValue(f.Date),
		m.consentWithdrawalDate:   textValue(f.WithdrawalDate),
		m.consentWithdrawalReason: textValue(f.WithdrawalReason),
	}
}

// WithdrawalPatch writes only the withdrawal date and reason, so what the
// CRM holds about how the consent was given stays as it is.
func (m *Mapping) WithdrawalPatch(date, reason string) map[string][]any {
	return map[string][]any{
		m.consentWithdrawalDate:   textValue(date),
		m.consentWithdrawalReason: textValue(reason),
	}
}

// LinkPatch writes the URL of the contact's consent page into the field the
// mail template's placeholder reads; "" clears it.
func (m *Mapping) LinkPatch(url string) map[string][]any {
	return map[string][]any{m.link: textValue(url)}
}

// ContactPatch writes a contact's corrected data: salutation, title, first
// and last name, the postal address, e-mails and phones. A patch replaces a
// list field whole, so the addresses value is the one default entry built
// from a (with its country), and the e-mail and phone lists are a's lists
// as they are: pass them through WithDefault to put a corrected value in
// front of the contact's others.
func (m *Mapping) ContactPatch(a Address) map[string][]any {
	return map[string][]any{
		m.salutation: textValue(a.Salutation),
		m.title:      textValue(a.Title),
		m.firstName:  textValue(a.FirstName),
		m.lastName:   textValue(a.LastName),
		m.addresses:  m.postalValue(a),
		m.emails:     channelValues(a.Emails),
		m.phones:     channelValues(a.Phones),
	}
}

// postalValue is the addresses field holding a's postal address as the
// default entry; empty parts are left out, and no part at all gives [].
func (m *Mapping) postalValue(a Address) []any {
	entry := map[string]any{}
	for key, v := range map[string]string{
		m.street: a.Street, m.houseNumber: a.HouseNumber, m.zip: a.Zip, m.city: a.City, m.country: a.Country,
	} {
		if v != "" {
			entry[key] = v
		}
	}
	if len(entry) == 0 {
		return []any{}
	}
	entry["default"] = true
	return []any{entry}
}

// channelValues writes e-mails or phone numbers in the CRM's shape.
func channelValues(cs []Channel) []any {
	out := make([]any, 0, len(cs))
	for _, c := range cs {
		entry := map[string]any{"value": c.Value, "default": c.Default}
		if c.Type != "" {
			entry["type"] = c.Type
		}
		out = append(out, entry)
	}
	return out
}

// WithDefault makes value the default entry of cs and keeps the others,
// no longer default. An entry that holds value already (compared without
// regard to case and surrounding space) is moved to the front; otherwise a
// new entry of the old default's type is put there. An empty value leaves
// cs as it is. cs itself is not changed.
func WithDefault(cs []Channel, value string) []Channel {
	value = strings.TrimSpace(value)
	if value == "" {
		return append([]Channel(nil), cs...)
	}
	front := Channel{Value: value, Type: DefaultChannel(cs).Type, Default: true}
	out := []Channel{front}
	for _, c := range cs {
		if strings.EqualFold(strings.TrimSpace(c.Value), value) {
			out[0].Type = c.Type
			continue
		}
		c.Default = false
		out = append(out, c)
	}
	return out
}

// DefaultChannel is a contact's preferred e-mail address or phone number:
// the entry flagged default, else the first; the zero Channel for none.
func DefaultChannel(cs []Channel) Channel {
	for _, c := range cs {
		if c.Default {
			return c
		}
	}
	if len(cs) > 0 {
		return cs[0]
	}
	return Channel{}
}

// ProfileOut is a search profile as the CRM takes it for create or replace.
// A profile without CRM id yet is sent without id.
func (m *Mapping) ProfileOut(p SearchProfile) connector.SearchProfile {
	return connector.SearchProfile{
		ID: p.CRMID, ContactID: p.ContactID, Title: p.Title, Active: p.Active,
		MarketingType: p.MarketingType,
		EstateTypes:   append([]string(nil), p.EstateTypes...),
		ZipCodes:      append([]string(nil), p.ZipCodes...),
		Cities:        append([]string(nil), p.Cities...),
		PriceMax:      copyNumber(p.PriceMax), LivingAreaMin: copyNumber(p.LivingAreaMin), RoomsMin: copyNumber(p.RoomsMin),
	}
}

func copyNumber(f *float64) *float64 {
	if f == nil {
		return nil
	}
	return new(*f)
}

// textValue is a single-valued text field's value list.
func textValue(s string) []any {
	if s == "" {
		return []any{}
	}
	return []any{s}
}
