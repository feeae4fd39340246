-- Rollups on plain PostgreSQL follow an invalidation log, as TimescaleDB's continuous aggregates do (issue 18,
-- part 4): before, the rollup job rebuilt every pipeline over a fixed look-back each minute, so a late point
-- older than the look-back stayed out of the rollups until someone refreshed by hand.
--
-- SilverStore records, in the transaction that writes a batch, each (pipeline, UTC hour) the batch touched
-- (dash_invalidate_rollups). The rollup job then, every minute:
--   1. claims the entries (dash_claim_rollup_invalidations, a short transaction of its own);
--   2. rebuilds exactly those hours of exactly those pipelines, removes the entries still claimed and moves
--      the watermark (dash_refresh_invalidated_rollups, a second transaction).
-- A writer that touches a claimed entry again un-claims it (and holds its row lock until it commits), so the
-- job's final delete waits for that writer and then keeps the entry for the next round: a row is never
-- committed after the rebuild that should have seen it without an entry left behind for it. Writers never
-- wait for a rebuild (only for the short claim and the final delete).
CREATE TABLE rollup_invalidations (
    pipeline_id  uuid        NOT NULL,
    hour         timestamptz NOT NULL,
    claimed      boolean     NOT NULL DEFAULT false,
    PRIMARY KEY (pipeline_id, hour)
);

-- Called by SilverStore with the batch's distinct (pipeline, hour) pairs. Sorted, so writers (and the job,
-- which locks in the same order) cannot deadlock on the entries.
CREATE FUNCTION dash_invalidate_rollups(p_pipelines uuid[], p_hours timestamptz[])
RETURNS void LANGUAGE sql AS $$
    INSERT INTO rollup_invalidations AS r (pipeline_id, hour)
    SELECT DISTINCT u.p, date_bin('1 hour', u.h, TIMESTAMPTZ '2000-01-01 00:00:00+00')
    FROM unnest(p_pipelines, p_hours) AS u(p, h)
    ORDER BY 1, 2
    ON CONFLICT (pipeline_id, hour) DO UPDATE SET claimed = false WHERE r.claimed
$$;

-- The 1-minute and 1-hour buckets of one pipeline over whole hours around [p_from, p_to), rebuilt from the raw
-- rows; no other pipeline's rollup rows are touched. Serialised with the other refreshes (the same lock as
-- dash_refresh_rollups over every pipeline, V32). The watermark is not moved.
CREATE FUNCTION dash_refresh_rollups(p_pipeline uuid, p_from timestamptz, p_to timestamptz)
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
    PERFORM pg_advisory_xact_lock(7031482955180110592);
    DELETE FROM metrics_1m WHERE pipeline_id = p_pipeline AND bucket >= h_from AND bucket < h_to;
    INSERT INTO metrics_1m (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT date_bin('1 minute', time, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           count(*), sum(value), min(value), max(value),
           (array_agg(value ORDER BY time DESC, event_id DESC, seq DESC))[1], max(time)
    FROM metrics
    WHERE pipeline_id = p_pipeline AND time >= h_from AND time < h_to
    GROUP BY 1, pipeline_id, metric, labels, mapping_version;

    DELETE FROM metrics_1h WHERE pipeline_id = p_pipeline AND bucket >= h_from AND bucket < h_to;
    INSERT INTO metrics_1h (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT date_bin('1 hour', bucket, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           sum(n), sum(total), min(min_value), max(max_value),
           (array_agg(last_value ORDER BY last_time DESC))[1], max(last_time)
    FROM metrics_1m
    WHERE pipeline_id = p_pipeline AND bucket >= h_from AND bucket < h_to
    GROUP BY 1, pipeline_id, metric, labels, mapping_version;
END $$;

-- Step 1 of a round: claims every entry not yet claimed (in key order, see above). Returns how many.
CREATE FUNCTION dash_claim_rollup_invalidations()
RETURNS integer LANGUAGE sql AS $$
    WITH c AS (
        SELECT pipeline_id, hour FROM rollup_invalidations WHERE NOT claimed ORDER BY pipeline_id, hour FOR UPDATE
    ), u AS (
        UPDATE rollup_invalidations r SET claimed = true FROM c
        WHERE r.pipeline_id = c.pipeline_id AND r.hour = c.hour
        RETURNING 1
    )
    SELECT count(*)::integer FROM u
$$;

-- Step 2: rebuilds the claimed hours, pipeline by pipeline (runs of consecutive hours as one range), removes
-- the entries still claimed and moves the watermark to p_to. Returns the number of (pipeline, range) rebuilt.
CREATE FUNCTION dash_refresh_invalidated_rollups(p_to timestamptz)
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
        PERFORM dash_refresh_rollups(rng.pipeline_id, rng.f, rng.t);
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

-- Where the rollups stop being complete (queries read rollups before it, raw rows after it). One watermark for
-- both levels here; TimescaleDB has one per continuous aggregate.
CREATE FUNCTION dash_rollup_watermark(p_view text)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT refreshed_to FROM rollup_state WHERE name = 'metrics'
$$;
