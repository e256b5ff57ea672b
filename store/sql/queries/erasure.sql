-- Deletion requests (Art. 17 GDPR) and their case files.

-- name: insert-erasure
-- No row comes back when the address has an open request already.
INSERT INTO erasure_requests (address_id, received_at, channel, reason, due_at, state, event_id,
                              verdict, restricted_until, evaluation, evaluated_at, notified_at)
VALUES ($1, $2, $3, $4, $5, 'open', $6, $7, $8, $9, $10, $11)
ON CONFLICT (address_id) WHERE state = 'open' DO NOTHING
RETURNING id, address_id, received_at, channel, reason, due_at, state, closed_at, event_id,
          verdict, restricted_until, evaluation, evaluated_at, notified_at, reminded_7_at,
          reminded_2_at, overdue_at, closed_reason, keep_until;

-- name: open-erasure
SELECT id, address_id, received_at, channel, reason, due_at, state, closed_at, event_id,
       verdict, restricted_until, evaluation, evaluated_at, notified_at, reminded_7_at,
       reminded_2_at, overdue_at, closed_reason, keep_until
FROM erasure_requests
WHERE address_id = $1 AND state = 'open';

-- name: open-erasures
SELECT id, address_id, received_at, channel, reason, due_at, state, closed_at, event_id,
       verdict, restricted_until, evaluation, evaluated_at, notified_at, reminded_7_at,
       reminded_2_at, overdue_at, closed_reason, keep_until
FROM erasure_requests
WHERE state = 'open'
ORDER BY due_at, id;

-- name: erasures-of
SELECT id, address_id, received_at, channel, reason, due_at, state, closed_at, event_id,
       verdict, restricted_until, evaluation, evaluated_at, notified_at, reminded_7_at,
       reminded_2_at, overdue_at, closed_reason, keep_until
FROM erasure_requests
WHERE address_id = $1
ORDER BY id;

-- name: evaluate-erasure
UPDATE erasure_requests
SET verdict = $2, restricted_until = $3, evaluation = $4, evaluated_at = $5
WHERE id = $1 AND state = 'open';

-- name: mark-erasure-step
-- $2 names the step; the row changes only when that step is still to do.
UPDATE erasure_requests
SET notified_at   = CASE WHEN $2 = 'notified'   THEN $3 ELSE notified_at END,
    reminded_7_at = CASE WHEN $2 = 'reminded_7' THEN $3 ELSE reminded_7_at END,
    reminded_2_at = CASE WHEN $2 = 'reminded_2' THEN $3 ELSE reminded_2_at END,
    overdue_at    = CASE WHEN $2 = 'overdue'    THEN $3 ELSE overdue_at END
WHERE id = $1 AND state = 'open'
  AND CASE $2 WHEN 'notified'   THEN notified_at
              WHEN 'reminded_7' THEN reminded_7_at
              WHEN 'reminded_2' THEN reminded_2_at
              WHEN 'overdue'    THEN overdue_at END IS NULL
  AND $2 IN ('notified', 'reminded_7', 'reminded_2', 'overdue');

-- name: close-erasure
-- The case file keeps the request's dates and handling, not the person's
-- own words: the reason goes.
UPDATE erasure_requests
SET state = 'closed', closed_reason = $2, closed_at = $3, keep_until = $4, reason = ''

WHERE id = $1 AND state = 'open';

-- name: delete-expired-cases
DELETE FROM erasure_requests
WHERE state = 'closed' AND keep_until < $1;

-- name: erasure-stats
SELECT COUNT(*)                                   AS open,
       COUNT(*) FILTER (WHERE due_at < $1)        AS overdue,
       MIN(due_at)                                AS next_due
FROM erasure_requests
WHERE state = 'open';
