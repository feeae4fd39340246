-- Minute buckets aggregated by the writer and merged into metrics_1m in the batch's own transaction (issue 19, replay at
-- the speed of COPY; docs/replay.md, step 4; docs/benchmarks.md, issue-replay11). A mapping replay used to refresh the
-- minutes it wrote in rounds behind itself (dash_rebuild_minute_rollups, V146), which read every row it had written a
-- second time: about 4 us of backend CPU per row. Its batches that take the fast path (a COPY with no row already
-- there) now bring their buckets along instead, one statement per batch.
--
-- Each element of the arrays is one bucket's aggregate over the batch's rows only (the bucket's minute, count, sum,
-- min, max, the value and time of its last row: latest time, then greatest event_id, then greatest seq, as V146's
-- probe orders them). Merged with the bucket already there: counts and sums add, min and max combine, the team is the
-- least by text (V146's min(team_id::text)), and the last value is the later one's; when both last times are equal the
-- raw rows decide, as in the refresh (the batch's own rows are visible to this statement, in its transaction).
--
-- The rollup lock is taken shared, as every refresh but the live rollup job's round takes it: that round (exclusive)
-- rebuilds a bucket from the rows committed before it; a batch merging while it waits commits its rows and its
-- buckets together before the round reads, and one merging after it adds its rows to the rebuilt buckets, so either
-- way each committed row is counted once. Rows in a fixed order (the caller sorts them), so two batches sharing
-- buckets wait for each other instead of deadlocking.
CREATE FUNCTION dash_merge_minute_rollups(p_bucket timestamptz[], p_pipeline uuid[], p_team uuid[], p_metric text[],
                                          p_labels jsonb[], p_version integer[], p_n bigint[],
                                          p_total double precision[], p_min double precision[],
                                          p_max double precision[], p_last double precision[],
                                          p_last_time timestamptz[])
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7031482955180110592);
    INSERT INTO metrics_1m AS r (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                                 n, total, min_value, max_value, last_value, last_time)
    SELECT d.bucket, d.pipeline_id, d.team_id, d.metric, d.labels, d.mapping_version,
           d.n, d.total, d.min_value, d.max_value, d.last_value, d.last_time
    FROM unnest(p_bucket, p_pipeline, p_team, p_metric, p_labels, p_version, p_n, p_total, p_min, p_max, p_last,
                p_last_time) WITH ORDINALITY
         AS d(bucket, pipeline_id, team_id, metric, labels, mapping_version, n, total, min_value, max_value,
              last_value, last_time, ord)
    ORDER BY d.ord
    ON CONFLICT (pipeline_id, mapping_version, metric, bucket, labels) DO UPDATE SET
        team_id = least(r.team_id::text, excluded.team_id::text)::uuid,
        n = r.n + excluded.n,
        total = r.total + excluded.total,
        min_value = least(r.min_value, excluded.min_value),
        max_value = greatest(r.max_value, excluded.max_value),
        last_value = CASE
            WHEN excluded.last_time > r.last_time THEN excluded.last_value
            WHEN excluded.last_time < r.last_time THEN r.last_value
            ELSE (SELECT m.value FROM metrics m
                  WHERE m.pipeline_id = excluded.pipeline_id AND m.mapping_version = excluded.mapping_version
                    AND m.metric = excluded.metric AND m.time = excluded.last_time AND m.labels = excluded.labels
                  ORDER BY m.event_id DESC, m.seq DESC
                  LIMIT 1)
        END,
        last_time = greatest(r.last_time, excluded.last_time);
END $$;
