package mapping

import (
	"maps"
	"testing"
)

func TestAddressReadsDeclaredFacts(t *testing.T) {
	m, err := Parse([]byte("facts:\n  maklervertrag_brief: mv_datum\n  gwg_akte: gwg\n  provision: prov\n  nachweis: nw\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		fields string
		want   map[string]string
	}{
		{"date, ticked checkbox, number", `"mv_datum": {"values": ["2024-03-05"]}, "gwg": {"values": [true]}, "prov": {"values": [12500.5]}`,
			map[string]string{"maklervertrag_brief": "2024-03-05", "gwg_akte": "true", "provision": "12500.5"}},
		{"unticked checkbox and empty values are no fact", `"gwg": {"values": [false]}, "mv_datum": {"values": []}, "nw": {"values": ["  "]}`,
			map[string]string{}},
		{"fields missing", ``, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"id": "c-1", "_metadata": {"createdAt": 1716200000000, "updatedAt": 1731600000000}`
			if tt.fields != "" {
				body += ", " + tt.fields
			}
			a, err := m.Address(decodeEntity(t, body+"}"))
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(a.Facts, tt.want) {
				t.Errorf("Facts = %v, want %v", a.Facts, tt.want)
			}
		})
	}
	if _, err := m.Address(decodeEntity(t, `{"id": "c-1", "gwg": {"values": [{"x": 1}]}}`)); err == nil {
		t.Error("a fact field holding an object was accepted")
	}
	if got := m.Facts(); len(got) != 4 || got[0] != "maklervertrag_brief" {
		t.Errorf("Facts() = %v, want the declared names in file order", got)
	}
}

func TestFactsHashIgnoresOrderButNotNamesOrValues(t *testing.T) {
	with := func(facts map[string]string) string {
		a := fullAddress()
		a.Facts = facts
		return a.Hash()
	}
	base := with(map[string]string{"a": "1", "b": "2"})
	if with(map[string]string{"b": "2", "a": "1"}) != base {
		t.Error("the same facts hash differently")
	}
	for _, other := range []map[string]string{{"a": "1", "b": "3"}, {"a": "1", "c": "2"}, {"a": "1"}, {"a": "1b", "": "2"}} {
		if with(other) == base {
			t.Errorf("facts %v hash like the base", other)
		}
	}
	if with(nil) != with(map[string]string{}) || with(nil) != fullAddress().Hash() {
		t.Error("no facts must hash like an address without facts")
	}
}
