-- name: get-watermark
SELECT updated_at_ms, last_id FROM sync_state WHERE name = $1;

-- name: set-watermark
-- {{now}} is the engine's current time, in the form it keeps every time in.
INSERT INTO sync_state (name, updated_at_ms, last_id, changed_at)
VALUES ($1, $2, $3, {{now}})
ON CONFLICT (name) DO UPDATE
SET updated_at_ms = excluded.updated_at_ms,
    last_id       = excluded.last_id,
    changed_at    = excluded.changed_at;
