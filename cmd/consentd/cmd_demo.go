package main

import (
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	randv2 "math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	gosync "sync"
	"time"

	"github.com/consentd/consentd/configs"
	"github.com/consentd/consentd/consent"
	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/mockcrm"
	"github.com/consentd/consentd/store"
	"github.com/consentd/consentd/sync"
)

//go:embed demo.yaml
var demoConfig []byte

const (
	defaultDemoData   = "consentd-demo-data"
	defaultDemoDSN    = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	defaultDemoPrefix = "consentd_demo_"
	// guideLinks is how many personal links the guide prints.
	guideLinks = 3
)

// demo runs consentd serve against a mock CRM in this process, so a
// newcomer sees consentd work without a CRM account, a config file or a
// database server: the company database is a SQLite file in -data, unless
// -postgres or CONSENTD_DEMO_DSN asks for PostgreSQL.
type demo struct {
	contacts  int
	listen    string
	crmListen string
	every     time.Duration
	data      string
	postgres  bool
	crm       *mockcrm.Server
	crmLn     net.Listener
	pageLn    net.Listener
}

func demoCommand() command {
	d := &demo{}
	return command{
		name:    "demo",
		summary: "serve a mock CRM's seeded contacts with links and consent page, no config or database server needed",
		config:  d.config,
		flags: func(fs *flag.FlagSet) func(context.Context, *app) error {
			fs.IntVar(&d.contacts, "contacts", 500, "contacts seeded into the mock CRM")
			fs.StringVar(&d.listen, "listen", "127.0.0.1:8080", "address of the consent page (port 0: any free port)")
			fs.StringVar(&d.crmListen, "crm-listen", "127.0.0.1:8091", "address of the mock CRM (port 0: any free port)")
			fs.DurationVar(&d.every, "every", 15*time.Second, "how often brokers change a few contacts in the mock CRM")
			fs.StringVar(&d.data, "data", "", "directory of the demo's SQLite database (default ./"+defaultDemoData+")")
			fs.BoolVar(&d.postgres, "postgres", false, "keep the demo's database in PostgreSQL instead: $CONSENTD_DEMO_DSN, default "+defaultDemoDSN)
			return d.run
		},
	}
}

// config binds both addresses first, so that the config can name the
// ports actually bound (port 0 included) as the consent links' base.
func (d *demo) config(m *Main) (*configs.Config, error) {
	if d.contacts < 1 || d.contacts > mockcrm.MaxContacts {
		return nil, usagef("demo: -contacts must be between 1 and %d", mockcrm.MaxContacts)
	}
	if d.every < time.Second {
		return nil, usagef("demo: -every must be at least 1s")
	}
	d.postgres = d.postgres || lookup(m.LookupEnv, "CONSENTD_DEMO_DSN") != ""
	if d.postgres && d.data != "" {
		return nil, usagef("demo: -data names the SQLite directory; leave it out with PostgreSQL (-postgres or CONSENTD_DEMO_DSN)")
	}
	if err := d.bind(); err != nil {
		return nil, err
	}
	d.crm = mockcrm.New(mockcrm.Options{Contacts: d.contacts, Seed: 1, RatePerSecond: -1})
	cfg, err := configs.Parse(demoConfig, ".", d.vars(m))
	if err != nil {
		d.crmLn.Close()
		d.pageLn.Close()
		return nil, err
	}
	return cfg, nil
}

func (d *demo) bind() error {
	crm, err := net.Listen("tcp", d.crmListen)
	if err != nil {
		return fmt.Errorf("demo: start the mock CRM on %s: %w (pass -crm-listen 127.0.0.1:0 for any free port)", d.crmListen, err)
	}
	page, err := net.Listen("tcp", d.listen)
	if err != nil {
		crm.Close()
		return fmt.Errorf("demo: serve the consent page on %s: %w (pass -listen 127.0.0.1:0 for any free port)", d.listen, err)
	}
	d.crmLn, d.pageLn = crm, page
	return nil
}

