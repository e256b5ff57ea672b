-- Deletion requests (Art. 17 GDPR).

-- name: insert-erasure
-- No row comes back when the address has an open request already.
INSERT INTO erasure_requests (address_id, received_at, channel, reason, due_at, state, event_id)
VALUES ($1, $2, $3, $4, $5, 'open', $6)
ON CONFLICT (address_id) WHERE state = 'open' DO NOTHING
RETURNING id, address_id, received_at, channel, reason, due_at, state, closed_at, event_id;

-- name: open-erasure
SELECT id, address_id, received_at, channel, reason, due_at, state, closed_at, event_id
FROM erasure_requests
WHERE address_id = $1 AND state = 'open';

-- name: erasure-stats
SELECT COUNT(*)                                   AS open,
       COUNT(*) FILTER (WHERE due_at < $1)        AS overdue,
       MIN(due_at)                                AS next_due
FROM erasure_requests
WHERE state = 'open';
