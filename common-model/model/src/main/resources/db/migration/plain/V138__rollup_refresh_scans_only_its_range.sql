-- The per-pipeline rollup refresh (V130) reads only the raw rows of its range (issue 19, replay at the speed of COPY).
-- V130 selected the rows with pipeline_id, mapping_version and a time range; no index of metrics leads with those
-- columns and then time (the idempotency key has event_id and seq before time, the series index metric), so
-- PostgreSQL walked the idempotency key over every row of the pipeline's version in each day partition the range
-- touches, checking the time of each: a refresh of three minutes read the whole day's index entries. That cost
-- little for one refresh over a whole replayed range, but a replay refreshes behind itself in rounds of a few
-- minutes (RollupTracker) and the live rollup job hour by hour, each paying the whole day again: measured on
-- 1,080,000 rows of one day (the replay benchmark's shape), twenty 3-minute refreshes cost 3.0-4.0 us of backend
-- CPU per row against 1.0-1.2 us for one refresh of the hour (docs/benchmarks.md, issue 19, issue-replay7).
-- Now a refresh of less than an hour first lists the versions and metrics of the pipeline's rows in its range by a
-- skip scan of the series index (pipeline_id, mapping_version, metric, time DESC) - one probe per (version, metric)
-- pair and partition - and then selects the rows with them too, which bounds a scan of that index by the time range:
-- a short range reads only its own rows. A range of an hour or more keeps V130's statement: over a whole hour the
-- bounded form measured slower (3.1-3.5 us per row against 1.8-2.0).
-- Rows committed before the call are in both (the rollup job's guarantee, V131, is unchanged); a pair first
-- committed while the call runs may be missed, as any row committed after the aggregation's snapshot always could
-- be (the writer's invalidation entry keeps that hour for the next round). Same arguments, same lock, same buckets;
-- the hours as before.
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
    -- more (the live rollup job's hours, a resumed replay's whole range, the cut-over of a long one) keeps V130's
    -- statement, which the planner answers with a scan of the partition's rows: measured cheaper there (1.8-2.0 us
    -- of backend CPU per row against 3.1-3.5 for the bounded form over a whole hour, docs/benchmarks.md).
    IF m_to - m_from < interval '1 hour' THEN
        -- The versions and metrics of the pipeline's rows in the range, by a skip scan of the series index (one probe
        -- per (version, metric) pair and partition of the range). Rows committed before this call are in both this list
        -- and the rows aggregated below.
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
                ORDER BY m.event_id DESC, m.seq DESC
                LIMIT 1),
               g.last_time
        FROM (SELECT date_bin('1 minute', time, origin) AS bucket, pipeline_id, min(team_id::text)::uuid AS team_id,
                     metric, labels, mapping_version, count(*) AS n, sum(value) AS total, min(value) AS min_value,
                     max(value) AS max_value, max(time) AS last_time
              FROM metrics
              WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
                -- Every version and metric with rows in the range: bounds for the series index, so a short range reads
                -- only its own rows.
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
