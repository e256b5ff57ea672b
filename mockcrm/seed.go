package mockcrm

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// seedSpan is how far back seeded contacts were created and changed.
const seedSpan = 3 * 365 * 24 * time.Hour

// seed builds the store for opts: users, contacts and search profiles, all
// drawn from opts.Seed so the same seed yields the same ids and data.
func seed(opts Options) *store {
	st := &store{
		contacts:    make(map[string]*contact, opts.Contacts),
		users:       seedUsers(opts.Users),
		actTypes:    slices.Clone(DefaultActivityTypes),
		actByEnt:    map[string][]int{},
		actByExt:    map[string][]int{},
		profiles:    make(map[string]*SearchProfile, opts.Contacts/4),
		profileOf:   make(map[string][]string, opts.Contacts/4),
		contactIDs:  newRand(opts.Seed, streamContactIDs),
		activityIDs: newRand(opts.Seed, streamActivityIDs),
	}
	st.userIDs = make(map[string]bool, len(st.users))
	for _, u := range st.users {
		st.userIDs[u.ID] = true
	}
	g := &seeder{rng: newRand(opts.Seed, streamSeed), facts: newRand(opts.Seed, streamFacts), now: opts.Now().UnixMilli(), users: st.users}
	// One allocation for all contacts: seeding 100k must stay well under 2 s.
	pool := make([]contact, opts.Contacts)
	all := make([]*contact, 0, opts.Contacts)
	for i := range pool {
		c := &pool[i]
		city := g.contact(c)
		if _, dup := st.contacts[c.id]; dup {
			continue
		}
		st.contacts[c.id] = c
		all = append(all, c)
		g.profiles(st, c, city)
	}
	st.profileN = g.profileN
	st.byID = slices.SortedFunc(slices.Values(all), cmpID)
	slices.SortFunc(all, cmpUpdated)
	st.byUpdated = all
	return st
}

var transliteration = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue",
	"é", "e", "è", "e", "ë", "e", "ç", "c", "ş", "s", "ı", "i", "ğ", "g", "ł", "l", "ą", "a", "ń", "n", "Ç", "C",
)

// ascii turns a name into the lower-case ASCII people use in e-mail addresses.
func ascii(name string) string {
	name = strings.ToLower(transliteration.Replace(name))
	return strings.Map(func(r rune) rune {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') || r == '-' {
			return r
		}
		return -1
	}, name)
}

// Seed data. Names carry umlauts, ß, Turkish and Polish letters,
// apostrophes and hyphens, because real contact lists do.
var (
	femaleNames = []string{"Anna", "Bärbel", "Käthe", "Jülide", "Sabine", "Maria", "Ursula", "Gülşen", "Françoise",
		"Marie-Luise", "Jana", "Sophie", "Lena", "Renée", "Zoë", "Hannelore", "Ayşe", "Małgorzata", "Dörte", "Brigitte"}
	maleNames = []string{"Jürgen", "Jörg", "Günther", "Björn", "Sören", "Uwe", "Klaus", "Stefan", "Thomas", "Mehmet",
		"Hans-Jürgen", "Lukas", "Matthias", "Ömer", "Frank", "Dirk", "René", "Bernd", "Jan", "Wolfgang"}
	lastNames = []string{"Müller", "Weiß-Müller", "Größer", "Özdemir", "Schäfer", "Schröder", "Bäcker", "Hoffmann",
		"Schmitz", "Weiß", "Krämer", "Köhler", "Fuß", "Strauß", "Groß", "Jäger", "Böhm", "Yılmaz", "Nguyen",
		"Kowalski", "von Bülow", "D'Angelo", "Meyer", "Schmidt", "Wagner", "Becker", "Schulz", "Klein", "Wolf",
		"Neumann", "Zimmermann", "Hübner", "Lößl", "Çelik", "Dąbrowski", "Mößner", "Käßmann", "Schulze-Delitzsch"}
	companySuffixes = []string{"GmbH", "GmbH & Co. KG", "Immobilien e.K.", "Hausverwaltung", "& Söhne", "Bauträger AG", "Grundbesitz GbR"}
	streets         = []string{"Hauptstraße", "Am Mühlbach", "Königsallee", "Bahnhofstraße", "Schillerstraße", "Goethestraße",
		"Lindenweg", "Gartenstraße", "Kirchplatz", "Marktplatz", "Rosenstraße", "Dorfstraße", "Am Anger",
		"Bürgermeister-Müller-Straße", "Straße des 17. Juni", "Ludwigstraße", "Mühlenweg", "Schloßallee",
		"Prinzregentenstraße", "Fröbelstraße", "Tegernseer Landstraße", "Äußere Sulzbacher Straße"}
	emailDomains = []string{"example.de", "example.com", "example.org", "example.net", "mail.example.de"}
	mobilePrefix = []string{"151", "160", "170", "176", "1522"}
	sources      = []string{"Website", "Telefon", "Exposé-Anfrage", "Messe", "Besichtigung", "Empfehlung"}
	purposes     = []string{"Objektangebote per E-Mail", "Newsletter", "Suchauftrag", "Rückruf zur Bewertung"}
	withdrawals  = []string{"per E-Mail widerrufen", "telefonisch widerrufen", "kein Interesse mehr", "Umzug ins Ausland"}
)

