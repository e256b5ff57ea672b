-- Suppression entries, the engine's way of taking a JSON list apart.

-- name: lift-suppressions
-- $1 the address that consented anew, $2 the scope, $3 a JSON list of its
-- identifiers: its own entries go, and those of its e-mail addresses and
-- phone numbers under other addresses.
DELETE FROM suppressions
WHERE scope = $2 AND (address_id = $1 OR identifier IN (SELECT json_array_elements_text($3::json)));
