-- The per-pipeline rollup refresh split in its two levels, so that a replay rebuilds each hour once (issue 19, replay
-- at the speed of COPY; docs/benchmarks.md, issue-replay9).
-- A replay refreshes what it wrote in rounds behind itself (RollupTracker), about ten minutes of history each, and
-- every round rebuilt the hours its minutes fall in from their minute buckets (V83-V138): an hour of history was
-- rebuilt six times or more, each time a statement planned and an aggregate over every minute bucket of the hour
-- refreshed so far, which was part of a round's fixed cost (measured: a round costs far more than its rows). Now:
--   dash_rebuild_minute_rollups(pipeline, from, to, version)  the minute buckets of the range only (V138's body);
--   dash_rebuild_hour_rollups(pipeline, from, to, version)    the hours of the range from their minute buckets;
--   dash_refresh_rollups(pipeline, from, to, version)         both, as before (the live rollup job's rounds, a resumed
--                                                             replay's whole range, SilverRollups.refresh).
-- A replay calls the first in its rounds and the second once per hour, when the hour is settled (every minute of it
-- rebuilt), as it already did on TimescaleDB for metrics_1h. An hour rebuilt from its minute buckets is exact when
-- those are current, which the caller sees to (a minute written again makes its hour dirty again).
-- Also: the last-value probe is bounded by the range too (the row it finds is in the range by construction: its time
-- is the bucket's latest), so its plan covers the range's day partitions, not every day partition of metrics.
-- Same lock (shared), same buckets.
CREATE OR REPLACE FUNCTION dash_rebuild_minute_rollups(p_pipeline uuid, p_from timestamptz, p_to timestamptz,
                                                       p_version integer DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    origin   CONSTANT timestamptz := '2000-01-01 00:00:00+00';
    m_from   timestamptz := date_bin('1 minute', p_from, origin);
    m_to     timestamptz := date_bin('1 minute', p_to, origin)
                            + CASE WHEN date_bin('1 minute', p_to, origin) = p_to THEN interval '0' ELSE interval '1 minute' END;
    versions   integer[];
    metrics_of text[];
BEGIN
    IF p_to <= p_from THEN
        RETURN;
    END IF;
    PERFORM pg_advisory_xact_lock_shared(7031482955180110592);
    DELETE FROM metrics_1m WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
        AND bucket >= m_from AND bucket < m_to;
    -- A range under an hour (the replay's refresh rounds behind itself) is bounded by the series index; an hour or
    -- more (the live rollup job's hours, a resumed replay's whole range) keeps V130's selection (V138).
    IF m_to - m_from < interval '1 hour' THEN
        WITH RECURSIVE pairs(mapping_version, metric) AS (
            (SELECT m.mapping_version, m.metric FROM metrics m
             WHERE m.pipeline_id = p_pipeline AND (p_version IS NULL OR m.mapping_version = p_version)
               AND m.time >= m_from AND m.time < m_to
             ORDER BY m.mapping_version, m.metric LIMIT 1)
            UNION ALL
            SELECT n.mapping_version, n.metric FROM pairs k, LATERAL (
                SELECT m.mapping_version, m.metric FROM metrics m
                WHERE m.pipeline_id = p_pipeline AND (p_version IS NULL OR m.mapping_version = p_version)
                  AND (m.mapping_version, m.metric) > (k.mapping_version, k.metric)
                  AND m.time >= m_from AND m.time < m_to
                ORDER BY m.mapping_version, m.metric LIMIT 1) n
        )
        SELECT coalesce(array_agg(DISTINCT mapping_version), '{}'), coalesce(array_agg(DISTINCT metric), '{}')
        INTO versions, metrics_of
        FROM pairs;
        INSERT INTO metrics_1m (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                                n, total, min_value, max_value, last_value, last_time)
        SELECT g.bucket, g.pipeline_id, g.team_id, g.metric, g.labels, g.mapping_version,
               g.n, g.total, g.min_value, g.max_value,
               (SELECT m.value FROM metrics m
                WHERE m.pipeline_id = g.pipeline_id AND m.mapping_version = g.mapping_version AND m.metric = g.metric
                  AND m.time = g.last_time AND m.labels = g.labels
                  AND m.time >= m_from AND m.time < m_to
                ORDER BY m.event_id DESC, m.seq DESC
                LIMIT 1),
               g.last_time
        FROM (SELECT date_bin('1 minute', time, origin) AS bucket, pipeline_id, min(team_id::text)::uuid AS team_id,
                     metric, labels, mapping_version, count(*) AS n, sum(value) AS total, min(value) AS min_value,
                     max(value) AS max_value, max(time) AS last_time
              FROM metrics
              WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
                AND mapping_version = ANY (versions) AND metric = ANY (metrics_of)
                AND time >= m_from AND time < m_to
              GROUP BY 1, pipeline_id, metric, labels, mapping_version) g;
    ELSE
        INSERT INTO metrics_1m (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                                n, total, min_value, max_value, last_value, last_time)
        SELECT g.bucket, g.pipeline_id, g.team_id, g.metric, g.labels, g.mapping_version,
               g.n, g.total, g.min_value, g.max_value,
               (SELECT m.value FROM metrics m
                WHERE m.pipeline_id = g.pipeline_id AND m.mapping_version = g.mapping_version AND m.metric = g.metric
                  AND m.time = g.last_time AND m.labels = g.labels
                  AND m.time >= m_from AND m.time < m_to
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
    END IF;
END $$;

CREATE OR REPLACE FUNCTION dash_rebuild_hour_rollups(p_pipeline uuid, p_from timestamptz, p_to timestamptz,
                                                     p_version integer DEFAULT NULL)
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

CREATE OR REPLACE FUNCTION dash_refresh_rollups(p_pipeline uuid, p_from timestamptz, p_to timestamptz,
                                                p_version integer DEFAULT NULL)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF p_to <= p_from THEN
        RETURN;
    END IF;
    PERFORM dash_rebuild_minute_rollups(p_pipeline, p_from, p_to, p_version);
    PERFORM dash_rebuild_hour_rollups(p_pipeline, p_from, p_to, p_version);
END $$;
