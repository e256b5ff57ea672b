-- The consent manager: personal links, the current consent state, the
-- append-only proof ledger with its hash chain, the outbox of CRM writes and
-- the deletion requests. {{identity}} is the engine's auto-numbered primary key.

-- One personal link per address and time; only the SHA-256 of its token is
-- kept, so the database alone never opens a consent page.
CREATE TABLE links (
    id          {{identity}},
    address_id  TEXT NOT NULL CHECK (address_id <> ''),
    token_hash  TEXT NOT NULL UNIQUE CHECK (length(token_hash) = 64),
    issued_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    revoked_at  TIMESTAMP WITH TIME ZONE,
    written_at  TIMESTAMP WITH TIME ZONE   -- when its URL reached the CRM field
);

-- At most one link per address works at a time.
CREATE UNIQUE INDEX links_one_active ON links (address_id) WHERE revoked_at IS NULL;

-- The current consent per address and purpose; the ledger holds its history.
CREATE TABLE consents (
    address_id        TEXT NOT NULL CHECK (address_id <> ''),
    purpose           TEXT NOT NULL CHECK (purpose <> ''),
    state             TEXT NOT NULL CHECK (state IN ('given', 'withdrawn')),
    given_at          TIMESTAMP WITH TIME ZONE,
    withdrawn_at      TIMESTAMP WITH TIME ZONE,
    withdrawal_reason TEXT NOT NULL,
    source            TEXT NOT NULL,
    text_version      TEXT NOT NULL,
    channel           TEXT NOT NULL,
    last_event_id     BIGINT NOT NULL,
    last_used_at      TIMESTAMP WITH TIME ZONE,
    updated_at        TIMESTAMP WITH TIME ZONE NOT NULL,
    PRIMARY KEY (address_id, purpose)
);

-- The proof ledger. Ids are handed out by ledger_head without gaps, so a
-- removed event shows as a missing number; each row hashes its predecessor.
CREATE TABLE consent_events (
    id           BIGINT PRIMARY KEY CHECK (id > 0),
    company      TEXT NOT NULL CHECK (company <> ''),
    address_id   TEXT NOT NULL CHECK (address_id <> ''),
    kind         TEXT NOT NULL CHECK (kind IN ('given', 'withdrawn', 'data_corrected', 'deletion_requested', 'profile_changed')),
    purpose      TEXT NOT NULL,
    source       TEXT NOT NULL,
    text_version TEXT NOT NULL,
    text_sha256  TEXT NOT NULL,
    occurred_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    channel      TEXT NOT NULL CHECK (channel IN ('web', 'phone', 'letter', 'mail', 'admin')),
    link_id      BIGINT,
    client_ip    TEXT NOT NULL,   -- truncated (IPv4 /24, IPv6 /48) or '' when not recorded
    user_agent   TEXT NOT NULL,   -- '' when not recorded
    details      TEXT NOT NULL,   -- JSON
    action_id    TEXT UNIQUE,     -- the form's one-time id: the same action twice records once
    prev_hash    TEXT NOT NULL CHECK (length(prev_hash) = 64),
    hash         TEXT NOT NULL CHECK (length(hash) = 64)
);

CREATE INDEX consent_events_address_id ON consent_events (address_id, id);

-- The end of the chain. Every append updates this one row in its own
-- transaction, which serialises appends so the chain never forks.
CREATE TABLE ledger_head (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    last_id   BIGINT NOT NULL CHECK (last_id >= 0),
    last_hash TEXT NOT NULL CHECK (length(last_hash) = 64)
);

INSERT INTO ledger_head (id, last_id, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- CRM writes, committed with the action that causes them and delivered by
-- the outbox worker in order per address.
CREATE TABLE outbox (
    id              {{identity}},
    address_id      TEXT NOT NULL CHECK (address_id <> ''),
    kind            TEXT NOT NULL CHECK (kind <> ''),
    payload         TEXT NOT NULL,   -- JSON; a link write's is wiped once delivered
    idempotency_key TEXT NOT NULL UNIQUE CHECK (idempotency_key <> ''),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'done', 'parked')),
    attempts        INTEGER NOT NULL CHECK (attempts >= 0),
    next_attempt_at TIMESTAMP WITH TIME ZONE NOT NULL,
    leased_until    TIMESTAMP WITH TIME ZONE,
    last_error      TEXT NOT NULL,
    result          TEXT NOT NULL,   -- e.g. the id of the activity created
    link_id         BIGINT,          -- the link whose URL a crm.link row writes
    created_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    parked_at       TIMESTAMP WITH TIME ZONE,
    done_at         TIMESTAMP WITH TIME ZONE
);

-- The claim walks pending rows in id order and asks, per address, whether
-- an earlier row is still open.
CREATE INDEX outbox_pending ON outbox (id) WHERE state = 'pending';
CREATE INDEX outbox_open_by_address ON outbox (address_id, id) WHERE state <> 'done';

-- Revoking a link asks whether its URL was ever queued for the CRM.
CREATE INDEX outbox_link_id ON outbox (link_id) WHERE link_id IS NOT NULL;

-- Deletion requests (Art. 17 GDPR), due one month after receipt.
CREATE TABLE erasure_requests (
    id          {{identity}},
    address_id  TEXT NOT NULL CHECK (address_id <> ''),
    received_at TIMESTAMP WITH TIME ZONE NOT NULL,
    channel     TEXT NOT NULL,
    reason      TEXT NOT NULL,
    due_at      TIMESTAMP WITH TIME ZONE NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('open', 'closed')),
    closed_at   TIMESTAMP WITH TIME ZONE,
    event_id    BIGINT NOT NULL,
    CONSTRAINT erasure_requests_closed_with_time CHECK ((state = 'closed') = (closed_at IS NOT NULL))
);

-- One open request per address; a second one while it is open adds nothing.
CREATE UNIQUE INDEX erasure_requests_one_open ON erasure_requests (address_id) WHERE state = 'open';
