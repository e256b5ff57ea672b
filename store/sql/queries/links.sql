-- Personal links to the consent page. Only the SHA-256 of a token is kept.

-- name: link-subject
-- What the consent page shows, in one lookup: a row per search profile of
-- the contact in CRM id order, or one row with the profile columns NULL
-- when it has none. No row whatever makes a token invalid (unknown,
-- revoked, or its address deleted in the CRM), and that takes the same one
-- indexed lookup. $1 token hash, $2 purpose.
SELECT l.id AS link_id, l.issued_at AS link_issued_at, l.revoked_at AS link_revoked_at,
       l.written_at AS link_written_at,
       a.crm_id, a.salutation, a.title, a.first_name, a.last_name, a.company_name,
       a.street, a.house_number, a.zip, a.city, a.country, a.emails, a.phones, a.responsible_user,
       a.consent_source, a.consent_purpose, a.consent_date, a.consent_withdrawal_date,
       a.consent_withdrawal_reason, a.consent_link, a.crm_created_at, a.crm_updated_at, a.content_hash,
       c.state AS c_state, c.given_at AS c_given_at, c.withdrawn_at AS c_withdrawn_at,
       c.withdrawal_reason AS c_withdrawal_reason, c.source AS c_source, c.text_version AS c_text_version,
       c.channel AS c_channel, c.last_event_id AS c_last_event_id, c.last_used_at AS c_last_used_at,
       e.id AS e_id, e.received_at AS e_received_at, e.channel AS e_channel, e.reason AS e_reason,
       e.due_at AS e_due_at, e.event_id AS e_event_id,
       p.crm_id AS p_crm_id, p.title AS p_title, p.active AS p_active, p.marketing_type AS p_marketing_type,
       p.estate_types AS p_estate_types, p.zip_codes AS p_zip_codes, p.cities AS p_cities,
       p.price_max AS p_price_max, p.living_area_min AS p_living_area_min, p.rooms_min AS p_rooms_min,
       p.crm_updated_at AS p_crm_updated_at
FROM links l
JOIN addresses a ON a.crm_id = l.address_id
LEFT JOIN consents c ON c.address_id = l.address_id AND c.purpose = $2
LEFT JOIN erasure_requests e ON e.address_id = l.address_id AND e.state = 'open'
LEFT JOIN search_profiles p ON p.contact_id = l.address_id
WHERE l.token_hash = $1 AND l.revoked_at IS NULL AND a.deleted_at IS NULL
ORDER BY p.crm_id;

-- name: active-link
SELECT id, address_id, issued_at, revoked_at, written_at
FROM links
WHERE address_id = $1 AND revoked_at IS NULL;

-- name: addresses-without-link
-- Keyset paging by id over live addresses that have no working link.
SELECT a.crm_id
FROM addresses a
WHERE a.deleted_at IS NULL AND a.crm_id > $1
  AND NOT EXISTS (SELECT 1 FROM links l WHERE l.address_id = a.crm_id AND l.revoked_at IS NULL)
ORDER BY a.crm_id
LIMIT $2;

-- name: insert-link
-- No row comes back when the address already has a working link.
INSERT INTO links (address_id, token_hash, issued_at)
VALUES ($1, $2, $3)
ON CONFLICT (address_id) WHERE revoked_at IS NULL DO NOTHING
RETURNING id, address_id, issued_at, revoked_at, written_at;

-- name: revoke-links
UPDATE links
SET revoked_at = $2
WHERE address_id = $1 AND revoked_at IS NULL;

-- name: mark-link-written
UPDATE links
SET written_at = $2
WHERE id = $1;

-- name: link-write-queued
SELECT EXISTS (SELECT 1 FROM outbox WHERE link_id = $1);
