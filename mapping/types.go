package mapping

import "time"

// Address is the mirror of one CRM contact ("Adresse") in a company's database.
type Address struct {
	CRMID           string
	Salutation      string
	Title           string
	FirstName       string
	LastName        string
	CompanyName     string
	Street          string
	HouseNumber     string
	Zip             string
	City            string
	Country         string
	Emails          []Channel
	Phones          []Channel
	ResponsibleUser string
	Consent         ConsentFields
	// Facts are the values of the fact fields the mapping declares, by fact
	// name, for the company's retention rules; facts without a value are
	// left out.
	Facts        map[string]string
	CRMCreatedAt time.Time
	CRMUpdatedAt time.Time
}

// Channel is one e-mail address or phone number of a contact.
type Channel struct {
	Value   string `json:"value"`
	Type    string `json:"type,omitempty"`
	Default bool   `json:"default,omitempty"`
}

// ConsentFields are the consent detail fields as the CRM currently holds
// them. Dates are "YYYY-MM-DD" strings as the CRM stores them; empty means
// no value.
type ConsentFields struct {
	Source           string
	Purpose          string
	Date             string
	WithdrawalDate   string
	WithdrawalReason string
	Link             string
}

// SearchProfile is the mirror of one CRM search profile ("Suchprofil").
type SearchProfile struct {
	CRMID         string
	ContactID     string
	Title         string
	Active        bool
	MarketingType string // BUY or RENT
	EstateTypes   []string
	ZipCodes      []string
	Cities        []string
	PriceMax      *float64
	LivingAreaMin *float64
	RoomsMin      *float64
	CRMUpdatedAt  time.Time
}