// city is a place with its first zip code and phone area code (without 0).
type city struct {
	name, country string
	zip, zipLen   int
	area          string
}

var (
	germanCities = []city{
		{"München", "DE", 80331, 5, "89"}, {"Köln", "DE", 50667, 5, "221"}, {"Düsseldorf", "DE", 40210, 5, "211"},
		{"Görlitz", "DE", 2826, 5, "3581"}, {"Berlin", "DE", 10115, 5, "30"}, {"Hamburg", "DE", 20095, 5, "40"},
		{"Frankfurt am Main", "DE", 60311, 5, "69"}, {"Stuttgart", "DE", 70173, 5, "711"}, {"Leipzig", "DE", 4103, 5, "341"},
		{"Dresden", "DE", 1067, 5, "351"}, {"Nürnberg", "DE", 90402, 5, "911"}, {"Würzburg", "DE", 97070, 5, "931"},
		{"Lüneburg", "DE", 21335, 5, "4131"}, {"Fürth", "DE", 90762, 5, "911"}, {"Tübingen", "DE", 72070, 5, "7071"},
		{"Mönchengladbach", "DE", 41061, 5, "2161"}, {"Osnabrück", "DE", 49074, 5, "541"}, {"Saarbrücken", "DE", 66111, 5, "681"},
		{"Gießen", "DE", 35390, 5, "641"}, {"Bad Tölz", "DE", 83646, 5, "8041"}, {"Garmisch-Partenkirchen", "DE", 82467, 5, "8821"},
	}
	foreignCities = []city{
		{"Wien", "AT", 1010, 4, "1"}, {"Salzburg", "AT", 5020, 4, "662"}, {"Zürich", "CH", 8001, 4, "44"}, {"Basel", "CH", 4051, 4, "61"},
	}
)

func (c city) zipcode(rng *rand.Rand) string {
	z := strconv.Itoa(c.zip + rng.IntN(9))
	return strings.Repeat("0", c.zipLen-len(z)) + z
}

// person is a seeded contact before it is written as an entity.
type person struct {
	salutation, title, firstName, lastName, companyName string
	emails, phones                                      []channel
	addresses                                           []postal
	user                                                string
	consent                                             *consentDetails // nil: the custom fields did not exist yet
	facts                                               brokerFacts
}

// brokerFacts are custom fields brokers keep that retention rules read:
// when proof of brokerage was given, the date of the brokerage contract
// file, the main contract behind a commission, the anti-money-laundering
// file and its end, a rejected rental application, a pending lawsuit.
type brokerFacts struct {
	nachweis, vertrag, provision, gwgAkte, gwgEnde, mietAbgelehnt, rechtsstreit string
}

