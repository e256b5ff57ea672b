package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/store"
)

// Export is everything consentd holds about one person: the answer to an
// access request (Art. 15 GDPR). Suppression identifiers are hashes, and
// link tokens are never stored, so neither appears.
type Export struct {
	Company             string                     `json:"company"`
	AddressID           string                     `json:"address_id"`
	ExportedAt          time.Time                  `json:"exported_at"`
	Address             *ExportAddress             `json:"address"` // nil once purged
	SearchProfiles      []ExportProfile            `json:"search_profiles"`
	Consents            []ExportConsent            `json:"consents"`
	Events              []ExportEvent              `json:"ledger_events"`
	DeletionRequests    []store.ErasureRequest     `json:"deletion_requests"`
	Suppressions        []store.Suppression        `json:"suppression_entries"`
	RecipientObjections []store.RecipientObjection `json:"recipient_objections"`
	Links               []ExportLink               `json:"links"`
	CRMWrites           []store.OutboxEntry        `json:"crm_writes"`
}

// ExportAddress is the mirrored contact.
type ExportAddress struct {
	Salutation      string            `json:"salutation"`
	Title           string            `json:"title"`
	FirstName       string            `json:"first_name"`
	LastName        string            `json:"last_name"`
	CompanyName     string            `json:"company_name"`
	Street          string            `json:"street"`
	HouseNumber     string            `json:"house_number"`
	Zip             string            `json:"zip"`
	City            string            `json:"city"`
	Country         string            `json:"country"`
	Emails          []mapping.Channel `json:"emails"`
	Phones          []mapping.Channel `json:"phones"`
	ResponsibleUser string            `json:"responsible_user"`
	Consent         ExportCRMConsent  `json:"crm_consent_fields"`
	Facts           map[string]string `json:"facts,omitempty"`
	FirstSyncedAt   time.Time         `json:"first_synced_at"`
	SyncedAt        time.Time         `json:"synced_at"`
	DeletedInCRMAt  *time.Time        `json:"deleted_in_crm_at,omitempty"`
}

// ExportCRMConsent are the consent fields as the CRM holds them.
type ExportCRMConsent struct {
	Source           string `json:"source"`
	Purpose          string `json:"purpose"`
	Date             string `json:"date"`
	WithdrawalDate   string `json:"withdrawal_date"`
	WithdrawalReason string `json:"withdrawal_reason"`
	LinkSet          bool   `json:"link_set"`
}

// ExportProfile is one search profile.
type ExportProfile struct {
	ID            string    `json:"id"`
	Title         string    `json:"title"`
	Active        bool      `json:"active"`
	MarketingType string    `json:"marketing_type"`
	EstateTypes   []string  `json:"estate_types"`
	ZipCodes      []string  `json:"zip_codes"`
	Cities        []string  `json:"cities"`
	PriceMax      *float64  `json:"price_max,omitempty"`
	LivingAreaMin *float64  `json:"living_area_min,omitempty"`
	RoomsMin      *float64  `json:"rooms_min,omitempty"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// ExportConsent is the current consent to one purpose.
type ExportConsent struct {
	Purpose          string     `json:"purpose"`
	State            string     `json:"state"`
	Source           string     `json:"source"`
	TextVersion      string     `json:"text_version"`
	Channel          string     `json:"channel"`
	GivenAt          *time.Time `json:"given_at,omitempty"`
	WithdrawnAt      *time.Time `json:"withdrawn_at,omitempty"`
	WithdrawalReason string     `json:"withdrawal_reason,omitempty"`
	LastUsedAt       *time.Time `json:"last_used_at,omitempty"`
}

// ExportEvent is one ledger event.
type ExportEvent struct {
	ID          int64     `json:"id"`
	Kind        string    `json:"kind"`
	Purpose     string    `json:"purpose,omitempty"`
	Source      string    `json:"source,omitempty"`
	TextVersion string    `json:"text_version,omitempty"`
	TextSHA256  string    `json:"text_sha256,omitempty"`
	OccurredAt  time.Time `json:"occurred_at"`
	Channel     string    `json:"channel"`
	ClientIP    string    `json:"client_ip,omitempty"`
	UserAgent   string    `json:"user_agent,omitempty"`
	Details     string    `json:"details"`
	Hash        string    `json:"hash"`
}

// ExportLink is one personal link, without its token.
type ExportLink struct {
	IssuedAt  time.Time  `json:"issued_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
	WrittenAt *time.Time `json:"written_to_crm_at,omitempty"`
}

