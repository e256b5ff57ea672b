-- name: get-search-profiles
SELECT crm_id, contact_id, title, active, marketing_type, estate_types, zip_codes,
       cities, price_max, living_area_min, rooms_min, content_hash, crm_updated_at
FROM search_profiles
WHERE contact_id = $1
ORDER BY crm_id;