type consentDetails struct{ source, purpose, date, withdrawn, reason, link string }

// seeder draws contacts from one random stream.
type seeder struct {
	rng      *rand.Rand
	facts    *rand.Rand // the broker's retention fields, drawn apart so they never change the rest
	now      int64      // epoch ms
	users    []User
	last     int64 // updatedAt of the previous contact, for ties
	profileN int
	slab     []byte // where contacts' fields are written
}

func (g *seeder) pick(list []string) string { return list[g.rng.IntN(len(list))] }

func (g *seeder) chance(percent int) bool { return g.rng.IntN(100) < percent }

// contact fills c with a new contact and returns the city it lives in.
func (g *seeder) contact(c *contact) city {
	c.id = newUUID(g.rng)
	c.createdAt, c.updatedAt = g.times()
	p, home := g.person(c.createdAt, c.updatedAt)
	c.fields = g.write(p)
	return home
}

// Contacts' fields are written into shared slabs: one allocation per few
// thousand contacts instead of one each.
const (
	slabSize    = 4 << 20
	slabReserve = 8 << 10 // room a contact's fields will not exceed
)

// write appends p's fields to the current slab.
func (g *seeder) write(p person) fieldSet {
	if cap(g.slab)-len(g.slab) < slabReserve {
		g.slab = make([]byte, 0, slabSize)
	}
	w := fieldWriter{b: g.slab, start: len(g.slab)}
	p.writeFields(&w)
	g.slab = w.b
	return w.done()
}

// times draws createdAt ≤ updatedAt within seedSpan before now; a few
// contacts share their updatedAt with the one before, as bulk edits do.
func (g *seeder) times() (created, updated int64) {
	start := g.now - seedSpan.Milliseconds()
	updated = start + g.rng.Int64N(seedSpan.Milliseconds()-60_000)
	if g.last != 0 && g.chance(3) {
		updated = g.last
	}
	g.last = updated
	return start + g.rng.Int64N(updated-start+1), updated
}

func (g *seeder) person(created, updated int64) (person, city) {
	var p person
	female := g.chance(50)
	p.salutation, p.firstName = "Herr", g.pick(maleNames)
	if female {
		p.salutation, p.firstName = "Frau", g.pick(femaleNames)
	}
	p.lastName = g.pick(lastNames)
	g.blankSome(&p)
	p.title = g.title()
	if g.chance(15) {
		p.companyName = g.pick(lastNames) + " " + g.pick(companySuffixes)
	}
	home := g.city()
	p.emails = g.emails(p)
	p.phones = g.phones(home)
	p.addresses = g.addresses(home)
	if g.chance(95) {
		p.user = g.users[g.rng.IntN(len(g.users))].ID
	}
	p.consent = g.consent(created, updated)
	p.facts = g.brokerFacts(created, updated)
	return p, home
}

// brokerFacts gives some contacts the fields a brokerage leaves: about a
// third proof of brokerage, fewer a contract, a commission, an
// anti-money-laundering file; one in a hundred is in a lawsuit.
func (g *seeder) brokerFacts(created, updated int64) brokerFacts {
	r := g.facts
	on := func(percent int) bool { return r.IntN(100) < percent }
	at := func() string { return day(created + r.Int64N(updated-created+1)) }
	var f brokerFacts
	if on(30) {
		f.nachweis = at()
	}
	if on(10) {
		f.vertrag = at()
	}
	if on(5) {
		f.provision = at()
	}
	if on(8) {
		f.gwgAkte = "ja"
		if on(50) {
			f.gwgEnde = at()
		}
	}
	if on(5) {
		f.mietAbgelehnt = at()
	}
	if on(1) {
		f.rechtsstreit = "Az. " + strconv.Itoa(1+r.IntN(30)) + " O " + strconv.Itoa(100+r.IntN(900)) + "/26"
	}
	return f
}

