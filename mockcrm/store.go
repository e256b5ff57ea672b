package mockcrm

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
)

// store holds everything the mock CRM knows. One RWMutex guards it all:
// searches share the read lock, writes are short.
type store struct {
	mu        sync.RWMutex
	contacts  map[string]*contact
	byUpdated []*contact // ordered by (updatedAt, id): the order of change queries
	byID      []*contact // ordered by id

	users     []User
	userIDs   map[string]bool // read without the lock: never changes after seeding
	actTypes  []string
	acts      []Activity
	actByEnt  map[string][]int // contact id → indexes into acts
	actByExt  map[string][]int // externalId → indexes into acts
	profiles  map[string]*SearchProfile
	profileOf map[string][]string // contact id → profile ids in creation order
	profileN  int                 // number behind the last "sp-N" id

	contactIDs  *rand.Rand // ids of contacts created after seeding
	activityIDs *rand.Rand

	contactWrites []ContactWrite
	profileWrites []ProfileWrite
}

func cmpUpdated(a, b *contact) int {
	if c := cmp.Compare(a.updatedAt, b.updatedAt); c != 0 {
		return c
	}
	return strings.Compare(a.id, b.id)
}

func cmpID(a, b *contact) int { return strings.Compare(a.id, b.id) }

// put stores c, replacing a stored contact with the same id. Caller holds mu.
func (st *store) put(c *contact) {
	if old, ok := st.contacts[c.id]; ok {
		st.remove(old)
	}
	st.contacts[c.id] = c
	i, _ := slices.BinarySearchFunc(st.byUpdated, c, cmpUpdated)
	st.byUpdated = slices.Insert(st.byUpdated, i, c)
	i, _ = slices.BinarySearchFunc(st.byID, c, cmpID)
	st.byID = slices.Insert(st.byID, i, c)
}

// remove drops c from the contacts and both orders. Caller holds mu.
func (st *store) remove(c *contact) {
	delete(st.contacts, c.id)
	if i, ok := slices.BinarySearchFunc(st.byUpdated, c, cmpUpdated); ok {
		st.byUpdated = slices.Delete(st.byUpdated, i, i+1)
	}
	if i, ok := slices.BinarySearchFunc(st.byID, c, cmpID); ok {
		st.byID = slices.Delete(st.byID, i, i+1)
	}
}

// touch stores n in place of its predecessor with updatedAt moved to now, or
// one millisecond past the previous value when the clock has not advanced,
// so every change is visible to a change query. Caller holds mu.
func (st *store) touch(n *contact, previous int64, now int64) *contact {
	n.updatedAt = max(now, previous+1)
	st.put(n)
	return n
}

// touchContact moves a contact's updatedAt without changing its fields, as a
// search-profile change does. Caller holds mu.
func (st *store) touchContact(id string, now int64) {
	if c, ok := st.contacts[id]; ok {
		n := *c
		st.touch(&n, c.updatedAt, now)
	}
}

// newContactID draws a UUID-shaped id not yet in use. Caller holds mu.
func (st *store) newContactID() string {
	for {
		id := newUUID(st.contactIDs)
		if _, taken := st.contacts[id]; !taken {
			return id
		}
	}
}

// newUUID draws a version-4-shaped UUID from rng, so a seed gives the same
// ids on every run.
func newUUID(rng *rand.Rand) string {
	var b [16]byte
	hi, lo := rng.Uint64(), rng.Uint64()
	for i := range 8 {
		b[i] = byte(hi >> (56 - 8*i))
		b[8+i] = byte(lo >> (56 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	out := make([]byte, 0, 36)
	for i, x := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hexDigits[x>>4], hexDigits[x&0xf])
	}
	return string(out)
}
