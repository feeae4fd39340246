-- Per-pipeline retention on TimescaleDB (pipelines.retention_days; NULL keeps data forever), run by the
-- extension's own job scheduler every hour. dash_apply_pipeline_retention (common/V4) deletes by pipeline
-- and time: on compressed chunks these are the segment-by column and the order-by column, so whole
-- compressed batches go without decompressing them. Whole-chunk drops (dash_drop_partitions_before)
-- remain for a global limit an operator sets.
CREATE PROCEDURE dash_retention_job(job_id integer, config jsonb)
LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    n := dash_apply_pipeline_retention(now());
    IF n > 0 THEN
        RAISE LOG 'dash retention job %: % Silver row(s) past their pipeline''s retention deleted', job_id, n;
    END IF;
END $$;

SELECT add_job('dash_retention_job', INTERVAL '1 hour', initial_start => now() + INTERVAL '5 minutes');
