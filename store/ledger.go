package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
)

// Kinds of ledger events.
const (
	EventGiven             = "given"
	EventWithdrawn         = "withdrawn"
	EventDataCorrected     = "data_corrected"
	EventDeletionRequested = "deletion_requested"
	EventProfileChanged    = "profile_changed"
)

// Channels through which an event reached the broker.
const (
	ChannelWeb    = "web"
	ChannelPhone  = "phone"
	ChannelLetter = "letter"
	ChannelMail   = "mail"
	ChannelAdmin  = "admin"
)

var (
	eventKinds = []string{EventGiven, EventWithdrawn, EventDataCorrected, EventDeletionRequested, EventProfileChanged}
	channels   = []string{ChannelWeb, ChannelPhone, ChannelLetter, ChannelMail, ChannelAdmin}
)

// GenesisHash is the PrevHash of the first event of a ledger.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Event is one entry of a company's proof ledger. Each event's Hash covers
// its stored fields and the Hash of its predecessor (PrevHash), so a
// changed, removed or reordered event breaks the chain.
type Event struct {
	ID          int64
	Company     string
	AddressID   string
	Kind        string // one of the Event… constants
	Purpose     string
	Source      string
	TextVersion string
	TextSHA256  string
	OccurredAt  time.Time // stored to the microsecond
	Channel     string    // one of the Channel… constants
	LinkID      *int64
	ClientIP    string // truncated, or "" when not recorded
	UserAgent   string // "" when not recorded
	Details     string // JSON; "" is stored as {}
	ActionID    string // the form's one-time id; "" for none
	PrevHash    string
	Hash        string
	// Pruned marks an event deleted when its retention ran out: only its
	// ID, Hash and OccurredAt (the time of pruning) are known. EachEvent
	// gives such events so the chain can be walked past them.
	Pruned bool
}

// canonicalEvent fixes the field order and names the hash covers.
type canonicalEvent struct {
	ID          int64  `json:"id"`
	Company     string `json:"company"`
	AddressID   string `json:"address_id"`
	Kind        string `json:"kind"`
	Purpose     string `json:"purpose"`
	Source      string `json:"source"`
	TextVersion string `json:"text_version"`
	TextSHA256  string `json:"text_sha256"`
	OccurredAt  string `json:"occurred_at"`
	Channel     string `json:"channel"`
	LinkID      *int64 `json:"link_id"`
	ClientIP    string `json:"client_ip"`
	UserAgent   string `json:"user_agent"`
	Details     string `json:"details"`
	ActionID    string `json:"action_id"`
}

// ChainHash computes what e.Hash must be: the hex SHA-256 of e.PrevHash,
// a newline and the canonical JSON of the stored fields (id, company,
// address_id, kind, purpose, source, text_version, text_sha256,
// occurred_at in RFC 3339 with nanoseconds in UTC, channel, link_id,
// client_ip, user_agent, details, action_id, in that order).
func (e Event) ChainHash() string {
	h := sha256.New()
	h.Write([]byte(e.PrevHash + "\n"))
	h.Write(e.canonical())
	return hex.EncodeToString(h.Sum(nil))
}

// canonical is the JSON of the stored fields that the hash covers.
func (e Event) canonical() []byte {
	canon, err := json.Marshal(canonicalEvent{
		ID: e.ID, Company: e.Company, AddressID: e.AddressID, Kind: e.Kind, Purpose: e.Purpose,
		Source: e.Source, TextVersion: e.TextVersion, TextSHA256: e.TextSHA256,
		OccurredAt: e.OccurredAt.UTC().Format(time.RFC3339Nano), Channel: e.Channel, LinkID: e.LinkID,
		ClientIP: e.ClientIP, UserAgent: e.UserAgent, Details: e.Details, ActionID: e.ActionID,
	})
	if err != nil {
		panic(fmt.Sprintf("store: encode event: %v", err)) // strings and numbers always encode
	}
	return canon
}

