-- Suppression entries and objections per recipient.

-- name: add-suppression
INSERT INTO suppressions (address_id, kind, identifier, scope, created_at, review_at, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (identifier, scope) DO NOTHING;

-- name: lift-suppressions
DELETE FROM suppressions WHERE address_id = $1 AND scope = $2;

-- name: suppressions-of
SELECT id, address_id, kind, identifier, scope, created_at, review_at, event_id
FROM suppressions
WHERE address_id = $1
ORDER BY id;

-- name: suppressed
SELECT id, address_id, kind, identifier, scope, created_at, review_at, event_id
FROM suppressions
WHERE identifier = $1 AND scope = $2;

-- name: suppressions-for-review
SELECT COUNT(*) FROM suppressions WHERE review_at < $1;

-- name: add-recipient-objection
INSERT INTO recipient_objections (address_id, recipient, purpose, created_at, event_id)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (address_id, recipient, purpose) DO NOTHING;

-- name: recipient-objections-of
SELECT address_id, recipient, purpose, created_at, event_id
FROM recipient_objections
WHERE address_id = $1
ORDER BY id;
