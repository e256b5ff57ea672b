// Package mapping translates a company's CRM contacts and search profiles
// into the mirror's Address and SearchProfile records. Which CRM field holds
// which part of an address is configured per company; the defaults follow
// the CRM API contract. The package does no I/O.
package mapping

// Mapping names the CRM fields that hold each part of an address for one
// company. It is immutable once built, so one value can serve every
// concurrent sync run of that company.
type Mapping struct {
	schema string

	salutation, title, firstName, lastName, companyName string
	emails, phones, addresses, responsibleUser          string

	street, houseNumber, zip, city, country string

	consentSource, consentPurpose, consentDate           string
	consentWithdrawalDate, consentWithdrawalReason, link string

	// facts are the CRM fields the company's retention rules read, by fact
	// name, e.g. "maklervertrag_brief" → a date field of the contact.
	facts []fact
}

// fact is one declared fact: its name for retention rules and the CRM
// field that holds it.
type fact struct{ name, field string }

// Mapping file sections. Contact and consent entries name top-level CRM
// fields; address entries name keys inside one entry of the addresses field.
const (
	sectionContact = "contact"
	sectionAddress = "address"
	sectionConsent = "consent"
	sectionFacts   = "facts"
)

// slot ties one configurable role to its place in a Mapping, so parsing,
// validation and field listing share one table.
type slot struct {
	section string
	key     string
	name    *string
}

func (s slot) path() string { return s.section + "." + s.key }

// topLevel reports whether the slot names a field of the CRM schema (and
// not a key inside an address entry).
func (s slot) topLevel() bool { return s.section != sectionAddress }

func (m *Mapping) slots() []slot {
	return []slot{
		{sectionContact, "salutation", &m.salutation},
		{sectionContact, "title", &m.title},
		{sectionContact, "firstName", &m.firstName},
		{sectionContact, "lastName", &m.lastName},
		{sectionContact, "companyName", &m.companyName},
		{sectionContact, "emails", &m.emails},
		{sectionContact, "phones", &m.phones},
		{sectionContact, "addresses", &m.addresses},
		{sectionContact, "responsibleUser", &m.responsibleUser},
		{sectionAddress, "street", &m.street},
		{sectionAddress, "houseNumber", &m.houseNumber},
		{sectionAddress, "zip", &m.zip},
		{sectionAddress, "city", &m.city},
		{sectionAddress, "country", &m.country},
		{sectionConsent, "source", &m.consentSource},
		{sectionConsent, "purpose", &m.consentPurpose},
		{sectionConsent, "date", &m.consentDate},
		{sectionConsent, "withdrawalDate", &m.consentWithdrawalDate},
		{sectionConsent, "withdrawalReason", &m.consentWithdrawalReason},
		{sectionConsent, "link", &m.link},
	}
}

var defaultMapping = Mapping{
	schema:     "contacts",
	salutation: "salutation", title: "title", firstName: "firstName", lastName: "lastName",
	companyName: "companyName", emails: "emails", phones: "phoneNumbers",
	addresses: "addresses", responsibleUser: "responsibleUser",
	street: "street", houseNumber: "houseNumber", zip: "zipcode", city: "city", country: "country",
	consentSource: "einwilligung_quelle", consentPurpose: "einwilligung_zweck",
	consentDate: "einwilligung_datum", consentWithdrawalDate: "einwilligung_widerrufsdatum",
	consentWithdrawalReason: "einwilligung_widerrufsgrund", link: "einwilligung_link",
}

// Default returns the mapping for a CRM that uses the field names of the
// CRM API contract.
func Default() *Mapping {
	m := defaultMapping
	return &m
}

// Schema is the name of the CRM schema that holds the contacts.
func (m *Mapping) Schema() string { return m.schema }

// Fields lists every CRM field the mapping reads or writes, so a start-up
// check can confirm each exists in the company's contact schema.
func (m *Mapping) Fields() []string {
	var out []string
	for _, s := range m.slots() {
		if s.topLevel() {
			out = append(out, *s.name)
		}
	}
	for _, f := range m.facts {
		out = append(out, f.field)
	}
	return out
}

// Facts lists the names of the facts the mapping declares, in file order.
func (m *Mapping) Facts() []string {
	out := make([]string, len(m.facts))
	for i, f := range m.facts {
		out[i] = f.name
	}
	return out
}

// FetchFields lists the fields to request in a search's "fetch" list: the
// id, the metadata (for change times) and every mapped field.
func (m *Mapping) FetchFields() []string {
	return append([]string{"id", "_metadata"}, m.Fields()...)
}
