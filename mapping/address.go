package mapping

import (
	"encoding/json"
	"fmt"

	"github.com/consentd/consentd/connector"
)

// Address maps one CRM contact. Missing fields, null and empty value lists
// give empty values; text is trimmed; salutation and title stay as the CRM
// has them. Of a single-valued field only the first value counts. The error
// names every field that is malformed (wrong JSON type, invalid UTF-8, NUL,
// too long, too many entries, bad date or time) without echoing personal
// data; the caller should skip such a contact and log its id.
func (m *Mapping) Address(e connector.Entity) (Address, error) {
	if err := checkID(e.ID); err != nil {
		return Address{}, fmt.Errorf("field id: %w", err)
	}
	r := entityReader{entity: e}
	a := Address{
		CRMID:           e.ID,
		Salutation:      r.text(m.salutation),
		Title:           r.text(m.title),
		FirstName:       r.text(m.firstName),
		LastName:        r.text(m.lastName),
		CompanyName:     r.text(m.companyName),
		Emails:          r.channels(m.emails, maxEmail),
		Phones:          r.channels(m.phones, maxPhone),
		ResponsibleUser: r.text(m.responsibleUser),
		Consent:         m.consent(&r),
		Facts:           m.readFacts(&r),
		CRMCreatedAt:    r.errs.time("_metadata.createdAt", e.Metadata.CreatedAt),
		CRMUpdatedAt:    r.errs.time("_metadata.updatedAt", e.Metadata.UpdatedAt),
	}
	m.postal(&r, &a)
	if err := r.errs.err(); err != nil {
		return Address{}, err
	}
	return a, nil
}

func (m *Mapping) consent(r *entityReader) ConsentFields {
	return ConsentFields{
		Source:           r.text(m.consentSource),
		Purpose:          r.text(m.consentPurpose),
		Date:             r.date(m.consentDate),
		WithdrawalDate:   r.date(m.consentWithdrawalDate),
		WithdrawalReason: r.text(m.consentWithdrawalReason),
		Link:             r.text(m.link),
	}
}

// postal fills the postal address from the entry flagged default, or the
// first entry when none is.
func (m *Mapping) postal(r *entityReader, a *Address) {
	entries := r.objects(m.addresses)
	chosen := -1
	for i, obj := range entries {
		if obj == nil {
			continue
		}
		if chosen < 0 {
			chosen = i
		}
		if r.flag(obj, fmt.Sprintf("%s[%d]", m.addresses, i)) {
			chosen = i
			break
		}
	}
	if chosen < 0 {
		return
	}
	obj, at := entries[chosen], fmt.Sprintf("%s[%d]", m.addresses, chosen)
	a.Street = r.member(obj, at, m.street, maxText)
	a.HouseNumber = r.member(obj, at, m.houseNumber, maxText)
	a.Zip = r.member(obj, at, m.zip, maxText)
	a.City = r.member(obj, at, m.city, maxText)
	a.Country = r.member(obj, at, m.country, maxText)
}

// entityReader decodes fields of one entity, collecting problems instead of
// stopping at the first.
type entityReader struct {
	entity connector.Entity
	errs   fieldErrors
}

func (r *entityReader) text(field string) string {
	return r.first(field, func(raw json.RawMessage) (string, error) { return decodeText(raw, maxText) })
}

func (r *entityReader) date(field string) string {
	return r.first(field, decodeDate)
}

// first decodes the first value of a single-valued field.
func (r *entityReader) first(field string, decode func(json.RawMessage) (string, error)) string {
	values := r.entity.Fields[field]
	if len(values) == 0 {
		return ""
	}
	s, err := decode(values[0])
	r.errs.check(field, err)
	return s
}

// objects decodes a list field whose values are JSON objects; an entry
// that is not an object is reported and left nil, so indexes stay those of
// the CRM.
func (r *entityReader) objects(field string) []map[string]json.RawMessage {
	values := r.entity.Fields[field]
	if len(values) > maxChannels {
		r.errs.add(field, fmt.Errorf("has %d entries, more than the %d allowed", len(values), maxChannels))
		return nil
	}
	out := make([]map[string]json.RawMessage, len(values))
	for i, raw := range values {
		obj, err := decodeObject(raw)
		if err != nil {
			r.errs.add(fmt.Sprintf("%s[%d]", field, i), err)
		}
		out[i] = obj
	}
	return out
}

// member decodes one text member of an object entry.
func (r *entityReader) member(obj map[string]json.RawMessage, at, key string, limit int) string {
	s, err := decodeText(obj[key], limit)
	r.errs.check(at+"."+key, err)
	return s
}

// flag decodes the "default" member of an object entry.
func (r *entityReader) flag(obj map[string]json.RawMessage, at string) bool {
	def, err := decodeBool(obj["default"])
	r.errs.check(at+".default", err)
	return def
}

// channels decodes e-mail addresses or phone numbers; entries without a
// value carry nothing to mirror and are dropped.
func (r *entityReader) channels(field string, limit int) []Channel {
	var out []Channel
	for i, obj := range r.objects(field) {
		if obj == nil {
			continue
		}
		at := fmt.Sprintf("%s[%d]", field, i)
		c := Channel{
			Value:   r.member(obj, at, "value", limit),
			Type:    r.member(obj, at, "type", maxText),
			Default: r.flag(obj, at),
		}
		if c.Value != "" {
			out = append(out, c)
		}
	}
	return out
}
