package mockcrm

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// ContactsSchema is the only entity schema the mock CRM holds.
const ContactsSchema = "contacts"

// Field types of the contacts schema as GET /schema-service/… reports them.
const (
	TypeString    = "string"
	TypeDate      = "date" // "YYYY-MM-DD"
	TypeURL       = "url"
	TypeUser      = "user" // id of a broker, see GET /user-service/stable/users
	TypeEmails    = "emails"
	TypePhones    = "phones"
	TypeAddresses = "addresses"
)

// Field is one field of the contacts schema.
type Field struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// contactFields is the contacts schema in the order entities list their
// fields. The einwilligung_* fields are the custom fields a broker adds for
// consent details, the ones after them those he keeps for retention.
var contactFields = [...]Field{
	{"salutation", TypeString},
	{"title", TypeString},
	{"firstName", TypeString},
	{"lastName", TypeString},
	{"companyName", TypeString},
	{"emails", TypeEmails},
	{"phoneNumbers", TypePhones},
	{"addresses", TypeAddresses},
	{"responsibleUser", TypeUser},
	{"einwilligung_quelle", TypeString},
	{"einwilligung_zweck", TypeString},
	{"einwilligung_datum", TypeDate},
	{"einwilligung_widerrufsdatum", TypeDate},
	{"einwilligung_widerrufsgrund", TypeString},
	{"einwilligung_link", TypeURL},
	// Fields a broker keeps for his retention periods ("Löschfristen").
	{"nachweis_datum", TypeDate},
	{"maklervertrag_brief", TypeDate},
	{"provision_hauptvertrag", TypeDate},
	{"gwg_akte", TypeString},
	{"gwg_beziehung_ende", TypeDate},
	{"mietbewerbung_abgelehnt", TypeDate},
	{"rechtsstreit", TypeString},
}

// ContactFields returns the contacts schema.
func ContactFields() []Field { return slices.Clone(contactFields[:]) }

func fieldType(name string) (string, bool) {
	i := slices.IndexFunc(contactFields[:], func(f Field) bool { return f.Name == name })
	if i < 0 {
		return "", false
	}
	return contactFields[i].Type, true
}

// metaFields are the keys of an entity that are not schema fields. Clients
// may send them back with a PATCH; they are read-only and ignored.
func isMetaKey(key string) bool { return key == "id" || key == "_metadata" }

func (s *Server) handleSchema(r *http.Request) (reply, error) {
	if err := checkSchema(r); err != nil {
		return reply{}, err
	}
	return jsonReply(http.StatusOK, map[string]any{"name": ContactsSchema, "fields": contactFields})
}

func checkSchema(r *http.Request) error {
	if name := r.PathValue("schema"); name != ContactsSchema {
		return errorf(http.StatusNotFound, "schema %q not found; this CRM holds %q", name, ContactsSchema)
	}
	return nil
}

// parseFields reads a body of schema fields, each {"values": [...]}, and
// returns each field's values array in stored form. Every problem is
// reported at once so a client fixes its request in one go.
func parseFields(body []byte, users map[string]bool) (map[string][]byte, error) {
	var top map[string]json.RawMessage
	if err := decodeStrict(body, &top); err != nil || top == nil {
		return nil, errorf(http.StatusBadRequest, "body must be a JSON object of contact fields, each {\"values\": [...]}")
	}
	keys := slices.Sorted(maps.Keys(top))
	out := make(map[string][]byte, len(top))
	var problems []error
	for _, k := range keys {
		if isMetaKey(k) {
			continue
		}
		v, err := fieldValues(k, top[k], users)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		out[k] = v
	}
	if len(problems) > 0 {
		return nil, errorf(http.StatusBadRequest, "%s", joinErrors(problems))
	}
	return out, nil
}

func joinErrors(errs []error) string {
	msgs := make([]string, len(errs))
	for i, e := range errs {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// fieldValues validates one field against its type.
func fieldValues(name string, raw json.RawMessage, users map[string]bool) ([]byte, error) {
	typ, ok := fieldType(name)
	if !ok {
		return nil, fmt.Errorf("unknown field %q: the contacts schema has no such field (see GET /schema-service/stable/v2/schemas/contacts)", name)
	}
	var fv struct {
		Values *[]json.RawMessage `json:"values"`
	}
	if err := decodeStrict(raw, &fv); err != nil || fv.Values == nil {
		return nil, fmt.Errorf("field %s: want {\"values\": [...]}", name)
	}
	b, err := canonicalValues(typ, *fv.Values, users)
	if err != nil {
		return nil, fmt.Errorf("field %s: %w", name, err)
	}
	return b, nil
}

func canonicalValues(typ string, values []json.RawMessage, users map[string]bool) ([]byte, error) {
	switch typ {
	case TypeEmails, TypePhones:
		return canonicalChannels(typ, values)
	case TypeAddresses:
		return canonicalList(values, checkPostal, appendPostal)
	}
	if len(values) > 1 {
		return nil, fmt.Errorf("takes at most one value, got %d", len(values))
	}
	return canonicalList(values, func(s string) error { return checkText(typ, s, users) }, appendString)
}

// canonicalList decodes each value as T, checks it and writes it back in
// stored form.
func canonicalList[T any](values []json.RawMessage, check func(T) error, write func([]byte, T) []byte) ([]byte, error) {
	items := make([]T, len(values))
	for i, raw := range values {
		if err := decodeStrict(raw, &items[i]); err != nil {
			return nil, fmt.Errorf("value %d: %w", i+1, err)
		}
		if err := check(items[i]); err != nil {
			return nil, fmt.Errorf("value %d: %w", i+1, err)
		}
	}
	return appendArray(nil, items, write), nil
}

func canonicalChannels(typ string, values []json.RawMessage) ([]byte, error) {
	defaults := 0
	check := func(ch channel) error {
		if ch.Default {
			defaults++
		}
		return checkChannel(typ, ch)
	}
	b, err := canonicalList(values, check, appendChannel)
	if err == nil && defaults > 1 {
		err = errors.New("at most one value may be the default")
	}
	return b, err
}

func checkChannel(typ string, ch channel) error {
	switch {
	case strings.TrimSpace(ch.Value) == "":
		return errors.New("value is empty")
	case typ == TypeEmails && !strings.Contains(ch.Value, "@"):
		return fmt.Errorf("%q is not an e-mail address", ch.Value)
	}
	return nil
}

func checkPostal(a postal) error {
	if a.Street == "" && a.Zipcode == "" && a.City == "" {
		return errors.New("an address needs at least a street, zipcode or city")
	}
	return nil
}

func checkText(typ, s string, users map[string]bool) error {
	switch typ {
	case TypeDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Errorf("%q is not a date of the form YYYY-MM-DD", s)
		}
	case TypeURL:
		if u, err := url.Parse(s); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q is not an http(s) URL", s)
		}
	case TypeUser:
		if !users[s] {
			return fmt.Errorf("no user %q (see GET /user-service/stable/users)", s)
		}
	}
	return nil
}
