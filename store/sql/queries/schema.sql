-- Bookkeeping of applied migrations.

-- name: create-schema-migrations
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    BIGINT PRIMARY KEY CHECK (version > 0),
    name       TEXT NOT NULL CHECK (name <> ''),
    applied_at TIMESTAMP WITH TIME ZONE NOT NULL
);

-- name: schema-version
SELECT COALESCE(MAX(version), 0) FROM schema_migrations;

-- name: record-migration
INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3);
