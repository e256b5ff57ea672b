-- PostgreSQL-only outbox statements.

-- name: enqueue-outbox
-- $1: the rows as a JSON array; they get their ids in the order given,
-- which is the order the worker delivers an address's rows in.
INSERT INTO outbox (address_id, kind, payload, idempotency_key, state, attempts,
                    next_attempt_at, last_error, result, link_id, created_at)
SELECT r.address_id, r.kind, r.payload, r.idempotency_key, 'pending', 0,
       r.created_at, '', '', r.link_id, r.created_at
FROM json_to_recordset($1::json) AS r (
    ord INT, address_id TEXT, kind TEXT, payload TEXT, idempotency_key TEXT,
    link_id BIGINT, created_at TIMESTAMPTZ)
ORDER BY r.ord;

-- name: claim-outbox
-- A row is claimable when it is due, its lease (if any) ran out and every
-- earlier row of its address is done: FIFO per address, and a parked row
-- blocks its address. SKIP LOCKED lets workers claim side by side without
-- ever taking the same row; a row leased meanwhile fails the re-check of the
-- WHERE clause on the locked version. The lease brings a crashed worker's
-- rows back. $1 now, $2 limit, $3 lease end.
WITH claimable AS (
    SELECT o.id
    FROM outbox o
    WHERE o.state = 'pending'
      AND o.next_attempt_at <= $1
      AND (o.leased_until IS NULL OR o.leased_until <= $1)
      AND NOT EXISTS (SELECT 1 FROM outbox e
                      WHERE e.address_id = o.address_id AND e.id < o.id AND e.state <> 'done')
    ORDER BY o.id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE outbox
SET leased_until = $3, attempts = outbox.attempts + 1
FROM claimable
WHERE outbox.id = claimable.id
RETURNING outbox.id, outbox.address_id, outbox.kind, outbox.payload, outbox.idempotency_key,
          outbox.state, outbox.attempts, outbox.next_attempt_at, outbox.last_error,
          outbox.result, outbox.created_at, outbox.done_at;

-- name: complete-outbox-and-link
-- complete-outbox and mark-link-written in one statement: the row is done,
-- a link write's payload with its token wiped, and the link, if the row
-- has one, recorded as written. No row comes back when the row is not
-- pending; then nothing changed.
WITH done AS (
    UPDATE outbox
    SET state = 'done', result = $2, done_at = $3, leased_until = NULL, last_error = '',
        payload = CASE WHEN kind = 'crm.link' THEN '{}' ELSE payload END
    WHERE id = $1 AND state = 'pending'
    RETURNING id, link_id
), link AS (
    UPDATE links SET written_at = $3
    FROM done
    WHERE links.id = done.link_id
)
SELECT id FROM done;
