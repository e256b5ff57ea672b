-- SQLite versions of the batch statements of sql/postgres/batches.sql.
-- Batches of rows and lists of ids come as one JSON parameter each, taken
-- apart with json_each and ->>; consentd_time (dialect_sqlite_time.go)
-- brings the times of a batch into the form SQLite keeps times in. An
-- INSERT … SELECT with ON CONFLICT needs its WHERE true, so that SQLite
-- does not read the ON as a join's.

-- name: address-hashes
SELECT crm_id, content_hash, crm_updated_at, deleted_at IS NOT NULL AS deleted
FROM addresses
WHERE crm_id IN (SELECT value FROM json_each($1));

-- name: upsert-addresses
-- $1 holds only new or changed rows; the WHERE keeps an identical row
-- untouched should another writer have got there first.
INSERT INTO addresses (crm_id, salutation, title, first_name, last_name, company_name,
                       street, house_number, zip, city, country, emails, phones,
                       responsible_user, consent_source, consent_purpose, consent_date,
                       consent_withdrawal_date, consent_withdrawal_reason, consent_link,
                       crm_created_at, crm_updated_at, content_hash, facts,
                       first_synced_at, synced_at)
SELECT r.value ->> 'crm_id', r.value ->> 'salutation', r.value ->> 'title',
       r.value ->> 'first_name', r.value ->> 'last_name', r.value ->> 'company_name',
       r.value ->> 'street', r.value ->> 'house_number', r.value ->> 'zip',
       r.value ->> 'city', r.value ->> 'country', r.value ->> 'emails', r.value ->> 'phones',
       r.value ->> 'responsible_user', r.value ->> 'consent_source',
       r.value ->> 'consent_purpose', r.value ->> 'consent_date',
       r.value ->> 'consent_withdrawal_date', r.value ->> 'consent_withdrawal_reason',
       r.value ->> 'consent_link', consentd_time(r.value ->> 'crm_created_at'),
       consentd_time(r.value ->> 'crm_updated_at'), r.value ->> 'content_hash', r.value ->> 'facts',
       $2, $2
FROM json_each($1) AS r
WHERE true
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
WHERE crm_id IN (SELECT value FROM json_each($2))
  AND (seen_run IS NULL OR seen_run <> $1);

-- name: search-profile-hashes
SELECT crm_id, content_hash, crm_updated_at
FROM search_profiles
WHERE crm_id IN (SELECT value FROM json_each($1));

-- name: upsert-search-profiles
INSERT INTO search_profiles (crm_id, contact_id, title, active, marketing_type,
                             estate_types, zip_codes, cities, price_max,
                             living_area_min, rooms_min, content_hash,
                             crm_updated_at, synced_at)
SELECT r.value ->> 'crm_id', r.value ->> 'contact_id', r.value ->> 'title',
       r.value ->> 'active', r.value ->> 'marketing_type', r.value ->> 'estate_types',
       r.value ->> 'zip_codes', r.value ->> 'cities', r.value ->> 'price_max',
       r.value ->> 'living_area_min', r.value ->> 'rooms_min', r.value ->> 'content_hash',
       consentd_time(r.value ->> 'crm_updated_at'), $2
FROM json_each($1) AS r
WHERE true
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
WHERE contact_id IN (SELECT value FROM json_each($1))
  AND crm_id NOT IN (SELECT value FROM json_each($2));

-- name: clear-profiles-due
UPDATE addresses
SET profiles_due = FALSE
WHERE crm_id IN (SELECT value FROM json_each($1));
