-- The current consent per address and purpose, and the mirror updates an
-- action makes so the page shows its result at once. {{now}} is the
-- engine's current time, in the form the engine keeps every time in.

-- name: get-consent
SELECT address_id, purpose, state, given_at, withdrawn_at, withdrawal_reason,
       source, text_version, channel, last_event_id, last_used_at
FROM consents
WHERE address_id = $1 AND purpose = $2;

-- name: put-consent
INSERT INTO consents (address_id, purpose, state, given_at, withdrawn_at, withdrawal_reason,
                      source, text_version, channel, last_event_id, last_used_at, updated_at)
VALUES (:address_id, :purpose, :state, :given_at, :withdrawn_at, :withdrawal_reason,
        :source, :text_version, :channel, :last_event_id, :last_used_at, {{now}})
ON CONFLICT (address_id, purpose) DO UPDATE
SET state             = excluded.state,
    given_at          = excluded.given_at,
    withdrawn_at      = excluded.withdrawn_at,
    withdrawal_reason = excluded.withdrawal_reason,
    source            = excluded.source,
    text_version      = excluded.text_version,
    channel           = excluded.channel,
    last_event_id     = excluded.last_event_id,
    last_used_at      = excluded.last_used_at,
    updated_at        = excluded.updated_at;

-- name: update-address-consent-fields
-- The content hash stays that of the CRM's record: a sync before the
-- write-back lands then finds the contact unchanged and keeps this state.
UPDATE addresses
SET consent_source = $2, consent_purpose = $3, consent_date = $4,
    consent_withdrawal_date = $5, consent_withdrawal_reason = $6
WHERE crm_id = $1;

-- name: update-address-contact
-- As update-address-consent-fields, the content hash is left alone.
UPDATE addresses
SET salutation = :salutation, title = :title, first_name = :first_name, last_name = :last_name,
    street = :street, house_number = :house_number, zip = :zip, city = :city,
    emails = :emails, phones = :phones
WHERE crm_id = :crm_id;

-- name: put-search-profile
-- A profile never moves to another contact here.
INSERT INTO search_profiles (crm_id, contact_id, title, active, marketing_type,
                             estate_types, zip_codes, cities, price_max,
                             living_area_min, rooms_min, content_hash,
                             crm_updated_at, synced_at)
VALUES (:crm_id, :contact_id, :title, :active, :marketing_type,
        :estate_types, :zip_codes, :cities, :price_max,
        :living_area_min, :rooms_min, :content_hash, :crm_updated_at, :synced_at)
ON CONFLICT (crm_id) DO UPDATE
SET title           = excluded.title,
    active          = excluded.active,
    marketing_type  = excluded.marketing_type,
    estate_types    = excluded.estate_types,
    zip_codes       = excluded.zip_codes,
    cities          = excluded.cities,
    price_max       = excluded.price_max,
    living_area_min = excluded.living_area_min,
    rooms_min       = excluded.rooms_min,
    content_hash    = excluded.content_hash,
    synced_at       = excluded.synced_at
WHERE search_profiles.contact_id = excluded.contact_id;

-- name: delete-search-profile
DELETE FROM search_profiles WHERE crm_id = $1;
