-- The rollup job's round rebuilds every (pipeline, hour) of the invalidation log, not only the entries still
-- claimed (issue 19; found chasing ReplayEndToEndIT's "the count never goes down" on plain PostgreSQL).
--
-- A round is two transactions (V60): the claim, then the rebuild, which also moves the watermark to p_to. A
-- writer that commits rows between the two un-claims the entry of its (pipeline, hour) (dash_invalidate_rollups).
-- V60/V83 rebuilt only the entries still claimed, so that hour was skipped in the round - although rows written
-- before the claim were waiting in it - while the watermark moved on: readers then took the minutes between the
-- old and the new watermark from rollups that had never seen those rows, and a dashboard's count went down until
-- the next round a minute later (ReplayEndToEndIT: 4,300 -> 2,379, every row of the minute before the new
-- watermark missing). The gap between the claim and the rebuild is short, but a live pipeline commits a batch
-- every few hundred milliseconds, and the rebuild first waits for the rollup lock, which a replay's refresh holds
-- shared for seconds.
--
-- Now the rebuild takes every entry, claimed or un-claimed (and any logged since the claim): whatever was
-- committed before the rebuild is in the rollups when the watermark moves. What stays as before: only entries
-- still claimed are removed, so an entry un-claimed by a writer (its rows perhaps committed after the rebuild)
-- stays for the next round, which rebuilds that hour again.
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
              FROM rollup_invalidations) x
        GROUP BY pipeline_id, run
        ORDER BY pipeline_id, f
    LOOP
        PERFORM dash_refresh_rollups(rng.pipeline_id, rng.f, rng.t, NULL::integer);
        n := n + 1;
    END LOOP;
    -- An entry a writer un-claimed meanwhile (rows committed after the claim, perhaps after the rebuild) stays for
    -- the next round; the lock waits for a writer still holding it, and the re-check then sees it un-claimed.
    DELETE FROM rollup_invalidations d USING (
        SELECT pipeline_id, hour FROM rollup_invalidations WHERE claimed ORDER BY pipeline_id, hour FOR UPDATE
    ) c
    WHERE d.pipeline_id = c.pipeline_id AND d.hour = c.hour AND d.claimed;
    UPDATE rollup_state SET refreshed_to = greatest(refreshed_to, p_to), updated_at = now() WHERE name = 'metrics';
    RETURN n;
END $$;
