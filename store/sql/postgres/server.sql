-- PostgreSQL-only statements: company databases on a shared server and
-- advisory locks. {{database}} is replaced by the quoted database name,
-- which PostgreSQL does not accept as a parameter.

-- name: database-exists
SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1);

-- name: create-database
CREATE DATABASE {{database}};

-- name: drop-database
-- FORCE ends the sessions of other consentd processes still connected.
DROP DATABASE IF EXISTS {{database}} WITH (FORCE);

-- name: list-databases
SELECT datname FROM pg_database WHERE starts_with(datname, $1) ORDER BY datname;

-- name: lock-migrations
-- Held until the migration's transaction ends; advisory locks are local to
-- the company's database, so companies migrate independently.
SELECT pg_advisory_xact_lock($1);

-- name: try-advisory-lock
SELECT pg_try_advisory_lock($1);

-- name: advisory-unlock
SELECT pg_advisory_unlock($1);
