-- PostgreSQL-only row locks of the consent actions.

-- name: lock-ledger
-- The head's row lock serialises every append of the company until the
-- transaction ends. A waiter gets the head as the holder committed it.
SELECT last_id, last_hash FROM ledger_head WHERE id = 1 FOR UPDATE;

-- name: lock-address
-- Serialises the actions of one contact until the transaction ends, while
-- other contacts' actions go on; no row when the address is gone.
SELECT crm_id FROM addresses WHERE crm_id = $1 AND deleted_at IS NULL FOR UPDATE;
