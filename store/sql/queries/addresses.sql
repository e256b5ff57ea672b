-- The address mirror. The batch statements (upserts, marking ids seen) take
-- JSON parameters and live in each engine's folder.

-- name: get-address
SELECT crm_id, salutation, title, first_name, last_name, company_name,
       street, house_number, zip, city, country, emails, phones, responsible_user,
       consent_source, consent_purpose, consent_date, consent_withdrawal_date,
       consent_withdrawal_reason, consent_link, crm_created_at, crm_updated_at,
       content_hash, facts, seen_run, first_synced_at, synced_at, deleted_at
FROM addresses
WHERE crm_id = $1;

-- name: mark-unseen-deleted
-- Run ids only grow, so an address a later run saw is never deleted here.
UPDATE addresses
SET deleted_at = $2
WHERE deleted_at IS NULL AND (seen_run IS NULL OR seen_run < $1);

-- name: profiles-due
-- Keyset paging by id, so contacts left due (a profile the mapping refused)
-- do not hold up the others.
SELECT crm_id
FROM addresses
WHERE profiles_due AND deleted_at IS NULL AND crm_id > $1
ORDER BY crm_id
LIMIT $2;

-- name: stats
SELECT (SELECT COUNT(*) FROM addresses WHERE deleted_at IS NULL)     AS addresses,
       (SELECT COUNT(*) FROM addresses WHERE deleted_at IS NOT NULL) AS deleted,
       (SELECT COUNT(*) FROM addresses WHERE profiles_due AND deleted_at IS NULL) AS profiles_due,
       (SELECT COUNT(*) FROM search_profiles)                        AS search_profiles;