// vars fill in the ${...} of demo.yaml.
func (d *demo) vars(m *Main) func(string) (string, bool) {
	vars := map[string]string{
		"CONSENTD_DEMO_DRIVER": store.DriverSQLite,
		"CONSENTD_DEMO_DATA":   firstNonEmpty(d.data, defaultDemoData),
		"CONSENTD_DEMO_DSN":    "",
		"CONSENTD_DEMO_PREFIX": firstNonEmpty(lookup(m.LookupEnv, "CONSENTD_DEMO_PREFIX"), defaultDemoPrefix),
		"DEMO_CRM_URL":         baseURL(d.crmLn.Addr()),
		"DEMO_CRM_TOKEN":       d.crm.APIToken(),
		"DEMO_LISTEN":          d.pageLn.Addr().String(),
		"DEMO_PUBLIC_URL":      baseURL(d.pageLn.Addr()),
		"DEMO_HTTP_SECRET":     randomSecret(),
	}
	if d.postgres {
		vars["CONSENTD_DEMO_DRIVER"], vars["CONSENTD_DEMO_DATA"] = store.DriverPostgres, ""
		vars["CONSENTD_DEMO_DSN"] = firstNonEmpty(lookup(m.LookupEnv, "CONSENTD_DEMO_DSN"), defaultDemoDSN)
	}
	return func(k string) (string, bool) {
		v, ok := vars[k]
		return v, ok
	}
}

func lookup(env func(string) (string, bool), key string) string {
	v, _ := env(key)
	return v
}

// baseURL is how this machine reaches a listener; one bound to every
// interface (":8080") is reached on localhost.
func baseURL(addr net.Addr) string {
	if tcp, ok := addr.(*net.TCPAddr); ok && tcp.IP.IsUnspecified() {
		return "http://" + net.JoinHostPort("localhost", strconv.Itoa(tcp.Port))
	}
	return "http://" + addr.String()
}

