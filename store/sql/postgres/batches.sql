-- PostgreSQL-only batch statements. Batches of rows and lists of ids come as
-- one JSON parameter each.

-- name: address-hashes
SELECT crm_id, content_hash, crm_updated_at, deleted_at IS NOT NULL AS deleted
FROM addresses
WHERE crm_id IN (SELECT json_array_elements_text($1::json));

-- name: upsert-addresses
-- $1 holds only new or changed rows; the WHERE keeps an identical row
-- untouched should another writer have got there first.
INSERT INTO addresses (crm_id, salutation, title, first_name, last_name, company_name,
                       street, house_number, zip, city, country, emails, phones,
                       responsible_user, consent_source, consent_purpose, consent_date,
                       consent_withdrawal_date, consent_withdrawal_reason, consent_link,
                       crm_created_at, crm_updated_at, content_hash, facts,
                       first_synced_at, synced_at)
SELECT r.crm_id, r.salutation, r.title, r.first_name, r.last_name, r.company_name,
       r.street, r.house_number, r.zip, r.city, r.country, r.emails, r.phones,
       r.responsible_user, r.consent_source, r.consent_purpose, r.consent_date,
       r.consent_withdrawal_date, r.consent_withdrawal_reason, r.consent_link,
       r.crm_created_at, r.crm_updated_at, r.content_hash, r.facts,
       $2::timestamptz, $2::timestamptz
FROM json_to_recordset($1::json) AS r (
    crm_id TEXT, salutation TEXT, title TEXT, first_name TEXT, last_name TEXT,
    company_name TEXT, street TEXT, house_number TEXT, zip TEXT, city TEXT,
    country TEXT, emails TEXT, phones TEXT, responsible_user TEXT,
    consent_source TEXT, consent_purpose TEXT, consent_date TEXT,
    consent_withdrawal_date TEXT, consent_withdrawal_reason TEXT, consent_link TEXT,
    crm_created_at TIMESTAMPTZ, crm_updated_at TIMESTAMPTZ, content_hash TEXT, facts TEXT)
ON CONFLICT (crm_id) DO UPDATE
SET salutation                = excluded.salutation,
    title                     = excluded.title,
    first_name                = excluded.first_name,
    last_name                 = excluded.last_name,
    company_name              = excluded.company_name,
    street                    = excluded.street,
    house_number              = excluded.house_number,
    zip                       = excluded.zip,
    city                      = excluded.city,
    country                   = excluded.country,
    emails                    = excluded.emails,
    phones                    = excluded.phones,
    responsible_user          = excluded.responsible_user,
    consent_source            = excluded.consent_source,
    consent_purpose           = excluded.consent_purpose,
    consent_date              = excluded.consent_date,
    consent_withdrawal_date   = excluded.consent_withdrawal_date,
    consent_withdrawal_reason = excluded.consent_withdrawal_reason,
    consent_link              = excluded.consent_link,
    crm_created_at            = excluded.crm_created_at,
    crm_updated_at            = excluded.crm_updated_at,
    content_hash              = excluded.content_hash,
    facts                     = excluded.facts,
    synced_at                 = excluded.synced_at,
    profiles_due              = addresses.profiles_due
                                OR addresses.crm_updated_at IS DISTINCT FROM excluded.crm_updated_at,
    deleted_at                = NULL
WHERE addresses.content_hash <> excluded.content_hash
   OR addresses.crm_updated_at IS DISTINCT FROM excluded.crm_updated_at
   OR addresses.deleted_at IS NOT NULL;

-- name: mark-seen
UPDATE addresses
SET seen_run = $1
WHERE crm_id IN (SELECT json_array_elements_text($2::json))
  AND (seen_run IS NULL OR seen_run <> $1);

-- name: search-profile-hashes
SELECT crm_id, content_hash, crm_updated_at
FROM search_profiles
WHERE crm_id IN (SELECT json_array_elements_text($1::json));

-- name: upsert-search-profiles
INSERT INTO search_profiles (crm_id, contact_id, title, active, marketing_type,
                             estate_types, zip_codes, cities, price_max,
                             living_area_min, rooms_min, content_hash,
                             crm_updated_at, synced_at)
SELECT r.crm_id, r.contact_id, r.title, r.active, r.marketing_type,
       r.estate_types, r.zip_codes, r.cities, r.price_max,
       r.living_area_min, r.rooms_min, r.content_hash,
       r.crm_updated_at, $2::timestamptz
FROM json_to_recordset($1::json) AS r (
    crm_id TEXT, contact_id TEXT, title TEXT, active BOOLEAN, marketing_type TEXT,
    estate_types TEXT, zip_codes TEXT, cities TEXT, price_max DOUBLE PRECISION,
    living_area_min DOUBLE PRECISION, rooms_min DOUBLE PRECISION,
    content_hash TEXT, crm_updated_at TIMESTAMPTZ)
ON CONFLICT (crm_id) DO UPDATE
SET contact_id      = excluded.contact_id,
    title           = excluded.title,
    active          = excluded.active,
    marketing_type  = excluded.marketing_type,
    estate_types    = excluded.estate_types,
    zip_codes       = excluded.zip_codes,
    cities          = excluded.cities,
    price_max       = excluded.price_max,
    living_area_min = excluded.living_area_min,
    rooms_min       = excluded.rooms_min,
    content_hash    = excluded.content_hash,
    crm_updated_at  = excluded.crm_updated_at,
    synced_at       = excluded.synced_at
WHERE search_profiles.content_hash <> excluded.content_hash
   OR search_profiles.crm_updated_at IS DISTINCT FROM excluded.crm_updated_at;

-- name: delete-absent-search-profiles
-- $1: the contacts whose profiles were fetched; $2: the profiles they still have.
DELETE FROM search_profiles
WHERE contact_id IN (SELECT json_array_elements_text($1::json))
  AND crm_id NOT IN (SELECT json_array_elements_text($2::json));

-- name: clear-profiles-due
UPDATE addresses
SET profiles_due = FALSE
WHERE crm_id IN (SELECT json_array_elements_text($1::json));
