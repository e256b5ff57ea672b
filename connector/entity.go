package connector

import (
	"bytes"
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Entity is one CRM record as the API returns it: an id, metadata and one
// entry per field, each holding the raw JSON of the field's "values" array.
// Fields the mapping does not know are kept, so a record can be written back
// or inspected without losing anything.
type Entity struct {
	ID       string
	Metadata Metadata
	Fields   map[string][]json.RawMessage
}

// Metadata carries the CRM's bookkeeping; times are epoch milliseconds (UTC).
type Metadata struct {
	ID        string `json:"id,omitempty"`
	Schema    string `json:"schema,omitempty"`
	CreatedAt int64  `json:"createdAt"`
	UpdatedAt int64  `json:"updatedAt"`
}

type fieldValues struct {
	Values []json.RawMessage `json:"values"`
}

// UnmarshalJSON decodes an entity strictly: a field that is not an object
// with a "values" array is an error naming the field, and so is invalid UTF-8,
// because the json package would otherwise replace it silently.
func (e *Entity) UnmarshalJSON(b []byte) error {
	if !utf8.Valid(b) {
		return fmt.Errorf("entity is not valid UTF-8")
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return fmt.Errorf("entity is not a JSON object: %w", err)
	}
	out := Entity{Fields: make(map[string][]json.RawMessage, len(raw))}
	for key, val := range raw {
		if err := out.decodeKey(key, val); err != nil {
			return err
		}
	}
	*e = out
	return nil
}

func (e *Entity) decodeKey(key string, val json.RawMessage) error {
	switch key {
	case "id":
		if err := json.Unmarshal(val, &e.ID); err != nil {
			return fmt.Errorf("field id: want a string: %w", err)
		}
	case "_metadata":
		if err := json.Unmarshal(val, &e.Metadata); err != nil {
			return fmt.Errorf("field _metadata: %w", err)
		}
	default:
		if bytes.Equal(bytes.TrimSpace(val), []byte("null")) {
			e.Fields[key] = nil
			return nil
		}
		var fv fieldValues
		if err := json.Unmarshal(val, &fv); err != nil {
			return fmt.Errorf("field %s: want {\"values\": [...]}: %w", key, err)
		}
		e.Fields[key] = fv.Values
	}
	return nil
}

// MarshalJSON writes the entity back in the CRM's shape.
func (e Entity) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(e.Fields)+2)
	for k, v := range e.Fields {
		if v == nil {
			v = []json.RawMessage{}
		}
		out[k] = fieldValues{Values: v}
	}
	out["id"] = e.ID
	out["_metadata"] = e.Metadata
	return json.Marshal(out)
}
