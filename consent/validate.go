package consent

import (
	"math"
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Message codes of FieldErrors; the page turns them into words.
const (
	CodeRequired      = "required"
	CodeTooLong       = "too_long"
	CodeInvalidText   = "invalid_text" // not valid text: control characters, < or >, broken encoding
	CodeInvalidEmail  = "invalid_email"
	CodeInvalidPhone  = "invalid_phone"
	CodeInvalidZip    = "invalid_zip"
	CodeInvalidChoice = "invalid_choice"
	CodeInvalidNumber = "invalid_number"
)

// FieldErrors maps a form field to the code of what is wrong with it.
// Correct, SaveProfile, Withdraw and RequestDeletion return it as their
// error when the input is refused; nothing is recorded then.
type FieldErrors map[string]string

// Error lists the fields and codes, sorted, without the values given.
func (e FieldErrors) Error() string {
	fields := make([]string, 0, len(e))
	for f := range e {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f + ": " + e[f]
	}
	return "invalid input: " + strings.Join(parts, ", ")
}

// orNil is e as an error, nil when it holds nothing.
func (e FieldErrors) orNil() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Limits on form input, in characters.
const (
	maxName        = 100
	maxSalutation  = 30
	maxTitle       = 50
	maxHouseNumber = 20
	maxEmail       = 254
	maxPhone       = 40
	maxReason      = 500
	maxProfileList = 50
	maxID          = 255
)

// check records code for field unless one is recorded already.
func (e FieldErrors) check(field, code string) {
	if code != "" && e[field] == "" {
		e[field] = code
	}
}

// textCode is the problem of one line of text, "" for none.
func textCode(s string, limit int, required bool) string {
	return textProblem(s, limit, required, false)
}

// reasonCode checks an optional free-text reason, which may span lines.
func reasonCode(s string) string { return textProblem(s, maxReason, false, true) }

// textProblem counts characters only of valid text, so a huge input costs
// one pass at most.
func textProblem(s string, limit int, required, multiline bool) string {
	switch {
	case len(s) > limit*utf8.UTFMax || (utf8.ValidString(s) && utf8.RuneCountInString(s) > limit):
		return CodeTooLong
	case !plainText(s, multiline):
		return CodeInvalidText
	case required && s == "":
		return CodeRequired
	}
	return ""
}

// plainText accepts valid UTF-8 without control characters (line breaks
// and tabs allowed when multiline) and without < or >, which no name,
// address or reason needs and which only markup would bring.
func plainText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		switch {
		case r == '<' || r == '>':
			return false
		case multiline && (r == '\n' || r == '\r' || r == '\t'):
		case unicode.IsControl(r):
			return false
		}
	}
	return true
}

var (
	zipPattern   = regexp.MustCompile(`^[0-9A-Za-z][0-9A-Za-z -]{2,9}$`)
	phonePattern = regexp.MustCompile(`^\+?[0-9 ()/.\-]{5,40}$`)
)

func zipCode(s string) string {
	if code := formatCode(s, maxName, CodeInvalidZip); code != "" || s == "" {
		return code
	}
	if !zipPattern.MatchString(s) || !strings.ContainsAny(s, "0123456789") {
		return CodeInvalidZip
	}
	return ""
}

// formatCode is the code of a field with a format of its own: too long,
// or invalid as whatever else is wrong with it.
func formatCode(s string, limit int, invalid string) string {
	switch textCode(s, limit, false) {
	case CodeTooLong:
		return CodeTooLong
	case CodeInvalidText:
		return invalid
	}
	return ""
}

func emailCode(s string) string {
	if code := formatCode(s, maxEmail, CodeInvalidEmail); code != "" || s == "" {
		return code
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return CodeInvalidEmail
	}
	at := strings.LastIndexByte(s, '@')
	if domain := s[at+1:]; !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return CodeInvalidEmail
	}
	return ""
}

func phoneCode(s string) string {
	if code := formatCode(s, maxPhone, CodeInvalidPhone); code != "" || s == "" {
		return code
	}
	digits := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	if !phonePattern.MatchString(s) || digits < 5 {
		return CodeInvalidPhone
	}
	return ""
}

// Correction is the contact data as the person corrected it on the page.
// An empty e-mail or phone keeps the contact's entries as they are; the
// other fields are taken as given, so an emptied field is cleared.
type Correction struct {
	Salutation, Title, FirstName, LastName string
	Street, HouseNumber, Zip, City         string
	Email, Phone                           string
}

