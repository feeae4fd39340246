-- Rollups on TimescaleDB, read as materialised only, and refreshed for late points of any age (issues 11 and 18).
--
-- 1. materialized_only: real-time aggregation grouped the not-yet-materialised tail (up to an hour of raw rows
--    of every series) inside the view on every read, which made TimescaleDB's queries 1.4-1.6x slower than the
--    plain variant's (docs/benchmarks.md). The query statement now reads the aggregate up to its watermark
--    (dash_rollup_watermark) and the raw rows after it, merged per bucket exactly as on plain PostgreSQL.
-- 2. start_offset NULL: the policies process TimescaleDB's invalidation log over the whole history, not only
--    over their window (2 hours, 3 days), so a late point of any age is in the rollups after the next policy
--    run, as the plain variant's job now does with its own log (plain/V60). Only invalidated buckets are
--    materialised again, so a run with nothing late costs little.
-- 3. metrics_1h is refreshed every minute (was 15) up to the hour still open (end_offset 1 minute, not 1 hour),
--    so a query's raw tail at the hour level is at most the open hour and a late point shows within a minute,
--    as on plain PostgreSQL.
ALTER MATERIALIZED VIEW metrics_1m SET (timescaledb.materialized_only = true);
ALTER MATERIALIZED VIEW metrics_1h SET (timescaledb.materialized_only = true);

SELECT remove_continuous_aggregate_policy('metrics_1m');
SELECT add_continuous_aggregate_policy('metrics_1m',
    start_offset => NULL, end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute');
SELECT remove_continuous_aggregate_policy('metrics_1h');
SELECT add_continuous_aggregate_policy('metrics_1h',
    start_offset => NULL, end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute');

-- TimescaleDB refreshes continuous aggregates over time ranges, not per pipeline (it re-materialises only the
-- invalidated buckets of the range); this reports that, like the two-argument form (V3).
CREATE FUNCTION dash_refresh_rollups(p_pipeline uuid, p_from timestamptz, p_to timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'on TimescaleDB, refresh with CALL refresh_continuous_aggregate(''metrics_1m'', %, %) outside a transaction', p_from, p_to
        USING ERRCODE = 'feature_not_supported';
END $$;

-- TimescaleDB keeps its own invalidation log (written by the hypertable's insert path): SilverStore records
-- nothing on this variant. Defined so that both variants have the same functions.
CREATE FUNCTION dash_invalidate_rollups(p_pipelines uuid[], p_hours timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$ BEGIN NULL; END $$;

-- Where a continuous aggregate's materialised buckets end: queries read it before, raw rows after.
CREATE FUNCTION dash_rollup_watermark(p_view text)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT _timescaledb_functions.to_timestamp(_timescaledb_functions.cagg_watermark(c.mat_hypertable_id))
    FROM _timescaledb_catalog.continuous_agg c
    WHERE c.user_view_name = p_view AND c.user_view_schema = current_schema()
$$;
