-- Nothing to change on TimescaleDB: continuous aggregates refresh themselves safely. This file keeps the
-- migration versions of both Silver variants in step (plain/V32 serialises dash_refresh_rollups).
SELECT 1;
