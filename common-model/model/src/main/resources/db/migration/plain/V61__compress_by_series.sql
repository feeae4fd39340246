-- Nothing to change on plain PostgreSQL (no compression): this file keeps the migration versions of both Silver
-- variants in step (timescaledb/V61 segments compression by series).
SELECT 1;