// blankSome leaves some fields empty: contacts typed in a hurry, or a
// company without a person.
func (g *seeder) blankSome(p *person) {
	switch n := g.rng.IntN(100); {
	case n < 4:
		p.salutation, p.firstName, p.lastName = "", "", ""
		p.companyName = g.pick(lastNames) + " " + g.pick(companySuffixes)
	case n < 8:
		p.salutation = ""
	case n < 11:
		p.firstName = ""
	case n < 12:
		p.lastName = ""
	}
}

func (g *seeder) title() string {
	switch n := g.rng.IntN(100); {
	case n < 8:
		return "Dr."
	case n < 10:
		return "Prof. Dr."
	case n < 11:
		return "Dipl.-Ing."
	}
	return ""
}

func (g *seeder) city() city {
	if g.chance(4) {
		return foreignCities[g.rng.IntN(len(foreignCities))]
	}
	return germanCities[g.rng.IntN(len(germanCities))]
}

// count draws 0..len(weights)-1 with the given percentages.
func (g *seeder) count(weights ...int) int {
	n := g.rng.IntN(100)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func (g *seeder) emails(p person) []channel {
	local := "info"
	if p.lastName != "" {
		local = ascii(p.lastName)
		if p.firstName != "" {
			local = ascii(p.firstName) + "." + local
		}
	}
	types := []string{"private", "business", "other"}
	out := make([]channel, g.count(10, 60, 22, 8))
	for i := range out {
		addr := local
		if i > 0 {
			addr += strconv.Itoa(g.rng.IntN(99) + 1)
		}
		out[i] = channel{Value: addr + "@" + g.pick(emailDomains), Type: types[i]}
	}
	return g.markDefault(out)
}

func (g *seeder) markDefault(chs []channel) []channel {
	if len(chs) > 0 {
		chs[g.rng.IntN(len(chs))].Default = true
	}
	return chs
}

func (g *seeder) phones(home city) []channel {
	out := make([]channel, g.count(15, 50, 25, 10))
	for i := range out {
		if g.chance(40) {
			out[i] = channel{Value: "+49 " + g.pick(mobilePrefix) + " " + g.digits(7+g.rng.IntN(2)), Type: "mobile"}
			continue
		}
		kind := [...]string{"private", "business"}[g.rng.IntN(2)]
		out[i] = channel{Value: countryCode(home.country) + " " + home.area + " " + g.digits(5+g.rng.IntN(4)), Type: kind}
	}
	return g.markDefault(out)
}

func countryCode(country string) string {
	switch country {
	case "AT":
		return "+43"
	case "CH":
		return "+41"
	}
	return "+49"
}

func (g *seeder) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.rng.IntN(10))
	}
	b[0] = byte('1' + g.rng.IntN(9))
	return string(b)
}

func (g *seeder) addresses(home city) []postal {
	out := make([]postal, g.count(8, 88, 4))
	for i := range out {
		c := home
		if i > 0 {
			c = g.city()
		}
		out[i] = postal{Street: g.pick(streets), HouseNumber: g.houseNumber(), Zipcode: c.zipcode(g.rng), City: c.name, Country: c.country, Default: i == 0}
	}
	return out
}

func (g *seeder) houseNumber() string {
	n := 1 + g.rng.IntN(180)
	switch k := g.rng.IntN(100); {
	case k < 12:
		return strconv.Itoa(n) + string(rune('a'+g.rng.IntN(3)))
	case k < 14:
		return strconv.Itoa(n) + "-" + strconv.Itoa(n+2+g.rng.IntN(4))
	}
	return strconv.Itoa(n)
}

// consent fills the einwilligung_* fields of some contacts: most have none,
// some gave consent, a few withdrew it; a quarter were created before the
// broker added the custom fields and lack them altogether.
func (g *seeder) consent(created, updated int64) *consentDetails {
	n := g.rng.IntN(100)
	switch {
	case n < 25:
		return nil
	case n < 85:
		return &consentDetails{}
	}
	given := created + g.rng.Int64N(updated-created+1)
	d := &consentDetails{source: g.pick(sources), purpose: g.pick(purposes), date: day(given)}
	if g.chance(50) {
		d.link = "https://einwilligung.example.de/e/mock/" + newUUID(g.rng)
	}
	if n >= 97 {
		d.withdrawn, d.reason = day(given+g.rng.Int64N(updated-given+1)), g.pick(withdrawals)
	}
	return d
}

