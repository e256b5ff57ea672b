-- SQLite versions of sql/postgres/outbox.sql.

-- name: enqueue-outbox
-- $1: the rows as a JSON array; they get their ids in the order given,
-- which is the order the worker delivers an address's rows in.
INSERT INTO outbox (address_id, kind, payload, idempotency_key, state, attempts,
                    next_attempt_at, last_error, result, link_id, created_at)
SELECT r.value ->> 'address_id', r.value ->> 'kind', r.value ->> 'payload',
       r.value ->> 'idempotency_key', 'pending', 0,
       consentd_time(r.value ->> 'created_at'), '', '', r.value ->> 'link_id',
       consentd_time(r.value ->> 'created_at')
FROM json_each($1) AS r
ORDER BY r.value ->> 'ord';

-- name: claim-outbox
-- A row is claimable when it is due, its lease (if any) ran out and every
-- earlier row of its address is done: FIFO per address, and a parked row
-- blocks its address. One statement under the database's single write lock
-- picks and leases the rows, so two workers, in one process or two, never
-- take the same row. The lease brings a crashed worker's rows back.
-- $1 now, $2 limit, $3 lease end.
UPDATE outbox
SET leased_until = $3, attempts = attempts + 1
WHERE id IN (SELECT o.id
             FROM outbox o
             WHERE o.state = 'pending'
               AND o.next_attempt_at <= $1
               AND (o.leased_until IS NULL OR o.leased_until <= $1)
               AND NOT EXISTS (SELECT 1 FROM outbox e
                               WHERE e.address_id = o.address_id AND e.id < o.id AND e.state <> 'done')
             ORDER BY o.id
             LIMIT $2)
RETURNING id, address_id, kind, payload, idempotency_key, state, attempts, next_attempt_at,
          last_error, result, created_at, done_at;