// Export collects everything held about the address, also when the
// mirror purged it and only proof remains.
func (s *Service) Export(ctx context.Context, addressID string) (Export, error) {
	e := Export{Company: s.set.Company, AddressID: addressID, ExportedAt: s.clock()}
	steps := []func(context.Context, *Export) error{s.exportMirror, s.exportConsents, s.exportCases, s.exportLinks}
	for _, step := range steps {
		if err := step(ctx, &e); err != nil {
			return Export{}, fmt.Errorf("export address %q: %w", addressID, err)
		}
	}
	return e, nil
}

func (s *Service) exportMirror(ctx context.Context, e *Export) error {
	rec, ok, err := s.db.AddressRecord(ctx, e.AddressID)
	if err != nil || !ok {
		return err
	}
	a := rec.Address
	e.Address = &ExportAddress{Salutation: a.Salutation, Title: a.Title, FirstName: a.FirstName, LastName: a.LastName,
		CompanyName: a.CompanyName, Street: a.Street, HouseNumber: a.HouseNumber, Zip: a.Zip, City: a.City,
		Country: a.Country, Emails: a.Emails, Phones: a.Phones, ResponsibleUser: a.ResponsibleUser, Facts: a.Facts,
		Consent: ExportCRMConsent{Source: a.Consent.Source, Purpose: a.Consent.Purpose, Date: a.Consent.Date,
			WithdrawalDate: a.Consent.WithdrawalDate, WithdrawalReason: a.Consent.WithdrawalReason, LinkSet: a.Consent.Link != ""},
		FirstSyncedAt: rec.FirstSyncedAt, SyncedAt: rec.SyncedAt, DeletedInCRMAt: rec.DeletedAt}
	profiles, err := s.db.SearchProfiles(ctx, e.AddressID)
	for _, p := range profiles {
		e.SearchProfiles = append(e.SearchProfiles, ExportProfile{ID: p.CRMID, Title: p.Title, Active: p.Active,
			MarketingType: p.MarketingType, EstateTypes: p.EstateTypes, ZipCodes: p.ZipCodes, Cities: p.Cities,
			PriceMax: p.PriceMax, LivingAreaMin: p.LivingAreaMin, RoomsMin: p.RoomsMin, UpdatedAt: p.CRMUpdatedAt})
	}
	return err
}

func (s *Service) exportConsents(ctx context.Context, e *Export) error {
	consents, err := s.db.ConsentsOf(ctx, e.AddressID)
	if err != nil {
		return err
	}
	for _, c := range consents {
		e.Consents = append(e.Consents, ExportConsent{Purpose: c.Purpose, State: c.State, Source: c.Source,
			TextVersion: c.TextVersion, Channel: c.Channel, GivenAt: c.GivenAt, WithdrawnAt: c.WithdrawnAt,
			WithdrawalReason: c.WithdrawalReason, LastUsedAt: c.LastUsedAt})
	}
	events, err := s.db.EventsOf(ctx, e.AddressID)
	for _, ev := range events {
		e.Events = append(e.Events, ExportEvent{ID: ev.ID, Kind: ev.Kind, Purpose: ev.Purpose, Source: ev.Source,
			TextVersion: ev.TextVersion, TextSHA256: ev.TextSHA256, OccurredAt: ev.OccurredAt, Channel: ev.Channel,
			ClientIP: ev.ClientIP, UserAgent: ev.UserAgent, Details: ev.Details, Hash: ev.Hash})
	}
	return err
}

func (s *Service) exportCases(ctx context.Context, e *Export) (err error) {
	if e.DeletionRequests, err = s.db.ErasuresOf(ctx, e.AddressID); err != nil {
		return err
	}
	if e.Suppressions, err = s.db.SuppressionsOf(ctx, e.AddressID); err != nil {
		return err
	}
	e.RecipientObjections, err = s.db.RecipientObjectionsOf(ctx, e.AddressID)
	return err
}

func (s *Service) exportLinks(ctx context.Context, e *Export) (err error) {
	links, err := s.db.LinksOf(ctx, e.AddressID)
	if err != nil {
		return err
	}
	for _, l := range links {
		e.Links = append(e.Links, ExportLink{IssuedAt: l.IssuedAt, RevokedAt: l.RevokedAt, WrittenAt: l.WrittenAt})
	}
	e.CRMWrites, err = s.db.OutboxOf(ctx, e.AddressID)
	return err
}

// Staleness counts the consents to the company's purpose unused for
// longer than its renewal period (retention "renewal_after", default 17
// months): such consent should be renewed before it is relied on.
func (s *Service) Staleness(ctx context.Context) (store.Staleness, error) {
	before := s.clock().AddDate(-s.policy.RenewalAfter.Years, -s.policy.RenewalAfter.Months, -s.policy.RenewalAfter.Days)
	return s.db.StaleConsents(ctx, s.set.Purpose, before)
}
