-- Rollups on TimescaleDB: continuous aggregates with the same columns as the plain variant's tables.
-- Real-time aggregation (materialized_only = false) adds the not-yet-materialised tail to each read.
-- Edited in place (issue 11; see V2). Instead of TimescaleDB's default index per group-by column, one index
-- per aggregate in the order every query filters by (pipeline, version, metric, then a bucket range), as the
-- plain variant's primary key: the default ones let a query pick the bucket index and filter out every other
-- pipeline's rows.

CREATE MATERIALIZED VIEW metrics_1m
WITH (timescaledb.continuous, timescaledb.materialized_only = false, timescaledb.create_group_indexes = false) AS
SELECT time_bucket(INTERVAL '1 minute', time) AS bucket,
       pipeline_id, team_id, metric, labels, mapping_version,
       count(*)           AS n,
       sum(value)         AS total,
       min(value)         AS min_value,
       max(value)         AS max_value,
       last(value, time)  AS last_value,
       max(time)          AS last_time
FROM metrics
GROUP BY bucket, pipeline_id, team_id, metric, labels, mapping_version
WITH NO DATA;

CREATE MATERIALIZED VIEW metrics_1h
WITH (timescaledb.continuous, timescaledb.materialized_only = false, timescaledb.create_group_indexes = false) AS
SELECT time_bucket(INTERVAL '1 hour', time) AS bucket,
       pipeline_id, team_id, metric, labels, mapping_version,
       count(*)           AS n,
       sum(value)         AS total,
       min(value)         AS min_value,
       max(value)         AS max_value,
       last(value, time)  AS last_value,
       max(time)          AS last_time
FROM metrics
GROUP BY bucket, pipeline_id, team_id, metric, labels, mapping_version
WITH NO DATA;

CREATE INDEX metrics_1m_series_idx ON metrics_1m (pipeline_id, mapping_version, metric, bucket DESC);
CREATE INDEX metrics_1h_series_idx ON metrics_1h (pipeline_id, mapping_version, metric, bucket DESC);

SELECT add_continuous_aggregate_policy('metrics_1m',
    start_offset => INTERVAL '2 hours', end_offset => INTERVAL '1 minute', schedule_interval => INTERVAL '1 minute');
SELECT add_continuous_aggregate_policy('metrics_1h',
    start_offset => INTERVAL '3 days', end_offset => INTERVAL '1 hour', schedule_interval => INTERVAL '15 minutes');

-- Kept so the rollup job and replays call one function on both variants; the watermark is TimescaleDB's.
CREATE TABLE rollup_state (
    name          text PRIMARY KEY,
    refreshed_to  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO rollup_state (name, refreshed_to) VALUES ('metrics', '-infinity');

-- refresh_continuous_aggregate cannot run inside a transaction block or function, so on this variant
-- the caller issues CALL refresh_continuous_aggregate(...) itself; this function only reports that.
CREATE FUNCTION dash_refresh_rollups(p_from timestamptz, p_to timestamptz, p_advance boolean DEFAULT true)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'on TimescaleDB, refresh with CALL refresh_continuous_aggregate(''metrics_1m'', %, %) outside a transaction', p_from, p_to
        USING ERRCODE = 'feature_not_supported';
END $$;
