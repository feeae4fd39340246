-- Keeps both Silver variants' functions alike (issue 19; plain/V83 makes dash_refresh_rollups(pipeline, from, to,
-- version) the one per-pipeline refresh). TimescaleDB refreshes continuous aggregates over time ranges, not per
-- pipeline (it re-materialises only the invalidated buckets of the range): the per-pipeline form says so, as the
-- three-argument form it replaces did (V60).
DROP FUNCTION dash_refresh_rollups(uuid, timestamptz, timestamptz);

CREATE FUNCTION dash_refresh_rollups(p_pipeline uuid, p_from timestamptz, p_to timestamptz,
                                     p_version integer DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'on TimescaleDB, refresh with CALL refresh_continuous_aggregate(''metrics_1m'', %, %) outside a transaction', p_from, p_to
        USING ERRCODE = 'feature_not_supported';
END $$;
