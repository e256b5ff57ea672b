// Package consent is the consent manager's domain: what happens when a
// contact gives or withdraws consent, corrects data, requests deletion or
// changes a search profile on the personal consent page, the proof ledger
// that records it, and the personal links that open the page. Every action
// is one transaction: consent state, ledger event, mirror update and the
// outbox rows that write the result back to the CRM. The package does no
// HTTP.
package consent

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/consentd/consentd/mapping"
	"github.com/consentd/consentd/retention"
	"github.com/consentd/consentd/store"
)

// Defaults of Settings.
const (
	DefaultPurpose      = "Akquisition und Vermittlung von Immobilien"
	DefaultSource       = "Kontaktformular"
	DefaultActivityType = "Einwilligung"
)

// Text is a version of the consent text a contact agrees to.
type Text struct {
	Version string
	Body    string
}

// SHA256 is the hex SHA-256 of the text's body; the ledger keeps it, so
// the exact wording agreed to can be proven later.
func (t Text) SHA256() string {
	sum := sha256.Sum256([]byte(t.Body))
	return hex.EncodeToString(sum[:])
}

// Settings configure the consent manager of one company.
type Settings struct {
	Company     string // slug
	CompanyName string
	PublicURL   string // where the consent page is served, e.g. https://einwilligung.example.de
	Purpose     string // default DefaultPurpose
	Source      string // default DefaultSource
	Text        Text   // current consent text (German)
	// ActivityType is the CRM activity type of the activities written for
	// the broker; it must exist in the CRM. Default DefaultActivityType.
	ActivityType string
	// FallbackUser is the broker (CRM user id) activities go to when the
	// contact has no responsible user.
	FallbackUser string
	// RecordClient keeps the truncated IP address and the user agent of the
	// contact's browser in the ledger.
	RecordClient bool
	// Policy is the company's retention policy; nil means retention.Default().
	Policy *retention.Policy
	// DPOUser is the CRM user of the company's data-protection officer, who
	// gets a copy of each deletion request's activity; "" for none.
	DPOUser string
	// DPOContact is the CRM contact of an external data-protection officer;
	// the copy is linked to it as well. "" for none.
	DPOContact string
	// Recipients are the third parties the company passes data to.
	Recipients []Recipient
}

func (s Settings) withDefaults() Settings {
	s.PublicURL = strings.TrimRight(s.PublicURL, "/")
	if s.Purpose == "" {
		s.Purpose = DefaultPurpose
	}
	if s.Source == "" {
		s.Source = DefaultSource
	}
	if s.ActivityType == "" {
		s.ActivityType = DefaultActivityType
	}
	if s.Policy == nil {
		s.Policy = retention.Default()
	}
	return s
}

// Validate reports every setting the consent manager cannot work with.
// Empty purpose, source and activity type take their defaults.
func (s Settings) Validate() error {
	s = s.withDefaults()
	var problems []error
	if s.Company == "" {
		problems = append(problems, errors.New("company slug is empty"))
	}
	if u, err := url.Parse(s.PublicURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		problems = append(problems, fmt.Errorf("public URL %q is not an absolute http(s) URL", s.PublicURL))
	}
	if strings.TrimSpace(s.Text.Version) == "" || strings.TrimSpace(s.Text.Body) == "" {
		problems = append(problems, errors.New("the consent text needs a version and a body"))
	}
	return errors.Join(problems...)
}

// Service runs the consent actions and admin operations of one company.
// It is safe for concurrent use.
type Service struct {
	db       *store.DB
	m        *mapping.Mapping
	set      Settings
	policy   *retention.Policy
	now      func() time.Time
	pageSize int // addresses per transaction when issuing links
}

// NewService returns the consent manager of the company whose database db
// is. now tells the time; nil means time.Now.
func NewService(db *store.DB, m *mapping.Mapping, s Settings, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	s = s.withDefaults()
	return &Service{db: db, m: m, set: s, policy: s.Policy, now: now, pageSize: 500}
}

// Settings returns the settings in use, defaults filled in.
func (s *Service) Settings() Settings { return s.set }

// clock is the time of an action as the ledger stores it.
func (s *Service) clock() time.Time {
	return s.now().UTC().Truncate(time.Microsecond)
}

// Errors of the consent actions and link operations.
var (
	// ErrLinkInvalid is the one answer for a token that is malformed,
	// unknown, revoked, of another company or of a deleted address.
	ErrLinkInvalid = errors.New("link not valid")
	// ErrProfileNotFound: the search profile is not one of the contact's.
	ErrProfileNotFound = errors.New("search profile not found")
	// ErrProfilePending: the profile was created moments ago and has no CRM
	// id yet; it can be changed once the CRM has it (minutes later).
	ErrProfilePending = errors.New("search profile is still being saved in the CRM")
	// ErrNoActiveLink: the address has no working link to revoke.
	ErrNoActiveLink = errors.New("the address has no working link")
	// ErrUnknownAddress: the mirror holds no live address with that id.
	ErrUnknownAddress = errors.New("no such address in the mirror")
)

// Client is who submitted an action. IP is the raw client address; the
// service truncates it. Channel is one of the store.Channel… constants,
// "" for web. LinkID 0 means the subject's link.
type Client struct {
	LinkID    int64
	IP        string
	UserAgent string
	Channel   string
}

// Subject is the contact a valid link opens, with what the page shows.
type Subject struct {
	Link     store.Link
	Address  mapping.Address
	Consent  *store.ConsentState // for the company's purpose; nil when never recorded
	Profiles []mapping.SearchProfile
	Erasure  *store.ErasureRequest // the open deletion request, if any
}

// Outcome kinds: what an action did, so the page can choose its message.
const (
	KindGiven             = "given"
	KindCorrected         = "data_corrected"
	KindWithdrawn         = "withdrawn"
	KindDeletionRequested = "deletion_requested"
	KindProfileSaved      = "profile_saved"
	KindProfileDeleted    = "profile_deleted"
)

// Outcome is the result of an action.
type Outcome struct {
	Kind string // one of the Kind… constants
	// Duplicate is true when nothing new was recorded: the form was sent
	// twice, or the state asked for holds already.
	Duplicate bool
	At        time.Time  // when it was recorded (the earlier time for a duplicate)
	Due       *time.Time // deletion requests: the day the answer is due (00:00 Europe/Berlin)
}
