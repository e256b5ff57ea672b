-- The address mirror: contacts and search profiles copied from the
-- company's CRM, the sync watermark and the history of job runs.
-- {{identity}} is the engine's auto-numbered primary key; SQLite keeps a
-- TIMESTAMP WITH TIME ZONE as text in one fixed UTC form (dialect_sqlite.go).

CREATE TABLE addresses (
    crm_id                    TEXT PRIMARY KEY CHECK (crm_id <> ''),
    salutation                TEXT NOT NULL,
    title                     TEXT NOT NULL,
    first_name                TEXT NOT NULL,
    last_name                 TEXT NOT NULL,
    company_name              TEXT NOT NULL,
    street                    TEXT NOT NULL,
    house_number              TEXT NOT NULL,
    zip                       TEXT NOT NULL,
    city                      TEXT NOT NULL,
    country                   TEXT NOT NULL,
    emails                    TEXT NOT NULL,  -- JSON array of channels
    phones                    TEXT NOT NULL,  -- JSON array of channels
    responsible_user          TEXT NOT NULL,
    consent_source            TEXT NOT NULL,
    consent_purpose           TEXT NOT NULL,
    consent_date              TEXT NOT NULL,
    consent_withdrawal_date   TEXT NOT NULL,
    consent_withdrawal_reason TEXT NOT NULL,
    consent_link              TEXT NOT NULL,
    crm_created_at            TIMESTAMP WITH TIME ZONE,
    crm_updated_at            TIMESTAMP WITH TIME ZONE,
    content_hash              TEXT NOT NULL CHECK (content_hash <> ''),
    seen_run                  BIGINT,  -- last reconciliation run that found it in the CRM
    profiles_due              BOOLEAN NOT NULL DEFAULT TRUE,  -- its search profiles must be fetched
    first_synced_at           TIMESTAMP WITH TIME ZONE NOT NULL,
    synced_at                 TIMESTAMP WITH TIME ZONE NOT NULL,
    deleted_at                TIMESTAMP WITH TIME ZONE   -- when the CRM was noticed to have deleted it
);

-- Reconciliation looks for live addresses a run did not see.
CREATE INDEX addresses_live_seen_run ON addresses (seen_run) WHERE deleted_at IS NULL;

-- The search-profile pass walks the contacts whose profiles are due.
CREATE INDEX addresses_profiles_due ON addresses (crm_id) WHERE profiles_due AND deleted_at IS NULL;

CREATE TABLE search_profiles (
    crm_id          TEXT PRIMARY KEY CHECK (crm_id <> ''),
    contact_id      TEXT NOT NULL CHECK (contact_id <> ''),
    title           TEXT NOT NULL,
    active          BOOLEAN NOT NULL,
    marketing_type  TEXT NOT NULL,
    estate_types    TEXT NOT NULL,  -- JSON array of strings
    zip_codes       TEXT NOT NULL,  -- JSON array of strings
    cities          TEXT NOT NULL,  -- JSON array of strings
    price_max       DOUBLE PRECISION,
    living_area_min DOUBLE PRECISION,
    rooms_min       DOUBLE PRECISION,
    content_hash    TEXT NOT NULL CHECK (content_hash <> ''),
    crm_updated_at  TIMESTAMP WITH TIME ZONE,
    synced_at       TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE INDEX search_profiles_contact_id ON search_profiles (contact_id);

-- One row per mirrored collection: how far the incremental sync has come.
CREATE TABLE sync_state (
    name          TEXT PRIMARY KEY CHECK (name <> ''),
    updated_at_ms BIGINT NOT NULL CHECK (updated_at_ms >= 0),
    last_id       TEXT NOT NULL,
    changed_at    TIMESTAMP WITH TIME ZONE NOT NULL
);

CREATE TABLE job_runs (
    id          {{identity}},
    job         TEXT NOT NULL CHECK (job <> ''),
    started_at  TIMESTAMP WITH TIME ZONE NOT NULL,
    finished_at TIMESTAMP WITH TIME ZONE,
    outcome     TEXT NOT NULL CHECK (outcome IN ('running', 'ok', 'failed', 'canceled', 'interrupted')),
    fetched     BIGINT NOT NULL CHECK (fetched >= 0),
    inserted    BIGINT NOT NULL CHECK (inserted >= 0),
    updated     BIGINT NOT NULL CHECK (updated >= 0),
    unchanged   BIGINT NOT NULL CHECK (unchanged >= 0),
    deleted     BIGINT NOT NULL CHECK (deleted >= 0),
    skipped     BIGINT NOT NULL CHECK (skipped >= 0),
    requests    BIGINT NOT NULL CHECK (requests >= 0),
    profiles    BIGINT NOT NULL DEFAULT 0 CHECK (profiles >= 0),  -- contacts whose search profiles were mirrored
    error       TEXT NOT NULL,
    CONSTRAINT job_runs_finished_with_outcome CHECK ((outcome = 'running') = (finished_at IS NULL))
);

CREATE INDEX job_runs_job_started_at ON job_runs (job, started_at);
