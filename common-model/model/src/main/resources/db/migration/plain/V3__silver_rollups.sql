-- Rollups on plain PostgreSQL: tables refreshed by dash_refresh_rollups (a scheduled job, and replays
-- after a cut-over), standing in for TimescaleDB's continuous aggregates with the same columns.
-- avg is total / n, computed by the query.

CREATE TABLE metrics_1m (
    bucket           timestamptz      NOT NULL,
    pipeline_id      uuid             NOT NULL,
    team_id          uuid             NOT NULL,
    metric           text             NOT NULL,
    labels           jsonb            NOT NULL,
    mapping_version  integer          NOT NULL,
    n                bigint           NOT NULL,
    total            double precision NOT NULL,
    min_value        double precision NOT NULL,
    max_value        double precision NOT NULL,
    last_value       double precision NOT NULL,
    last_time        timestamptz      NOT NULL,
    PRIMARY KEY (pipeline_id, mapping_version, metric, bucket, labels)
);

CREATE TABLE metrics_1h (LIKE metrics_1m INCLUDING ALL);

-- Up to where the rollups are complete: queries read rollups before it and raw rows after it.
CREATE TABLE rollup_state (
    name          text PRIMARY KEY,
    refreshed_to  timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO rollup_state (name, refreshed_to) VALUES ('metrics', '-infinity');

-- Recomputes every 1-minute and 1-hour bucket that overlaps [p_from, p_to), from the raw rows, and
-- advances the watermark when p_advance. Idempotent: buckets are replaced, never added to.
CREATE FUNCTION dash_refresh_rollups(p_from timestamptz, p_to timestamptz, p_advance boolean DEFAULT true)
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
    -- Whole hours on both levels, so an hour bucket is always rebuilt from complete minute buckets.
    DELETE FROM metrics_1m WHERE bucket >= h_from AND bucket < h_to;
    INSERT INTO metrics_1m (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT date_bin('1 minute', time, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           count(*), sum(value), min(value), max(value),
           (array_agg(value ORDER BY time DESC, event_id DESC, seq DESC))[1], max(time)
    FROM metrics
    WHERE time >= h_from AND time < h_to
    GROUP BY 1, pipeline_id, metric, labels, mapping_version;

    DELETE FROM metrics_1h WHERE bucket >= h_from AND bucket < h_to;
    INSERT INTO metrics_1h (bucket, pipeline_id, team_id, metric, labels, mapping_version,
                            n, total, min_value, max_value, last_value, last_time)
    SELECT date_bin('1 hour', bucket, origin), pipeline_id, min(team_id::text)::uuid, metric, labels, mapping_version,
           sum(n), sum(total), min(min_value), max(max_value),
           (array_agg(last_value ORDER BY last_time DESC))[1], max(last_time)
    FROM metrics_1m
    WHERE bucket >= h_from AND bucket < h_to
    GROUP BY 1, pipeline_id, metric, labels, mapping_version;

    IF p_advance THEN
        UPDATE rollup_state SET refreshed_to = greatest(refreshed_to, p_to), updated_at = now()
        WHERE name = 'metrics';
    END IF;
END $$;
