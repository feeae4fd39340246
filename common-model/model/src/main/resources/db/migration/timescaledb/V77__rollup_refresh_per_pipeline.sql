-- Nothing to create on TimescaleDB: a continuous aggregate is refreshed over a time window, never per pipeline, and
-- re-materialises only the regions invalidated by writes (SilverRollups.refresh per pipeline calls it over the
-- window). This file keeps the migration versions of both Silver variants in step (plain/V77 adds
-- dash_refresh_rollups_pipeline).
SELECT 1;
