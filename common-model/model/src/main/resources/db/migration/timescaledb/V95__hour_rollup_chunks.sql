-- metrics_1h in chunks of 365 days, not 10 (issue 11: TimescaleDB's fixed cost per query). The materialisation
-- hypertable of a continuous aggregate takes ten times the raw chunk interval by default, so a 30-day chart
-- planned 4 chunks of the hour rollup where plain PostgreSQL plans one table; each chunk costs TimescaleDB about
-- 0.05 ms of planning per query (docs/benchmarks.md). An hour rollup row stands for up to 3,600 raw points, so a
-- year of them per chunk is still a tenth of one raw 1-day chunk. The rollup is not compressed and its rows
-- are deleted per pipeline by retention, not by dropping chunks, so the larger chunks cost nothing else.
--
-- A new interval applies to new chunks only: the rows already materialised are moved into chunks of the new
-- size (copied, the old chunks dropped, copied back; the rollup holds one row per series and hour). Dropping a
-- materialisation chunk makes TimescaleDB recompute the aggregate's watermark from the rows left, so a last
-- drop_chunks that drops nothing recomputes it from the rows copied back: the end of the last materialised
-- bucket, never later than it was (queries read raw rows after it). The invalidation log is untouched, so
-- the refresh policy carries on where it was.
DO $$
DECLARE
    mat regclass;
BEGIN
    SELECT format('%I.%I', h.schema_name, h.table_name)::regclass INTO STRICT mat
    FROM _timescaledb_catalog.continuous_agg c
    JOIN _timescaledb_catalog.hypertable h ON h.id = c.mat_hypertable_id
    WHERE c.user_view_name = 'metrics_1h' AND c.user_view_schema = current_schema();
    PERFORM set_chunk_time_interval('metrics_1h', INTERVAL '365 days');
    EXECUTE format('CREATE TEMP TABLE dash_metrics_1h_rows ON COMMIT DROP AS SELECT * FROM %s', mat);
    IF EXISTS (SELECT 1 FROM dash_metrics_1h_rows) THEN
        PERFORM drop_chunks('metrics_1h', older_than => 'infinity'::timestamptz);
        EXECUTE format('INSERT INTO %s SELECT * FROM dash_metrics_1h_rows', mat);
        PERFORM drop_chunks('metrics_1h', older_than => '1900-01-01 00:00:00+00'::timestamptz);
        EXECUTE format('ANALYZE %s', mat);
    END IF;
END $$;
