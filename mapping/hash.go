package mapping

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"maps"
	"math"
	"slices"
)

// Hash is a SHA-256 (hex) of everything mapped from the contact except
// CRMUpdatedAt. The CRM moves that time on any change, including changes to
// fields consentd does not mirror, so leaving it out lets the mirror tell
// such a contact "unchanged" and skip its write. Nil and empty lists hash
// alike, and so do equal instants in different time zones.
func (a Address) Hash() string {
	d := newDigest("address/v1")
	d.text(a.CRMID, a.Salutation, a.Title, a.FirstName, a.LastName, a.CompanyName)
	d.text(a.Street, a.HouseNumber, a.Zip, a.City, a.Country)
	d.channels(a.Emails)
	d.channels(a.Phones)
	d.text(a.ResponsibleUser)
	c := a.Consent
	d.text(c.Source, c.Purpose, c.Date, c.WithdrawalDate, c.WithdrawalReason, c.Link)
	d.number(a.CRMCreatedAt.UnixMilli())
	d.facts(a.Facts)
	return d.sum()
}

// Hash is a SHA-256 (hex) of everything mapped from the search profile
// except CRMUpdatedAt, for the same reason as Address.Hash.
func (p SearchProfile) Hash() string {
	d := newDigest("searchprofile/v1")
	d.text(p.CRMID, p.ContactID, p.Title)
	d.flag(p.Active)
	d.text(p.MarketingType)
	d.list(p.EstateTypes)
	d.list(p.ZipCodes)
	d.list(p.Cities)
	d.optional(p.PriceMax)
	d.optional(p.LivingAreaMin)
	d.optional(p.RoomsMin)
	return d.sum()
}

// digest feeds values into a hash with length prefixes, so no two
// different records can produce the same byte stream.
type digest struct{ h hash.Hash }

func newDigest(kind string) digest {
	d := digest{h: sha256.New()}
	d.text(kind)
	return d
}

func (d digest) number(n int64) {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(n))
	d.h.Write(b[:])
}

func (d digest) text(values ...string) {
	for _, s := range values {
		d.number(int64(len(s)))
		d.h.Write([]byte(s))
	}
}

func (d digest) flag(b bool) {
	if b {
		d.number(1)
		return
	}
	d.number(0)
}

func (d digest) list(values []string) {
	d.number(int64(len(values)))
	d.text(values...)
}

func (d digest) channels(cs []Channel) {
	d.number(int64(len(cs)))
	for _, c := range cs {
		d.text(c.Value, c.Type)
		d.flag(c.Default)
	}
}

// facts hashes in name order, so the map's order does not count; a
// contact without facts hashes as before facts existed.
func (d digest) facts(facts map[string]string) {
	if len(facts) == 0 {
		return
	}
	names := slices.Sorted(maps.Keys(facts))
	d.number(int64(len(names)))
	for _, n := range names {
		d.text(n, facts[n])
	}
}

func (d digest) optional(f *float64) {
	d.flag(f != nil)
	if f != nil {
		d.number(int64(math.Float64bits(*f)))
	}
}

func (d digest) sum() string { return hex.EncodeToString(d.h.Sum(nil)) }