func day(ms int64) string { return time.UnixMilli(ms).UTC().Format(time.DateOnly) }

// writeFields writes the person's fields in schema order.
func (p person) writeFields(w *fieldWriter) {
	w.text("salutation", p.salutation)
	w.text("title", p.title)
	w.text("firstName", p.firstName)
	w.text("lastName", p.lastName)
	w.text("companyName", p.companyName)
	w.channels("emails", p.emails)
	w.channels("phoneNumbers", p.phones)
	w.postals("addresses", p.addresses)
	w.text("responsibleUser", p.user)
	if c := p.consent; c != nil {
		w.text("einwilligung_quelle", c.source)
		w.text("einwilligung_zweck", c.purpose)
		w.text("einwilligung_datum", c.date)
		w.text("einwilligung_widerrufsdatum", c.withdrawn)
		w.text("einwilligung_widerrufsgrund", c.reason)
		w.text("einwilligung_link", c.link)
	}
	f := p.facts
	for _, field := range [...]struct{ name, value string }{
		{"nachweis_datum", f.nachweis}, {"maklervertrag_brief", f.vertrag}, {"provision_hauptvertrag", f.provision},
		{"gwg_akte", f.gwgAkte}, {"gwg_beziehung_ende", f.gwgEnde}, {"mietbewerbung_abgelehnt", f.mietAbgelehnt},
		{"rechtsstreit", f.rechtsstreit},
	} {
		if field.value != "" {
			w.text(field.name, field.value)
		}
	}
}

// profiles gives about a fifth of contacts one or two search profiles,
// changed no later than their contact.
func (g *seeder) profiles(st *store, c *contact, home city) {
	if !g.chance(20) {
		return
	}
	for range 1 + g.count(75, 25) {
		g.profileN++
		p := g.profile(c, home)
		p.ID = "sp-" + strconv.Itoa(g.profileN)
		st.profiles[p.ID] = p
		st.profileOf[c.id] = append(st.profileOf[c.id], p.ID)
	}
}

func (g *seeder) profile(c *contact, home city) *SearchProfile {
	p := &SearchProfile{
		ContactID: c.id, Active: g.chance(85), MarketingType: "BUY",
		EstateTypes: []string{[...]string{"APARTMENT", "HOUSE", "APARTMENT", "PLOT", "OFFICE", "INVESTMENT"}[g.rng.IntN(6)]},
		ZipCodes:    []string{home.zipcode(g.rng)}, Cities: []string{home.name},
		UpdatedAt: c.createdAt + g.rng.Int64N(c.updatedAt-c.createdAt+1),
	}
	price := float64(150_000 + 10_000*g.rng.IntN(106))
	if g.chance(40) {
		p.MarketingType, price = "RENT", float64(500+50*g.rng.IntN(51))
	}
	p.PriceMax = &price
	if g.chance(80) {
		rooms := float64(1+g.rng.IntN(5)) + 0.5*float64(g.rng.IntN(2))
		area := float64(30 + 5*g.rng.IntN(30))
		p.RoomsMin, p.LivingAreaMin = &rooms, &area
		p.Title = strconv.FormatFloat(rooms, 'f', -1, 64) + " Zimmer " + home.name
	} else {
		p.Title = "Objekt in " + home.name
	}
	if g.chance(30) {
		p.ZipCodes = append(p.ZipCodes, home.zipcode(g.rng))
	}
	if g.chance(25) && p.EstateTypes[0] != "HOUSE" {
		p.EstateTypes = append(p.EstateTypes, "HOUSE")
	}
	return p
}
