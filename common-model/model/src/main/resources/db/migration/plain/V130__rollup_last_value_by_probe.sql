-- The per-pipeline rollup refresh (V83) without a sort per bucket for its last value (issue 19, replay at the speed
-- of COPY). V83 took each 1-minute bucket's last value as (array_agg(value ORDER BY time DESC, event_id DESC,
-- seq DESC))[1]: an ordered aggregate, so PostgreSQL sorted the rows by the group key and then each group again,
-- which was about 70 % of the refresh's CPU (2.7 us of backend CPU per raw row against 0.8 us without it, measured
-- on 1,000,000 rows of the replay benchmark's shape) and the largest part of what a replay's backends spend beyond
-- a bare COPY (docs/benchmarks.md, "The replay's PostgreSQL side"). Now the buckets are aggregated without it (a
-- hash aggregate), and the last value is looked up per bucket: among the bucket's rows at its latest time (the
-- series index, metrics_series_idx, leads with (pipeline_id, mapping_version, metric, time)), the greatest
-- (event_id, seq) - the same row the ordered aggregate picked, ties on the time included. 1.1 us per raw row.
-- Nothing else changes: same arguments, same lock, the hours still from the minute buckets.
-- (First written as plain/V110 on branch issue-replay4, commit 98d647b, and taken out there after two failures of
-- ReplayEndToEndIT's kill -9 case on plain PostgreSQL whose cause was not found; V110 stays reserved. Re-introduced
-- as V130 by issue-replay5: docs/benchmarks.md, "The replay's PostgreSQL side", says what was checked.)
CREATE OR REPLACE FUNCTION dash_refresh_rollups(p_pipeline uuid, p_from timestamptz, p_to timestamptz,
                                                p_version integer DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    origin   CONSTANT timestamptz := '2000-01-01 00:00:00+00';
    m_from   timestamptz := date_bin('1 minute', p_from, origin);
    m_to     timestamptz := date_bin('1 minute', p_to, origin)
                            + CASE WHEN date_bin('1 minute', p_to, origin) = p_to THEN interval '0' ELSE interval '1 minute' END;
    h_from   timestamptz := date_bin('1 hour', p_from, origin);
    h_to     timestamptz := date_bin('1 hour', p_to, origin)
                            + CASE WHEN date_bin('1 hour', p_to, origin) = p_to THEN interval '0' ELSE interval '1 hour' END;
BEGIN
    IF p_to <= p_from THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(7031482955180110592);
    DELETE FROM metrics_1m WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
        AND bucket >= m_from AND bucket < m_to;
    INSERT INTO metrics_1m (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT g.bucket, g.pipeline_id, g.team_id, g.metric, g.labels, g.mapping_version,
           g.n, g.total, g.min_value, g.max_value,
           (SELECT m.value FROM metrics m
            WHERE m.pipeline_id = g.pipeline_id AND m.mapping_version = g.mapping_version AND m.metric = g.metric
              AND m.time = g.last_time AND m.labels = g.labels
            ORDER BY m.event_id DESC, m.seq DESC
            LIMIT 1),
           g.last_time
    FROM (SELECT date_bin('1 minute', time, origin) AS bucket, pipeline_id, min(team_id::text)::uuid AS team_id,
                 metric, labels, mapping_version, count(*) AS n, sum(value) AS total, min(value) AS min_value,
                 max(value) AS max_value, max(time) AS last_time
          FROM metrics
          WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
            AND time >= m_from AND time < m_to
          GROUP BY 1, pipeline_id, metric, labels, mapping_version) g;

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
