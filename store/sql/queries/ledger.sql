-- The proof ledger: an append-only hash chain of consent events. Locking
-- its head is the engine's own and lives in each engine's folder.

-- name: advance-ledger
UPDATE ledger_head
SET last_id = $1, last_hash = $2
WHERE id = 1;

-- name: point-consent
-- An event about a consent (one with a purpose) is the consent's last.
UPDATE consents SET last_event_id = $1
WHERE address_id = $2 AND purpose = $3;

-- name: ledger-head
SELECT last_id, last_hash FROM ledger_head WHERE id = 1;

-- name: insert-event
-- Nothing is inserted when the action was recorded before.
INSERT INTO consent_events (id, company, address_id, kind, purpose, source, text_version,
                            text_sha256, occurred_at, channel, link_id, client_ip, user_agent,
                            details, action_id, prev_hash, hash)
VALUES (:id, :company, :address_id, :kind, :purpose, :source, :text_version,
        :text_sha256, :occurred_at, :channel, :link_id, :client_ip, :user_agent,
        :details, :action_id, :prev_hash, :hash)
ON CONFLICT (action_id) DO NOTHING;

-- name: event-by-action
SELECT id, company, address_id, kind, purpose, source, text_version, text_sha256,
       occurred_at, channel, link_id, client_ip, user_agent, details, action_id,
       prev_hash, hash
FROM consent_events
WHERE action_id = $1;

-- name: each-event
-- An event pruned at the end of its retention comes as its id, hash and
-- the time of pruning, so the chain can be walked past it.
SELECT id, company, address_id, kind, purpose, source, text_version, text_sha256,
       occurred_at, channel, link_id, client_ip, user_agent, details, action_id,
       prev_hash, hash, FALSE AS pruned
FROM consent_events
UNION ALL
SELECT id, '', '', '', '', '', '', '', pruned_at, '', NULL, '', '', '', NULL, '', hash, TRUE
FROM ledger_pruned
ORDER BY id;

-- name: events-of
SELECT id, company, address_id, kind, purpose, source, text_version, text_sha256,
       occurred_at, channel, link_id, client_ip, user_agent, details, action_id,
       prev_hash, hash, FALSE AS pruned
FROM consent_events
WHERE address_id = $1
ORDER BY id;