// eventRow is an event as consent_events holds it.
type eventRow struct {
	ID          int64          `db:"id"`
	Company     string         `db:"company"`
	AddressID   string         `db:"address_id"`
	Kind        string         `db:"kind"`
	Purpose     string         `db:"purpose"`
	Source      string         `db:"source"`
	TextVersion string         `db:"text_version"`
	TextSHA256  string         `db:"text_sha256"`
	OccurredAt  time.Time      `db:"occurred_at"`
	Channel     string         `db:"channel"`
	LinkID      *int64         `db:"link_id"`
	ClientIP    string         `db:"client_ip"`
	UserAgent   string         `db:"user_agent"`
	Details     string         `db:"details"`
	ActionID    sql.NullString `db:"action_id"`
	PrevHash    string         `db:"prev_hash"`
	Hash        string         `db:"hash"`
	Pruned      bool           `db:"pruned"`
}

func (r eventRow) event() Event {
	return Event{ID: r.ID, Company: r.Company, AddressID: r.AddressID, Kind: r.Kind, Purpose: r.Purpose,
		Source: r.Source, TextVersion: r.TextVersion, TextSHA256: r.TextSHA256, OccurredAt: r.OccurredAt.UTC(),
		Channel: r.Channel, LinkID: r.LinkID, ClientIP: r.ClientIP, UserAgent: r.UserAgent, Details: r.Details,
		ActionID: r.ActionID.String, PrevHash: r.PrevHash, Hash: r.Hash, Pruned: r.Pruned}
}

func newEventRow(e Event) eventRow {
	return eventRow{ID: e.ID, Company: e.Company, AddressID: e.AddressID, Kind: e.Kind, Purpose: e.Purpose,
		Source: e.Source, TextVersion: e.TextVersion, TextSHA256: e.TextSHA256, OccurredAt: e.OccurredAt,
		Channel: e.Channel, LinkID: e.LinkID, ClientIP: e.ClientIP, UserAgent: e.UserAgent, Details: e.Details,
		ActionID: sql.NullString{String: e.ActionID, Valid: e.ActionID != ""}, PrevHash: e.PrevHash, Hash: e.Hash}
}

// validateEvent refuses an event the ledger must not hold.
func validateEvent(e Event) error {
	var problems []error
	if !slices.Contains(eventKinds, e.Kind) {
		problems = append(problems, fmt.Errorf("kind %q is not one of %v", e.Kind, eventKinds))
	}
	if !slices.Contains(channels, e.Channel) {
		problems = append(problems, fmt.Errorf("channel %q is not one of %v", e.Channel, channels))
	}
	if e.OccurredAt.IsZero() {
		problems = append(problems, errors.New("it has no time"))
	}
	if !json.Valid([]byte(e.Details)) {
		problems = append(problems, errors.New("details are not JSON"))
	}
	problems = append(problems, checkKey("company", e.Company), checkKey("address id", e.AddressID),
		checkStrings("", reflect.ValueOf(e)))
	return errors.Join(problems...)
}

// LockAddress makes the transaction the only one acting on the address
// until it ends, so an action decides on a state no other can change
// meanwhile; actions on other addresses go on. ok is false when the mirror
// holds no such address or it is marked deleted.
func (tx *Tx) LockAddress(ctx context.Context, addressID string) (bool, error) {
	var id string
	err := tx.tx.GetContext(ctx, &id, tx.q.LockAddress, addressID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock address %q: %w", addressID, err)
	}
	return true, nil
}

// ledgerHead is the row of ledger_head: the end of the chain.
type ledgerHead struct {
	LastID   int64  `db:"last_id"`
	LastHash string `db:"last_hash"`
}

// lockLedger takes the company's ledger lock until the transaction ends
// and returns the head: appends are serialised, so the chain never forks.
func (tx *Tx) lockLedger(ctx context.Context) (lastID int64, lastHash string, err error) {
	var head ledgerHead
	if err := tx.tx.GetContext(ctx, &head, tx.q.LockLedger); err != nil {
		return 0, "", fmt.Errorf("lock the ledger: %w", err)
	}
	return head.LastID, head.LastHash, nil
}

// EventByAction returns the event recorded with the form's one-time id
// actionID; ok is false when there is none.
func (tx *Tx) EventByAction(ctx context.Context, actionID string) (Event, bool, error) {
	if actionID == "" || checkText("action id", actionID) != nil {
		return Event{}, false, nil
	}
	var r eventRow
	err := tx.tx.GetContext(ctx, &r, tx.q.EventByAction, actionID)
	if errors.Is(err, sql.ErrNoRows) {
		return Event{}, false, nil
	}
	if err != nil {
		return Event{}, false, fmt.Errorf("look up action: %w", err)
	}
	return r.event(), true, nil
}

