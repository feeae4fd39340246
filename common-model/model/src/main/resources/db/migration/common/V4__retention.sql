-- Per-pipeline retention (pipelines.retention_days; NULL keeps data forever). Whole-partition drops
-- (dash_drop_partitions_before) serve a global limit; this serves the pipelines that ask for less.
CREATE FUNCTION dash_apply_pipeline_retention(p_now timestamptz DEFAULT now()) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    r        record;
    n        bigint;
    deleted  bigint := 0;
BEGIN
    FOR r IN SELECT id, retention_days FROM pipelines WHERE retention_days IS NOT NULL
    LOOP
        DELETE FROM metrics WHERE pipeline_id = r.id AND time < p_now - make_interval(days => r.retention_days);
        GET DIAGNOSTICS n = ROW_COUNT;
        deleted := deleted + n;
        DELETE FROM pipeline_records WHERE pipeline_id = r.id AND time < p_now - make_interval(days => r.retention_days);
        GET DIAGNOSTICS n = ROW_COUNT;
        deleted := deleted + n;
    END LOOP;
    RETURN deleted;
END $$;
