-- One function refreshes one pipeline's rollups (issue 19): dash_refresh_rollups(pipeline, from, to) (V60, the
-- rollup job's rebuild of an invalidated range) and dash_refresh_rollups_pipeline(pipeline, version, from, to)
-- (V77, a replay's refresh before its cut-over) did the same thing with two bodies and two locks. What remains is
-- dash_refresh_rollups(pipeline, from, to, version DEFAULT NULL): the rollup job calls it with whole hours and
-- no version, a replay with its target version. (dash_refresh_rollups(from, to, advance), every pipeline at once,
-- stays: the version sweeper and the benchmarks use it.)
--
-- The 1-minute buckets are rebuilt over the minutes that [p_from, p_to) touches and the 1-hour buckets over the
-- hours it touches, from metrics_1m. So a range of whole hours rebuilds both levels from the raw rows, as before;
-- a range of minutes (a replay refreshing what it has written so far, docs/replay.md step 4) rebuilds those
-- minutes and then their hours from the minute buckets, which is exact as long as the hours' other minutes are
-- current, i.e. refreshed since their rows last changed (the caller's guarantee; SilverRollups.refresh widens to
-- whole hours for callers that cannot give it).
--
-- The rollup lock is taken shared: refreshes of different pipelines (disjoint keys) and disjoint slices of one
-- pipeline run at once; the rollup job's round (dash_refresh_invalidated_rollups) and the refresh of every
-- pipeline take it exclusive first, which the shared request of the same transaction does not conflict with.
DROP FUNCTION dash_refresh_rollups_pipeline(uuid, integer, timestamptz, timestamptz);
DROP FUNCTION dash_refresh_rollups(uuid, timestamptz, timestamptz);

CREATE FUNCTION dash_refresh_rollups(p_pipeline uuid, p_from timestamptz, p_to timestamptz,
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
    SELECT date_bin('1 minute', time, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           count(*), sum(value), min(value), max(value),
           (array_agg(value ORDER BY time DESC, event_id DESC, seq DESC))[1], max(time)
    FROM metrics
    WHERE pipeline_id = p_pipeline AND (p_version IS NULL OR mapping_version = p_version)
      AND time >= m_from AND time < m_to
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

-- The rollup job's step 2 (V60), unchanged but for the call, which now names the function above in full.
CREATE OR REPLACE FUNCTION dash_refresh_invalidated_rollups(p_to timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    rng  record;
    n    integer := 0;
BEGIN
    PERFORM pg_advisory_xact_lock(7031482955180110592);
    FOR rng IN
        SELECT pipeline_id, min(hour) AS f, max(hour) + interval '1 hour' AS t
        FROM (SELECT pipeline_id, hour,
                     hour - interval '1 hour' * row_number() OVER (PARTITION BY pipeline_id ORDER BY hour) AS run
              FROM rollup_invalidations WHERE claimed) x
        GROUP BY pipeline_id, run
        ORDER BY pipeline_id, f
    LOOP
        PERFORM dash_refresh_rollups(rng.pipeline_id, rng.f, rng.t, NULL::integer);
        n := n + 1;
    END LOOP;
    -- An entry a writer un-claimed meanwhile (rows committed after the claim) stays for the next round; the
    -- lock waits for a writer still holding it, and the re-check then sees it un-claimed.
    DELETE FROM rollup_invalidations d USING (
        SELECT pipeline_id, hour FROM rollup_invalidations WHERE claimed ORDER BY pipeline_id, hour FOR UPDATE
    ) c
    WHERE d.pipeline_id = c.pipeline_id AND d.hour = c.hour AND d.claimed;
    UPDATE rollup_state SET refreshed_to = greatest(refreshed_to, p_to), updated_at = now() WHERE name = 'metrics';
    RETURN n;
END $$;