// AppendEvent adds e to the end of the ledger, filling in ID, PrevHash and
// Hash, and returns it as stored (OccurredAt cut to microseconds, UTC). An
// event with a purpose becomes the last event of the address's consent to
// that purpose, if one is stored.
// When an event with e.ActionID exists already, nothing is added and that
// earlier event is returned with false. It holds the ledger lock until the
// transaction ends: append as the last thing a transaction does.
func (tx *Tx) AppendEvent(ctx context.Context, e Event) (Event, bool, error) {
	if e.Details == "" {
		e.Details = "{}"
	}
	if err := validateEvent(e); err != nil {
		return Event{}, false, fmt.Errorf("append event: %w", err)
	}
	e.OccurredAt = e.OccurredAt.UTC().Truncate(time.Microsecond)
	stored, added, err := tx.dialect.appendEvent(ctx, tx, e)
	if err != nil {
		return Event{}, false, fmt.Errorf("append %s event: %w", e.Kind, err)
	}
	if !added { // the action was recorded before
		earlier, _, err := tx.EventByAction(ctx, e.ActionID)
		return earlier, false, err
	}
	return stored, true, nil
}

// chainEvent appends e statement by statement: lock and read the head,
// insert the event chained to it, point the consent it is about (an event
// with a purpose) at it, advance the head. False when the event's action
// was recorded before; nothing changed then.
func (tx *Tx) chainEvent(ctx context.Context, e Event) (Event, bool, error) {
	lastID, lastHash, err := tx.lockLedger(ctx)
	if err != nil {
		return Event{}, false, err
	}
	e.ID, e.PrevHash = lastID+1, lastHash
	e.Hash = e.ChainHash()
	res, err := tx.tx.NamedExecContext(ctx, tx.q.InsertEvent, newEventRow(e))
	if err != nil {
		return Event{}, false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return Event{}, false, err
	}
	if e.Purpose != "" {
		if _, err := tx.tx.ExecContext(ctx, tx.q.PointConsent, e.ID, e.AddressID, e.Purpose); err != nil {
			return Event{}, false, fmt.Errorf("point the consent at its event: %w", err)
		}
	}
	if _, err := tx.tx.ExecContext(ctx, tx.q.AdvanceLedger, e.ID, e.Hash); err != nil {
		return Event{}, false, fmt.Errorf("advance the ledger head: %w", err)
	}
	return e, true, nil
}

// LedgerHead returns the id and hash of the last event; 0 and GenesisHash
// for an empty ledger.
func (db *DB) LedgerHead(ctx context.Context) (lastID int64, lastHash string, err error) {
	var head ledgerHead
	if err := db.pool.GetContext(ctx, &head, db.q.LedgerHead); err != nil {
		return 0, "", fmt.Errorf("read the ledger head: %w", err)
	}
	return head.LastID, head.LastHash, nil
}

// EachEvent calls fn with every event in id order, reading them one by
// one, so memory stays flat however long the ledger is. An error of fn
// stops the walk and is returned as is.
func (db *DB) EachEvent(ctx context.Context, fn func(Event) error) error {
	rows, err := db.pool.QueryxContext(ctx, db.q.EachEvent)
	if err != nil {
		return fmt.Errorf("read the ledger: %w", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var r eventRow
		if err := rows.StructScan(&r); err != nil {
			return fmt.Errorf("read the ledger: %w", err)
		}
		if err := fn(r.event()); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the ledger: %w", err)
	}
	return nil
}

// EventsOf returns the events of one address in id order.
func (db *DB) EventsOf(ctx context.Context, addressID string) ([]Event, error) {
	var rows []eventRow
	if err := sqlx.SelectContext(ctx, db.pool, &rows, db.q.EventsOf, addressID); err != nil {
		return nil, fmt.Errorf("read events of address %q: %w", addressID, err)
	}
	events := make([]Event, len(rows))
	for i, r := range rows {
		events[i] = r.event()
	}
	return events, nil
}
