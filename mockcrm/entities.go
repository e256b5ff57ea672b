package mockcrm

import (
	"encoding/json"
	"net/http"
)

// ContactWrite is one contact write by a client through the API.
type ContactWrite struct {
	ContactID string                     `json:"contactId"`
	Method    string                     `json:"method"`           // POST, PATCH or DELETE
	Fields    map[string]json.RawMessage `json:"fields,omitempty"` // each field's values array as stored
	At        int64                      `json:"at"`               // epoch ms
}

func (s *Server) now() int64 { return s.opts.Now().UnixMilli() }

func (s *Server) handleGet(r *http.Request) (reply, error) {
	if err := checkSchema(r); err != nil {
		return reply{}, err
	}
	body, ok := s.Contact(r.PathValue("id"))
	if !ok {
		return reply{}, notFound(r.PathValue("id"))
	}
	return reply{status: http.StatusOK, ctype: contentJSON, body: body}, nil
}

func notFound(id string) error {
	return errorf(http.StatusNotFound, "contact %q not found", id)
}

func (s *Server) handleCreate(r *http.Request) (reply, error) {
	changes, err := s.readFields(r)
	if err != nil {
		return reply{}, err
	}
	c := s.create(changes)
	s.recordWrite(http.MethodPost, c.id, changes, c.updatedAt)
	return textReply(http.StatusCreated, c.id), nil
}

func (s *Server) handlePatch(r *http.Request) (reply, error) {
	changes, err := s.readFields(r)
	if err != nil {
		return reply{}, err
	}
	c, err := s.update(r.PathValue("id"), changes)
	if err != nil {
		return reply{}, err
	}
	s.recordWrite(http.MethodPatch, c.id, changes, c.updatedAt)
	return reply{status: http.StatusOK, ctype: contentJSON, body: c.entity()}, nil
}

func (s *Server) handleDelete(r *http.Request) (reply, error) {
	if err := checkSchema(r); err != nil {
		return reply{}, err
	}
	id := r.PathValue("id")
	if !s.DeleteContact(id) {
		return reply{}, notFound(id)
	}
	s.recordWrite(http.MethodDelete, id, nil, s.now())
	return noContent(), nil
}

func (s *Server) readFields(r *http.Request) (map[string][]byte, error) {
	if err := checkSchema(r); err != nil {
		return nil, err
	}
	body, err := readBody(r)
	if err != nil {
		return nil, err
	}
	return parseFields(body, s.data.userIDs)
}

func (s *Server) create(fields map[string][]byte) *contact {
	values := emptyFields()
	for k, v := range fields {
		values[k] = v
	}
	now := s.now()
	st := s.data
	st.mu.Lock()
	defer st.mu.Unlock()
	c := &contact{id: st.newContactID(), createdAt: now, updatedAt: now, fields: encodeFields(values)}
	st.put(c)
	return c
}

func (s *Server) update(id string, changes map[string][]byte) (*contact, error) {
	st := s.data
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.contacts[id]
	switch {
	case !ok:
		return nil, notFound(id)
	case c.raw != nil:
		return nil, errorf(http.StatusConflict, "contact %q is stored verbatim as a bad-input case and cannot be changed", id)
	}
	return st.touch(c.withValues(changes), c.updatedAt, s.now()), nil
}

func (s *Server) recordWrite(method, id string, fields map[string][]byte, at int64) {
	w := ContactWrite{ContactID: id, Method: method, At: at}
	if fields != nil {
		w.Fields = make(map[string]json.RawMessage, len(fields))
		for k, v := range fields {
			w.Fields[k] = v
		}
	}
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	s.data.contactWrites = append(s.data.contactWrites, w)
}

// CreateContact creates a contact as a broker would in the CRM's UI and
// returns its id, or "" when a field is unknown or holds a bad value. Each
// field is given either in entity shape (map with "values") or as a plain
// value: a slice is the values, nil is no value, anything else is the single
// value. Fields not given are empty.
//
//	s.CreateContact(map[string]any{
//		"firstName": "Jürgen",
//		"emails":    []map[string]any{{"value": "j@example.de", "type": "private", "default": true}},
//		"title":     map[string]any{"values": []string{"Dr."}},
//	})
func (s *Server) CreateContact(fields map[string]any) string {
	changes, ok := s.goFields(fields)
	if !ok {
		return ""
	}
	return s.create(changes).id
}

// UpdateContact changes fields of a contact as a broker would in the CRM's
// UI (fields as for CreateContact) and moves its updatedAt. It reports
// false when the contact does not exist or a field is bad.
func (s *Server) UpdateContact(id string, fields map[string]any) bool {
	changes, ok := s.goFields(fields)
	if !ok {
		return false
	}
	_, err := s.update(id, changes)
	return err == nil
}

func (s *Server) goFields(fields map[string]any) (map[string][]byte, bool) {
	shaped := make(map[string]json.RawMessage, len(fields))
	for k, v := range fields {
		b, err := entityShape(v)
		if err != nil {
			return nil, false
		}
		shaped[k] = b
	}
	body, err := json.Marshal(shaped)
	if err != nil {
		return nil, false
	}
	changes, err := parseFields(body, s.data.userIDs)
	return changes, err == nil
}

// entityShape turns a Go value into {"values": [...]}.
func entityShape(v any) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var probe map[string]json.RawMessage
	switch {
	case string(b) == "null":
		return json.RawMessage(`{"values":[]}`), nil
	case b[0] == '[':
	case b[0] == '{' && json.Unmarshal(b, &probe) == nil && probe["values"] != nil:
		return b, nil
	default:
		b = append(append([]byte{'['}, b...), ']')
	}
	return append(append([]byte(`{"values":`), b...), '}'), nil
}

// DeleteContact deletes a contact and its search profiles, as a broker
// would; afterwards the id is simply absent. It reports whether it existed.
func (s *Server) DeleteContact(id string) bool {
	st := s.data
	st.mu.Lock()
	defer st.mu.Unlock()
	c, ok := st.contacts[id]
	if !ok {
		return false
	}
	st.remove(c)
	for _, pid := range st.profileOf[id] {
		delete(st.profiles, pid)
	}
	delete(st.profileOf, id)
	return true
}

// PutRaw stores raw verbatim under id, replacing any contact with that id,
// for bad-input tests: search and GET return it byte for byte, whether or
// not it has an id, right types or valid UTF-8. It is ordered by its
// _metadata.updatedAt when that parses, else by now. It cannot be patched.
func (s *Server) PutRaw(id string, raw json.RawMessage) {
	now := s.now()
	created, updated, ok := rawTimes(raw)
	if !ok {
		created, updated = now, now
	}
	c := &contact{id: id, createdAt: created, updatedAt: updated, raw: append([]byte(nil), raw...)}
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	s.data.put(c)
}

// ContactIDs returns the ids of all contacts, sorted.
func (s *Server) ContactIDs() []string {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	ids := make([]string, len(s.data.byID))
	for i, c := range s.data.byID {
		ids[i] = c.id
	}
	return ids
}

// Contact returns a contact as GET on it would.
func (s *Server) Contact(id string) (json.RawMessage, bool) {
	s.data.mu.RLock()
	c, ok := s.data.contacts[id]
	s.data.mu.RUnlock()
	if !ok {
		return nil, false
	}
	return c.entity(), true
}
