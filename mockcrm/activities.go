package mockcrm

import (
	"net/http"
	"slices"
)

// DefaultActivityTypes are the activity types a fresh mock CRM knows.
var DefaultActivityTypes = []string{"Einwilligung", "Löschanfrage", "Notiz", "Anruf", "E-Mail"}

// Activity is one history entry on contacts.
type Activity struct {
	ID              string      `json:"id"`
	Type            string      `json:"type"`
	Subject         string      `json:"subject"`
	Description     string      `json:"description"`
	Date            int64       `json:"date"` // epoch ms
	ResponsibleUser string      `json:"responsibleUser,omitempty"`
	Entities        []EntityRef `json:"entities"`
	ExternalID      string      `json:"externalId,omitempty"`
	CreatedAt       int64       `json:"createdAt"` // epoch ms
}

// EntityRef names the entity an activity is about.
type EntityRef struct {
	Schema string `json:"schema"`
	ID     string `json:"id"`
}

type activityInput struct {
	Type            string      `json:"type"`
	Subject         string      `json:"subject"`
	Description     string      `json:"description"`
	Date            int64       `json:"date"`
	ResponsibleUser string      `json:"responsibleUser"`
	Entities        []EntityRef `json:"entities"`
	ExternalID      string      `json:"externalId"`
}

func (s *Server) handleCreateActivity(r *http.Request) (reply, error) {
	var in activityInput
	if err := decodeBody(r, &in); err != nil {
		return reply{}, err
	}
	if err := s.checkActivity(in); err != nil {
		return reply{}, err
	}
	id, err := s.addActivity(in)
	if err != nil {
		return reply{}, err
	}
	return jsonReply(http.StatusCreated, map[string]string{"id": id})
}

func (s *Server) checkActivity(in activityInput) error {
	switch {
	case in.Type == "":
		return errorf(http.StatusBadRequest, "type is missing")
	case !slices.Contains(s.ActivityTypes(), in.Type):
		return errorf(http.StatusBadRequest, "activity type %q does not exist; a broker must create it in the CRM first (see GET /history-service/stable/activity-types)", in.Type)
	case len(in.Entities) == 0:
		return errorf(http.StatusBadRequest, "entities is empty: name the contacts the activity is about")
	case in.ResponsibleUser != "" && !s.data.userIDs[in.ResponsibleUser]:
		return errorf(http.StatusBadRequest, "responsibleUser: no user %q", in.ResponsibleUser)
	}
	for _, e := range in.Entities {
		if e.Schema != ContactsSchema {
			return errorf(http.StatusBadRequest, "entities: schema %q is not supported; use %q", e.Schema, ContactsSchema)
		}
	}
	return nil
}

// addActivity stores the activity; every entity it names must exist.
func (s *Server) addActivity(in activityInput) (string, error) {
	now := s.now()
	st := s.data
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, e := range in.Entities {
		if _, ok := st.contacts[e.ID]; !ok {
			return "", notFound(e.ID)
		}
	}
	a := Activity{
		ID: newUUID(st.activityIDs), Type: in.Type, Subject: in.Subject, Description: in.Description,
		Date: in.Date, ResponsibleUser: in.ResponsibleUser, Entities: in.Entities, ExternalID: in.ExternalID, CreatedAt: now,
	}
	if a.Date == 0 {
		a.Date = now
	}
	i := len(st.acts)
	st.acts = append(st.acts, a)
	for _, e := range a.Entities {
		st.actByEnt[e.ID] = append(st.actByEnt[e.ID], i)
	}
	if a.ExternalID != "" {
		st.actByExt[a.ExternalID] = append(st.actByExt[a.ExternalID], i)
	}
	return a.ID, nil
}

func (s *Server) handleListActivities(r *http.Request) (reply, error) {
	q := r.URL.Query()
	entityID, externalID := q.Get("entityId"), q.Get("externalId")
	if entityID == "" && externalID == "" {
		return reply{}, errorf(http.StatusBadRequest, "give entityId or externalId")
	}
	return entries(s.findActivities(entityID, externalID))
}

// findActivities returns the activities on entityID and with externalID;
// an empty argument does not restrict.
func (s *Server) findActivities(entityID, externalID string) []Activity {
	st := s.data
	st.mu.RLock()
	defer st.mu.RUnlock()
	idx := st.actByEnt[entityID]
	if entityID == "" {
		idx = st.actByExt[externalID]
	}
	var out []Activity
	for _, i := range idx {
		if a := st.acts[i]; externalID == "" || a.ExternalID == externalID {
			out = append(out, a)
		}
	}
	return out
}

// Activities returns every activity in creation order.
func (s *Server) Activities() []Activity {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return slices.Clone(s.data.acts)
}

func (s *Server) handleActivityTypes(*http.Request) (reply, error) {
	types := s.ActivityTypes()
	out := make([]map[string]string, len(types))
	for i, t := range types {
		out[i] = map[string]string{"name": t}
	}
	return entries(out)
}

// ActivityTypes returns the activity types brokers have created.
func (s *Server) ActivityTypes() []string {
	s.data.mu.RLock()
	defer s.data.mu.RUnlock()
	return slices.Clone(s.data.actTypes)
}

// SetActivityTypes replaces the activity types, as when a broker has not
// (yet) created the type a client needs.
func (s *Server) SetActivityTypes(names ...string) {
	s.data.mu.Lock()
	defer s.data.mu.Unlock()
	s.data.actTypes = slices.Clone(names)
}