// randomSecret keys the demo page's form tokens for one start only; a real
// installation keeps its secret across restarts.
func randomSecret() string {
	b := make([]byte, 48)
	_, _ = rand.Read(b) // never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

func (d *demo) run(ctx context.Context, a *app) error {
	crm := &http.Server{Handler: d.crm, ReadHeaderTimeout: 5 * time.Second}
	go crm.Serve(d.crmLn)
	defer crm.Close()
	defer d.pageLn.Close() // serve closes it as it ends; this covers failing before
	links, err := d.prepare(ctx, a)
	if err == nil {
		err = d.serve(ctx, a, links)
	}
	if err != nil && ctx.Err() == nil {
		return err
	}
	fmt.Fprintln(a.stdout, "demo stopped; the next start reuses the database.")
	return nil
}

// demoLink is a personal consent link the guide prints.
type demoLink struct{ addressID, name, url string }

// prepare does what an admin does before serving: migrate, mirror every
// contact, give every contact a link. It returns the links for the guide.
func (d *demo) prepare(ctx context.Context, a *app) ([]demoLink, error) {
	if err := a.migrate(ctx, configs.AllCompanies); err != nil {
		if d.postgres {
			err = fmt.Errorf("the demo with -postgres needs a PostgreSQL server (set CONSENTD_DEMO_DSN, or leave -postgres out for SQLite): %w", err)
		}
		return nil, err
	}
	if err := a.syncCompanies(ctx, configs.AllCompanies, sync.Full, false); err != nil {
		return nil, err
	}
	c := &a.cfg.Companies[0]
	svc, err := a.consentService(ctx, c)
	if err != nil {
		return nil, companyError{slug: c.Slug, err: err}
	}
	n, err := svc.IssueLinks(ctx, false, nil)
	if err != nil {
		return nil, companyError{slug: c.Slug, err: fmt.Errorf("issue links: %w", err)}
	}
	fmt.Fprintf(a.stdout, "%s: issued %d links to contacts without one\n", c.Slug, n)
	links, err := d.guideLinks(ctx, a, c, svc)
	if err != nil {
		return nil, companyError{slug: c.Slug, err: err}
	}
	return links, nil
}

// guideLinks gives the first contacts without consent on record new links
// and returns them: links of earlier starts cannot be printed again, as
// only their hashes are stored, and consent given before would write
// nothing to the freshly seeded CRM.
func (d *demo) guideLinks(ctx context.Context, a *app, c *configs.Company, svc *consent.Service) ([]demoLink, error) {
	db, err := a.stores.Open(ctx, c.Slug)
	if err != nil {
		return nil, err
	}
	var links []demoLink
	for _, id := range d.crm.ContactIDs() {
		if len(links) == guideLinks {
			break
		}
		l, ok, err := guideLink(ctx, db, svc, id)
		if err != nil {
			return nil, err
		}
		if ok {
			links = append(links, l)
		}
	}
	return links, nil
}

// guideLink rotates the link of a mirrored contact without consent on
// record; false for any other contact.
func guideLink(ctx context.Context, db *store.DB, svc *consent.Service, id string) (demoLink, bool, error) {
	_, recorded, err := db.Consent(ctx, id, svc.Settings().Purpose)
	if err != nil || recorded {
		return demoLink{}, false, err
	}
	addr, mirrored, err := db.Address(ctx, id)
	if err != nil || !mirrored {
		return demoLink{}, false, err
	}
	url, err := svc.RotateLink(ctx, id, false)
	if errors.Is(err, consent.ErrUnknownAddress) {
		return demoLink{}, false, nil // deleted in the CRM
	}
	if err != nil {
		return demoLink{}, false, err
	}
	return demoLink{addressID: id, name: displayName(addr), url: url}, true, nil
}

func displayName(a mapping.Address) string {
	name := strings.Join(strings.Fields(strings.Join([]string{a.Salutation, a.Title, a.FirstName, a.LastName}, " ")), " ")
	return firstNonEmpty(name, a.CompanyName, "contact "+a.CRMID)
}

// serve runs the daemon exactly as consentd serve does, with brokers
// editing contacts beside it, and prints the guide once the page is up.
func (d *demo) serve(ctx context.Context, a *app, links []demoLink) error {
	a.bound = map[string]net.Listener{"listen": d.pageLn}
	// The demo's config comes from no file: SIGHUP keeps it instead of
	// reading whatever consentd.yaml lies in the working directory.
	a.reloadConfig = func() (*configs.Config, error) { return a.cfg, nil }
	listening := a.listening
	a.listening = func(name string, addr net.Addr) {
		if name == "listen" {
			d.guide(a, addr, links)
		}
		if listening != nil {
			listening(name, addr)
		}
	}
	editing, stopEditing := context.WithCancel(ctx)
	var brokers gosync.WaitGroup
	brokers.Go(func() { d.brokersEditing(editing) })
	err := a.serve(ctx)
	stopEditing()
	brokers.Wait()
	return err
}

func (d *demo) guide(a *app, page net.Addr, links []demoLink) {
	c := &a.cfg.Companies[0]
	crm, site := baseURL(d.crmLn.Addr()), baseURL(page)
	w := a.stdout
	engine := "SQLite file"
	if d.postgres {
		engine = "PostgreSQL database"
	}
	fmt.Fprintf(w, "\nconsentd demo: %q\n  consent page  %s\n  mock CRM      %s (%d contacts)\n  mirror        %s %s\n\n",
		c.Name, site, crm, d.contacts, engine, a.stores.DatabaseLocation(c.Slug))
	fmt.Fprintln(w, "Open a personal link, as the contact would from a broker's mail, and give consent:")
	for _, l := range links {
		fmt.Fprintf(w, "  %s\n    consent page:  %s\n    in the CRM:    %s/_mock/contacts/%s\n", l.name, l.url, crm, l.addressID)
	}
	fmt.Fprintf(w, "What consentd wrote to the CRM (consent fields, %q activities):\n  %s/_mock/inspect\n"+
		"Brokers change a few contacts in the CRM every %s; consentd mirrors the\n"+
		"changes on its schedule (%s), see the log.\nHealth and metrics: %s/healthz and /metrics\n\n"+
		"Ctrl-C stops. The next start reuses the database and prints new links.\n\n",
		c.Consent.ActivityType, crm, d.every, c.Schedule.Sync, site)
}

func (d *demo) brokersEditing(ctx context.Context) {
	tick := time.NewTicker(d.every)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			d.brokersEdit()
		}
	}
}

// brokersEdit moves a few contacts to a new address, as brokers working in
// the CRM would.
func (d *demo) brokersEdit() {
	ids := d.crm.ContactIDs()
	moves := []struct{ street, zip, city string }{
		{"Marienplatz", "80331", "München"}, {"Domkloster", "50667", "Köln"},
		{"Obermarkt", "02826", "Görlitz"}, {"Königsallee", "40212", "Düsseldorf"},
	}
	for range 3 {
		m := moves[randv2.IntN(len(moves))]
		d.crm.UpdateContact(ids[randv2.IntN(len(ids))], map[string]any{"addresses": []any{map[string]any{
			"street": m.street, "houseNumber": fmt.Sprint(1 + randv2.IntN(40)), "zipcode": m.zip,
			"city": m.city, "country": "DE", "default": true}}})
	}
}
