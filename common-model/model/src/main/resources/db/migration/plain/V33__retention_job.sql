-- Per-pipeline retention on plain PostgreSQL has no scheduler in the database: the web nodes' rollup job
-- calls dash_apply_pipeline_retention (common/V4) once an hour. This file keeps the migration versions of
-- both Silver variants in step (timescaledb/V33 schedules the same function as a TimescaleDB job).
SELECT 1;
