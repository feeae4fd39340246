-- Rollups refreshed for one pipeline (and optionally one mapping version) only: a replay refreshes what it wrote
-- before its cut-over without rebuilding every other pipeline's buckets over the range (docs/replay.md, step 4).
-- Takes the rollup lock shared: refreshes of different pipelines (disjoint keys of the rollups) and slices of one
-- pipeline's range (disjoint buckets) run at once, while dash_refresh_rollups (every pipeline, exclusive lock) and
-- these exclude each other.
CREATE FUNCTION dash_refresh_rollups_pipeline(p_pipeline uuid, p_version integer, p_from timestamptz, p_to timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    origin   CONSTANT timestamptz := '2000-01-01 00:00:00+00';
    h_from   timestamptz := date_bin('1 hour', p_from, origin);
    h_to     timestamptz := date_bin('1 hour', p_to, origin)
                            + CASE WHEN date_bin('1 hour', p_to, origin) = p_to THEN interval '0' ELSE interval '1 hour' END;
BEGIN
    IF p_to <= p_from THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(7031482955180110592);
    -- Whole hours on both levels, so an hour bucket is always rebuilt from complete minute buckets.
    DELETE FROM metrics_1m WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
        AND bucket >= h_from AND bucket < h_to;
    INSERT INTO metrics_1m (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT date_bin('1 minute', time, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           count(*), sum(value), min(value), max(value),
           (array_agg(value ORDER BY time DESC, event_id DESC, seq DESC))[1], max(time)
    FROM metrics
    WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
      AND time >= h_from AND time < h_to
    GROUP BY 1, pipeline_id, metric, labels, mapping_version;

    DELETE FROM metrics_1h WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
        AND bucket >= h_from AND bucket < h_to;
    INSERT INTO metrics_1h (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT date_bin('1 hour', bucket, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           sum(n), sum(total), min(min_value), max(max_value),
           (array_agg(last_value ORDER BY last_time DESC))[1], max(last_time)
    FROM metrics_1m
    WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
      AND bucket >= h_from AND bucket < h_to
    GROUP BY 1, pipeline_id, metric, labels, mapping_version;
END $$;
