-- Retention: the facts retention rules read, the life of a deletion request
-- (evaluation, broker notified, reminders, closing), suppression entries
-- after a withdrawal, objections per third-party recipient, and the proof
-- of ledger events deleted when their retention period ran out.

-- The declared facts of a contact (mapping "facts"), as a JSON object.
ALTER TABLE addresses ADD COLUMN facts TEXT NOT NULL DEFAULT '{}';

-- What the retention rules said when the request was last evaluated, and
-- when the broker was told and reminded.
ALTER TABLE erasure_requests ADD COLUMN verdict TEXT NOT NULL DEFAULT ''
    CHECK (verdict IN ('', 'deletable', 'restricted', 'held'));
ALTER TABLE erasure_requests ADD COLUMN restricted_until TIMESTAMP WITH TIME ZONE;
ALTER TABLE erasure_requests ADD COLUMN evaluation TEXT NOT NULL DEFAULT '';  -- the broker's text
ALTER TABLE erasure_requests ADD COLUMN evaluated_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE erasure_requests ADD COLUMN notified_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE erasure_requests ADD COLUMN reminded_7_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE erasure_requests ADD COLUMN reminded_2_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE erasure_requests ADD COLUMN overdue_at TIMESTAMP WITH TIME ZONE;
ALTER TABLE erasure_requests ADD COLUMN closed_reason TEXT NOT NULL DEFAULT '';
-- The closed case file is kept as proof until then (class K9 by default).
ALTER TABLE erasure_requests ADD COLUMN keep_until TIMESTAMP WITH TIME ZONE;

CREATE INDEX erasure_requests_keep_until ON erasure_requests (keep_until) WHERE state = 'closed';

-- After a withdrawal or objection: no further advertising to this person.
-- Only a SHA-256 of the normalised e-mail address or phone number is kept,
-- enough to recognise the person when the CRM holds them again.
CREATE TABLE suppressions (
    id          {{identity}},
    address_id  TEXT NOT NULL CHECK (address_id <> ''),
    kind        TEXT NOT NULL CHECK (kind IN ('email', 'phone')),
    identifier  TEXT NOT NULL CHECK (length(identifier) = 64),
    scope       TEXT NOT NULL CHECK (scope <> ''),   -- the purpose objected to
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    review_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    event_id    BIGINT NOT NULL,
    UNIQUE (identifier, scope)
);

CREATE INDEX suppressions_address_id ON suppressions (address_id);

-- Brokers told that a contact in the CRM matches another address's
-- suppression entry (the person came back, e.g. by a new portal inquiry),
-- once per entry and address.
CREATE TABLE suppression_notices (
    suppression_id BIGINT NOT NULL,
    address_id     TEXT NOT NULL CHECK (address_id <> ''),
    notified_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (suppression_id, address_id)
);

-- Objections to passing the contact's data to a named recipient (Art. 19
-- GDPR: recipients must be told), one row per recipient and purpose.
CREATE TABLE recipient_objections (
    id          {{identity}},
    address_id  TEXT NOT NULL CHECK (address_id <> ''),
    recipient   TEXT NOT NULL CHECK (recipient <> ''),
    purpose     TEXT NOT NULL,
    created_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    event_id    BIGINT NOT NULL,
    UNIQUE (address_id, recipient, purpose)
);

-- Ledger events deleted when their retention period ran out. Their hash
-- stays, so the chain still verifies and a removal without this record is
-- still found; nothing personal stays.
CREATE TABLE ledger_pruned (
    id        BIGINT PRIMARY KEY CHECK (id > 0),
    hash      TEXT NOT NULL CHECK (length(hash) = 64),
    pruned_at TIMESTAMP WITH TIME ZONE NOT NULL
);
