-- The outbox of CRM writes. Adding a batch of rows and claiming rows are
-- the engine's own and live in each engine's folder.

-- name: complete-outbox
-- A link write's payload holds a link token: it goes once delivered.
UPDATE outbox
SET state = 'done', result = $2, done_at = $3, leased_until = NULL, last_error = '',
    payload = CASE WHEN kind = 'crm.link' THEN '{}' ELSE payload END
WHERE id = $1 AND state = 'pending'
RETURNING link_id;

-- name: retry-outbox
UPDATE outbox
SET last_error = $2, next_attempt_at = $3, leased_until = NULL
WHERE id = $1 AND state = 'pending';

-- name: park-outbox
UPDATE outbox
SET state = 'parked', last_error = $2, parked_at = $3, leased_until = NULL
WHERE id = $1 AND state = 'pending';

-- name: requeue-parked
-- A row tried before restarts at one attempt, so the next try counts as a
-- retry and first checks whether an earlier try reached the CRM after all.
UPDATE outbox
SET state = 'pending', next_attempt_at = $1, parked_at = NULL,
    attempts = CASE WHEN attempts > 0 THEN 1 ELSE 0 END
WHERE state = 'parked';

-- name: outbox-stats
SELECT (SELECT COUNT(*) FROM outbox WHERE state = 'pending')        AS pending,
       (SELECT COUNT(*) FROM outbox WHERE state = 'parked')         AS parked,
       (SELECT MIN(created_at) FROM outbox WHERE state = 'pending') AS oldest_pending;

-- name: parked-outbox
-- Without the payload: it may hold personal data or a link token.
SELECT id, address_id, kind, idempotency_key, state, attempts, next_attempt_at,
       last_error, result, created_at, done_at
FROM outbox
WHERE state = 'parked'
ORDER BY id
LIMIT $1;
