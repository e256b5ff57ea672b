package mockcrm

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
)

// contact is one stored entity. It is never changed once stored: an update
// stores a new value, so a page encoded after the lock is released never
// sees a half-written contact.
type contact struct {
	id        string
	createdAt int64 // epoch ms
	updatedAt int64 // epoch ms
	fields    fieldSet
	// raw is a verbatim entity stored by PutRaw; when set it is served as is.
	raw []byte
}

func (c *contact) appendMetadata(b []byte) []byte {
	b = append(b, `{"id":`...)
	b = appendString(b, c.id)
	b = append(b, `,"schema":"`+ContactsSchema+`","createdAt":`...)
	b = strconv.AppendInt(b, c.createdAt, 10)
	b = append(b, `,"updatedAt":`...)
	b = strconv.AppendInt(b, c.updatedAt, 10)
	return append(b, '}')
}

// appendEntity writes the entity as the API returns it. fetch nil means every
// field; otherwise only the named fields besides id and _metadata.
func (c *contact) appendEntity(b []byte, fetch []string) []byte {
	if c.raw != nil {
		return append(b, c.raw...)
	}
	b = append(b, `{"id":`...)
	b = appendString(b, c.id)
	b = append(b, `,"_metadata":`...)
	b = c.appendMetadata(b)
	if c.fields.mask&fieldsIn(fetch) != 0 {
		b = append(b, ',')
		b = c.fields.appendMembers(b, fetch)
	}
	return append(b, '}')
}

// entity returns the entity JSON with every field.
func (c *contact) entity() json.RawMessage { return c.appendEntity(nil, nil) }

// values returns each field's values array. A verbatim entity that does not
// parse has none; a field of it that is not {"values": [...]} is left out.
func (c *contact) values() map[string]json.RawMessage {
	if c.raw == nil {
		return c.fields.values()
	}
	var top map[string]json.RawMessage
	if json.Unmarshal(c.raw, &top) != nil {
		return nil
	}
	out := make(map[string]json.RawMessage, len(top))
	for k, v := range top {
		var fv struct {
			Values json.RawMessage `json:"values"`
		}
		if isMetaKey(k) || json.Unmarshal(v, &fv) != nil || !bytes.HasPrefix(fv.Values, []byte("[")) {
			continue
		}
		out[k] = fv.Values
	}
	return out
}

// withValues returns a copy of c whose fields are c's merged with changes.
func (c *contact) withValues(changes map[string][]byte) *contact {
	merged := make(map[string][]byte, len(contactFields))
	for k, v := range c.values() {
		merged[k] = v
	}
	for k, v := range changes {
		merged[k] = v
	}
	n := *c
	n.fields = encodeFields(merged)
	return &n
}

// emptyFields gives every schema field an empty values array, the shape of a
// contact newly created in the CRM.
func emptyFields() map[string][]byte {
	out := make(map[string][]byte, len(contactFields))
	for _, f := range contactFields {
		out[f.Name] = []byte("[]")
	}
	return out
}

// rawTimes reads _metadata.createdAt and updatedAt from a verbatim entity.
func rawTimes(raw []byte) (created, updated int64, ok bool) {
	var e struct {
		Metadata struct {
			CreatedAt json.Number `json:"createdAt"`
			UpdatedAt json.Number `json:"updatedAt"`
		} `json:"_metadata"`
	}
	if json.Unmarshal(raw, &e) != nil {
		return 0, 0, false
	}
	updated, err := e.Metadata.UpdatedAt.Int64()
	if err != nil {
		return 0, 0, false
	}
	if created, err = e.Metadata.CreatedAt.Int64(); err != nil {
		created = updated
	}
	return created, updated, true
}

// fieldsIn is the mask of the schema fields in names; all of them for nil.
func fieldsIn(names []string) uint32 {
	if names == nil {
		return 1<<len(contactFields) - 1
	}
	var m uint32
	for i, f := range contactFields {
		if slices.Contains(names, f.Name) {
			m |= 1 << i
		}
	}
	return m
}
