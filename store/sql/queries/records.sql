-- The records of one address, for an access request (Art. 15 GDPR).

-- name: consents-of
SELECT address_id, purpose, state, given_at, withdrawn_at, withdrawal_reason,
       source, text_version, channel, last_event_id, last_used_at
FROM consents
WHERE address_id = $1
ORDER BY purpose;

-- name: links-of
SELECT id, address_id, issued_at, revoked_at, written_at
FROM links
WHERE address_id = $1
ORDER BY id;

-- name: outbox-of
SELECT kind, state, attempts, created_at, done_at
FROM outbox
WHERE address_id = $1
ORDER BY id;
