-- SQLite versions of sql/postgres/ledger.sql. SQLite has no row locks and
-- needs none: every transaction began IMMEDIATE and holds the database's
-- write lock, so appends to the ledger and the actions on one contact are
-- serialised by that lock alone.

-- name: lock-ledger
-- A transaction that reads the head here holds the write lock already: the
-- head cannot change until it ends.
SELECT last_id, last_hash FROM ledger_head WHERE id = 1;

-- name: lock-address
-- No row when the address is gone.
SELECT crm_id FROM addresses WHERE crm_id = $1 AND deleted_at IS NULL;
