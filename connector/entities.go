package connector

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// Entity fetches one entity; ErrNotFound when the CRM does not have it.
func (c *Client) Entity(ctx context.Context, schema, id string) (*Entity, error) {
	var e Entity
	err := c.do(ctx, &call{
		method: http.MethodGet, template: routeEntity, values: []string{schema, id}, idempotent: true,
		decode: decodeEntity(&e),
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func decodeEntity(e *Entity) func([]byte) error {
	return func(body []byte) error {
		if !json.Valid(body) {
			return errGarbled
		}
		got, err := decodeEntry(body)
		*e = got
		return err
	}
}

// fieldWrite is a field in the CRM's write shape: {"values": [...]}.
type fieldWrite struct {
	Values []any `json:"values"`
}

// fieldsBody turns field values into the CRM's shape; a nil slice clears the
// field, so it is sent as an empty array rather than null.
func fieldsBody(fields map[string][]any) (map[string]fieldWrite, error) {
	if len(fields) == 0 {
		return nil, errors.New("no fields given")
	}
	out := make(map[string]fieldWrite, len(fields))
	for name, values := range fields {
		if name == "" || name == "id" || name == "_metadata" {
			return nil, fmt.Errorf("field name %q cannot be written", name)
		}
		if values == nil {
			values = []any{}
		}
		out[name] = fieldWrite{Values: values}
	}
	return out, nil
}

// CreateEntity creates an entity from field values and returns its id. It
// is not repeated once the CRM may have received it: an ErrTransient then
// means the entity may exist.
func (c *Client) CreateEntity(ctx context.Context, schema string, fields map[string][]any) (string, error) {
	body, err := fieldsBody(fields)
	if err != nil {
		return "", badInput(http.MethodPost, routeEntities, err)
	}
	var id string
	err = c.do(ctx, &call{
		method: http.MethodPost, template: routeEntities, values: []string{schema}, body: body,
		decode: decodeCreatedID(&id),
	})
	return id, err
}

// decodeCreatedID reads the id of a created record. The contract answers
// with the id as text for entities and as {"id": …} otherwise; both and a
// JSON string are accepted, so a CRM variant does not break creates.
func decodeCreatedID(id *string) func([]byte) error {
	return func(body []byte) error {
		*id = parseCreatedID(bytes.TrimSpace(body))
		if *id == "" {
			return fmt.Errorf("%w: the CRM answered a create without an id", errGarbled)
		}
		return nil
	}
}

func parseCreatedID(b []byte) string {
	var obj struct {
		ID string `json:"id"`
	}
	var s string
	switch {
	case json.Unmarshal(b, &obj) == nil:
		return obj.ID
	case json.Unmarshal(b, &s) == nil:
		return s
	case utf8.Valid(b) && !bytes.ContainsAny(b, "{}[]<>\" \t\r\n"):
		return string(b)
	}
	return ""
}

// PatchEntity changes only the given fields and returns the entity as the
// CRM holds it afterwards. An unknown field is ErrPermanent (400).
func (c *Client) PatchEntity(ctx context.Context, schema, id string, fields map[string][]any) (*Entity, error) {
	body, err := fieldsBody(fields)
	if err != nil {
		return nil, badInput(http.MethodPatch, routeEntity, err)
	}
	var e Entity
	err = c.do(ctx, &call{
		method: http.MethodPatch, template: routeEntity, values: []string{schema, id}, body: body,
		idempotent: true, // setting fields to given values twice ends the same
		decode:     decodeEntity(&e),
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

// DeleteEntity deletes an entity; ErrNotFound when it was already gone.
func (c *Client) DeleteEntity(ctx context.Context, schema, id string) error {
	return c.do(ctx, &call{method: http.MethodDelete, template: routeEntity, values: []string{schema, id}, idempotent: true})
}

// SchemaInfo lists the fields of a schema, so consentd can check at start
// that every mapped field exists.
type SchemaInfo struct {
	Name   string        `json:"name"`
	Fields []SchemaField `json:"fields"`
}

// SchemaField is one field of a schema.
type SchemaField struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Schema fetches the field list of schema.
func (c *Client) Schema(ctx context.Context, schema string) (*SchemaInfo, error) {
	var info SchemaInfo
	err := c.do(ctx, &call{
		method: http.MethodGet, template: routeSchema, values: []string{schema}, idempotent: true,
		decode: func(body []byte) error { return decodeJSON(body, &info) },
	})
	if err != nil {
		return nil, err
	}
	return &info, nil
}
