package mockcrm

import (
	"encoding/json"
	"net/http"
	"slices"
)

// Inspection is what clients did to the mock CRM through its API, for tests
// and the demo; GET /_mock/inspect serves it.
type Inspection struct {
	Requests      map[string]int `json:"requests"`
	Contacts      int            `json:"contacts"`
	ContactWrites []ContactWrite `json:"contactWrites"`
	Activities    []Activity     `json:"activities"`
	ProfileWrites []ProfileWrite `json:"searchProfileWrites"`
}

// Inspect returns the request counts, the number of contacts and every
// write clients made, in the order they were made.
func (s *Server) Inspect() Inspection {
	in := Inspection{Requests: s.Requests()}
	st := s.data
	st.mu.RLock()
	defer st.mu.RUnlock()
	in.Contacts = len(st.contacts)
	in.ContactWrites = orEmpty(slices.Clone(st.contactWrites))
	in.Activities = orEmpty(slices.Clone(st.acts))
	in.ProfileWrites = orEmpty(slices.Clone(st.profileWrites))
	return in
}

// ContactDetail is one contact with its search profiles, activities and the
// writes clients made to it; GET /_mock/contacts/{id} serves it.
type ContactDetail struct {
	Contact        json.RawMessage `json:"contact"` // null once deleted
	SearchProfiles []SearchProfile `json:"searchProfiles"`
	Activities     []Activity      `json:"activities"`
	Writes         []ContactWrite  `json:"writes"`
}

// Detail returns what the mock knows about one contact, and false when it
// knows nothing (no contact, activity or write with that id).
func (s *Server) Detail(id string) (ContactDetail, bool) {
	d := ContactDetail{Activities: orEmpty(s.findActivities(id, ""))}
	st := s.data
	st.mu.RLock()
	defer st.mu.RUnlock()
	c, exists := st.contacts[id]
	if exists {
		d.Contact = c.entity()
	}
	d.SearchProfiles = st.profilesOf(id)
	d.Writes = []ContactWrite{}
	for _, w := range st.contactWrites {
		if w.ContactID == id {
			d.Writes = append(d.Writes, w)
		}
	}
	return d, exists || len(d.Activities) > 0 || len(d.Writes) > 0
}

func (s *Server) handleInspect(w http.ResponseWriter, r *http.Request) {
	s.sendJSON(w, r, s.Inspect())
}

func (s *Server) handleInspectContact(w http.ResponseWriter, r *http.Request) {
	d, ok := s.Detail(r.PathValue("id"))
	if !ok {
		s.send(w, r, replyFor(notFound(r.PathValue("id"))), Faults{})
		return
	}
	s.sendJSON(w, r, d)
}

// sendJSON answers an inspection request; faults never apply to those.
func (s *Server) sendJSON(w http.ResponseWriter, r *http.Request, v any) {
	rep, err := jsonReply(http.StatusOK, v)
	if err != nil {
		rep = replyFor(err)
	}
	s.send(w, r, rep, Faults{})
}
