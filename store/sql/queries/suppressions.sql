-- Suppression entries and objections per recipient.

-- name: add-suppression
INSERT INTO suppressions (address_id, kind, identifier, scope, created_at, review_at, event_id)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (identifier, scope) DO NOTHING;

-- name: suppressions-of
SELECT id, address_id, kind, identifier, scope, created_at, review_at, event_id
FROM suppressions
WHERE address_id = $1
ORDER BY id;

-- name: suppressions-in
SELECT id, address_id, kind, identifier, scope, created_at, review_at, event_id
FROM suppressions
WHERE scope = $1
ORDER BY id;

-- name: note-suppression-notice
INSERT INTO suppression_notices (suppression_id, address_id, notified_at)
VALUES ($1, $2, $3)
ON CONFLICT (suppression_id, address_id) DO NOTHING;

-- name: address-channels
-- Live addresses with their e-mail addresses and phone numbers, by id.
SELECT crm_id, emails, phones, responsible_user
FROM addresses
WHERE deleted_at IS NULL AND crm_id > $1
ORDER BY crm_id
LIMIT $2;

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