// trimmed is c with surrounding white space removed from every field.
func (c Correction) trimmed() Correction {
	t := strings.TrimSpace
	return Correction{Salutation: t(c.Salutation), Title: t(c.Title), FirstName: t(c.FirstName),
		LastName: t(c.LastName), Street: t(c.Street), HouseNumber: t(c.HouseNumber), Zip: t(c.Zip),
		City: t(c.City), Email: t(c.Email), Phone: t(c.Phone)}
}

// Validate reports every field of c the page must ask about again, keyed
// by the form names salutation, title, firstName, lastName, street,
// houseNumber, zip, city, email and phone. Surrounding space is ignored.
func (c Correction) Validate() FieldErrors {
	c = c.trimmed()
	e := FieldErrors{}
	e.check("salutation", textCode(c.Salutation, maxSalutation, false))
	e.check("title", textCode(c.Title, maxTitle, false))
	e.check("firstName", textCode(c.FirstName, maxName, false))
	e.check("lastName", textCode(c.LastName, maxName, true))
	e.check("street", textCode(c.Street, maxName, false))
	e.check("houseNumber", textCode(c.HouseNumber, maxHouseNumber, false))
	e.check("zip", zipCode(c.Zip))
	e.check("city", textCode(c.City, maxName, false))
	e.check("email", emailCode(c.Email))
	e.check("phone", phoneCode(c.Phone))
	return e
}

// Marketing and estate types a search profile may have, as the CRM takes them.
var (
	MarketingTypes = []string{"BUY", "RENT"}
	EstateTypes    = []string{"APARTMENT", "HOUSE", "PLOT", "OFFICE", "RETAIL", "INVESTMENT", "OTHER"}
)

// Upper bounds of a search profile's numbers; anything above is a typo.
const (
	maxPrice = 1e10
	maxArea  = 1e6
	maxRooms = 1000
)

// ProfileInput is a search profile as the person entered it. ID "" creates
// a new one; otherwise it names the profile to replace.
type ProfileInput struct {
	ID, Title, MarketingType          string
	EstateTypes, ZipCodes, Cities     []string
	PriceMax, LivingAreaMin, RoomsMin *float64
	Active                            bool
}

// normalized trims every text, drops empty and repeated list entries.
func (p ProfileInput) normalized() ProfileInput {
	p.ID, p.Title, p.MarketingType = strings.TrimSpace(p.ID), strings.TrimSpace(p.Title), strings.TrimSpace(p.MarketingType)
	p.EstateTypes, p.ZipCodes, p.Cities = cleanList(p.EstateTypes), cleanList(p.ZipCodes), cleanList(p.Cities)
	return p
}

func cleanList(in []string) []string {
	var out []string
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// Validate reports every field of p the page must ask about again, keyed
// by id, title, marketingType, estateTypes, zipCodes, cities, priceMax,
// livingAreaMin and roomsMin.
func (p ProfileInput) Validate() FieldErrors {
	e := FieldErrors{}
	e.check("estateTypes", listCode(p.EstateTypes))
	e.check("zipCodes", listCode(p.ZipCodes))
	e.check("cities", listCode(p.Cities))
	if len(e) > 0 {
		return e // the entries of an over-long list are not worth reading
	}
	p = p.normalized()
	e.check("id", textCode(p.ID, maxID, false))
	e.check("title", textCode(p.Title, maxName, false))
	e.check("marketingType", choiceCode(p.MarketingType, MarketingTypes, true))
	for _, t := range p.EstateTypes {
		e.check("estateTypes", choiceCode(t, EstateTypes, false))
	}
	for _, z := range p.ZipCodes {
		e.check("zipCodes", zipCode(z))
	}
	for _, c := range p.Cities {
		e.check("cities", textCode(c, maxName, false))
	}
	e.check("priceMax", numberCode(p.PriceMax, maxPrice))
	e.check("livingAreaMin", numberCode(p.LivingAreaMin, maxArea))
	e.check("roomsMin", numberCode(p.RoomsMin, maxRooms))
	return e
}

func listCode(l []string) string {
	if len(l) > maxProfileList {
		return CodeTooLong
	}
	return ""
}

func choiceCode(s string, allowed []string, required bool) string {
	switch {
	case s == "" && required:
		return CodeRequired
	case s != "" && !slices.Contains(allowed, s):
		return CodeInvalidChoice
	}
	return ""
}

func numberCode(v *float64, limit float64) string {
	if v != nil && (math.IsNaN(*v) || *v < 0 || *v > limit) {
		return CodeInvalidNumber
	}
	return ""
}
