-- PostgreSQL-only row locks of the consent actions.

-- name: lock-ledger
-- The head's row lock serialises every append of the company until the
-- transaction ends. A waiter gets the head as the holder committed it.
SELECT last_id, last_hash FROM ledger_head WHERE id = 1 FOR UPDATE;

-- name: lock-address
-- Serialises the actions of one contact until the transaction ends, while
-- other contacts' actions go on; no row when the address is gone.
SELECT crm_id FROM addresses WHERE crm_id = $1 AND deleted_at IS NULL FOR UPDATE;

-- name: append-event
-- Locks the head, chains the event to it, inserts it, points the consent
-- it is about at it (point-consent) and advances the head, all in one
-- statement. The canon parameter is the event's canonical JSON
-- with id 0, so its 7th character is that 0; the id taken replaces it,
-- and the hash is the hex SHA-256 of the previous hash, a
-- newline and that JSON, as Event.ChainHash computes it. No row comes back
-- when the action was recorded before.
WITH head AS (
    SELECT last_id + 1 AS id, last_hash AS prev_hash
    FROM ledger_head WHERE id = 1 FOR UPDATE
), ev AS (
    SELECT id, prev_hash,
           encode(sha256(convert_to(prev_hash || E'\n' ||
               overlay(CAST(:canon AS TEXT) PLACING CAST(id AS TEXT) FROM 7 FOR 1), 'UTF8')), 'hex') AS hash
    FROM head
), ins AS (
    INSERT INTO consent_events (id, company, address_id, kind, purpose, source, text_version,
                                text_sha256, occurred_at, channel, link_id, client_ip, user_agent,
                                details, action_id, prev_hash, hash)
    SELECT ev.id, :company, :address_id, :kind, :purpose, :source, :text_version,
           :text_sha256, CAST(:occurred_at AS TIMESTAMPTZ), :channel, CAST(:link_id AS BIGINT), :client_ip, :user_agent,
           :details, :action_id, ev.prev_hash, ev.hash
    FROM ev
    ON CONFLICT (action_id) DO NOTHING
    RETURNING id, prev_hash, hash, address_id, purpose
), consent AS (
    UPDATE consents SET last_event_id = ins.id
    FROM ins
    WHERE ins.purpose <> '' AND consents.address_id = ins.address_id AND consents.purpose = ins.purpose
)
UPDATE ledger_head
SET last_id = ins.id, last_hash = ins.hash
FROM ins
WHERE ledger_head.id = 1
RETURNING ins.id, ins.prev_hash, ins.hash;
