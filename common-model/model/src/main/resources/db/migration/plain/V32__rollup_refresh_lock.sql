-- dash_refresh_rollups serialised: concurrent refreshes over overlapping ranges failed on the rollups'
-- primary key (found by the replay end-to-end test: a replay's refresh racing the web rollup job).
CREATE OR REPLACE FUNCTION dash_refresh_rollups(p_from timestamptz, p_to timestamptz, p_advance boolean DEFAULT true)
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
    -- One refresh at a time (the web nodes' rollup job and replays' refreshes before a cut-over): two that
    -- overlap would both delete and both insert the same buckets. Held until the caller's commit.
    PERFORM pg_advisory_xact_lock(7031482955180110592);
    -- Whole hours on both levels, so an hour bucket is always rebuilt from complete minute buckets.
    DELETE FROM metrics_1m WHERE bucket >= h_from AND bucket < h_to;
    INSERT INTO metrics_1m (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT date_bin('1 minute', time, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           count(*), sum(value), min(value), max(value),
           (array_agg(value ORDER BY time DESC, event_id DESC, seq DESC))[1], max(time)
    FROM metrics
    WHERE time >= h_from AND time < h_to
    GROUP BY 1, pipeline_id, metric, labels, mapping_version;

    DELETE FROM metrics_1h WHERE bucket >= h_from AND bucket < h_to;
    INSERT INTO metrics_1h (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT date_bin('1 hour', bucket, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           sum(n), sum(total), min(min_value), max(max_value),
           (array_agg(last_value ORDER BY last_time DESC))[1], max(last_time)
    FROM metrics_1m
    WHERE bucket >= h_from AND bucket < h_to
    GROUP BY 1, pipeline_id, metric, labels, mapping_version;

    IF p_advance THEN
        UPDATE rollup_state SET refreshed_to = greatest(refreshed_to, p_to), updated_at = now()
        WHERE name = 'metrics';
    END IF;
END $$;
