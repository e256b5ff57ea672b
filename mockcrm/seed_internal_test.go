package mockcrm

import (
	"bytes"
	"testing"
)

// TestSeededContactsAreValid checks every seeded contact against the rules
// a client's PATCH must meet, and that the seed writes fields exactly as a
// PATCH would store them.
func TestSeededContactsAreValid(t *testing.T) {
	st := seed(Options{Contacts: 3000, Seed: 64}.withDefaults())
	for _, c := range st.byID {
		members := c.fields.appendMembers([]byte{'{'}, nil)
		fields, err := parseFields(append(members, '}'), st.userIDs)
		if err != nil {
			t.Fatalf("seeded contact %s is invalid: %v", c.id, err)
		}
		if got := encodeFields(fields); got.mask != c.fields.mask || !bytes.Equal(got.vals, c.fields.vals) {
			t.Fatalf("seeded contact %s:\n%q\nstored after a PATCH as\n%q", c.id, c.fields.vals, got.vals)
		}
	}
}
