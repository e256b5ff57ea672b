-- Retention: purging what the CRM deleted, pruning proof whose period ran
-- out, stale consents and the facts retention rules read.

-- name: deleted-addresses
SELECT crm_id FROM addresses
WHERE deleted_at IS NOT NULL
ORDER BY crm_id
LIMIT $1;

-- name: purge-address
DELETE FROM addresses WHERE crm_id = $1 AND deleted_at IS NOT NULL;

-- name: purge-search-profiles
DELETE FROM search_profiles WHERE contact_id = $1;

-- name: purge-links
DELETE FROM links WHERE address_id = $1;

-- name: purge-consent-reasons
-- The proof of a withdrawal is its date; the person's own words go.
UPDATE consents SET withdrawal_reason = '' WHERE address_id = $1;

-- name: purge-outbox
-- A pending write stays: the worker may hold it right now; the CRM answers
-- it with "gone" and it is parked, and a later purge takes it.
DELETE FROM outbox WHERE address_id = $1 AND state <> 'pending';

-- name: proof-owners
SELECT e.address_id,
       MAX(e.occurred_at)                                        AS last_event,
       (SELECT MAX(c.last_used_at) FROM consents c
        WHERE c.address_id = e.address_id)                       AS last_used,
       MAX(CASE WHEN e.channel = 'phone' THEN e.occurred_at END) AS last_phone_event
FROM consent_events e
WHERE NOT EXISTS (SELECT 1 FROM addresses a WHERE a.crm_id = e.address_id)
GROUP BY e.address_id
ORDER BY e.address_id;

-- name: address-exists
SELECT EXISTS (SELECT 1 FROM addresses WHERE crm_id = $1);

-- name: keep-pruned-hashes
INSERT INTO ledger_pruned (id, hash, pruned_at)
SELECT id, hash, $2 FROM consent_events WHERE address_id = $1;

-- name: prune-events
DELETE FROM consent_events WHERE address_id = $1;

-- name: prune-consents
DELETE FROM consents WHERE address_id = $1;

-- name: prune-recipient-objections
DELETE FROM recipient_objections WHERE address_id = $1;

-- name: stale-consents
SELECT COUNT(*) AS stale, MIN(COALESCE(c.last_used_at, c.given_at)) AS oldest
FROM consents c
JOIN addresses a ON a.crm_id = c.address_id AND a.deleted_at IS NULL
WHERE c.purpose = $1 AND c.state = 'given' AND COALESCE(c.last_used_at, c.given_at) < $2;

-- name: subject-facts
SELECT a.facts, a.crm_created_at, a.crm_updated_at,
       (SELECT MAX(COALESCE(p.crm_updated_at, p.synced_at)) FROM search_profiles p
        WHERE p.contact_id = a.crm_id) AS profiles_changed
FROM addresses a
WHERE a.crm_id = $1 AND a.deleted_at IS NULL;
