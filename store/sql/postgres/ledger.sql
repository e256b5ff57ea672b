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
-- Appends the event and moves the ledger head to it in one round trip,
-- which counts while the ledger lock is held. No row changes when the
-- action was recorded before.
WITH ins AS (
    INSERT INTO consent_events (id, company, address_id, kind, purpose, source, text_version,
                                text_sha256, occurred_at, channel, link_id, client_ip, user_agent,
                                details, action_id, prev_hash, hash)
    VALUES (:id, :company, :address_id, :kind, :purpose, :source, :text_version,
            :text_sha256, :occurred_at, :channel, :link_id, :client_ip, :user_agent,
            :details, :action_id, :prev_hash, :hash)
    ON CONFLICT (action_id) DO NOTHING
    RETURNING id, hash
)
UPDATE ledger_head
SET last_id = ins.id, last_hash = ins.hash
FROM ins
WHERE ledger_head.id = 1;
