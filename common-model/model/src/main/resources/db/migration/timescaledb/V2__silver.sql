-- Silver on TimescaleDB: a hypertable with 1-day chunks, compressed after 7 days.
-- Columns, keys and function names match the plain-PostgreSQL variant, so one query API serves both.
-- Edited in place (issue 11): until then this variant could not be migrated at all (the index name below
-- collided with create_hypertable's own), so no TimescaleDB database ever held an earlier version of it.

CREATE EXTENSION IF NOT EXISTS timescaledb;

CREATE FUNCTION dash_silver_variant() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'timescaledb'::text $$;

CREATE TABLE metrics (
    time             timestamptz      NOT NULL,
    pipeline_id      uuid             NOT NULL,
    team_id          uuid             NOT NULL,
    metric           text             NOT NULL,
    labels           jsonb            NOT NULL DEFAULT '{}',
    value            double precision NOT NULL,
    event_id         uuid             NOT NULL,
    mapping_version  integer          NOT NULL,
    -- Ordinal of the point among those one event yields under one mapping version (deterministic).
    seq              integer          NOT NULL DEFAULT 0
);
SELECT create_hypertable('metrics', 'time', chunk_time_interval => INTERVAL '1 day');
CREATE UNIQUE INDEX metrics_idempotency_key ON metrics (pipeline_id, mapping_version, event_id, seq, time);
CREATE INDEX metrics_series_idx ON metrics (pipeline_id, mapping_version, metric, time DESC);

-- Compressed per series (pipeline, metric), ordered by time; the rest of the unique key follows in the
-- order so that TimescaleDB can check it on compressed batches: late rows and replays still insert into
-- compressed chunks (ON CONFLICT DO NOTHING keeps working), and the sweeper's deletes by pipeline and
-- version work on them too.
ALTER TABLE metrics SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'pipeline_id, metric',
    timescaledb.compress_orderby = 'time DESC, mapping_version, event_id, seq');
SELECT add_compression_policy('metrics', INTERVAL '7 days');

CREATE TABLE pipeline_records (
    time             timestamptz NOT NULL,
    pipeline_id      uuid        NOT NULL,
    team_id          uuid        NOT NULL,
    event_id         uuid        NOT NULL,
    mapping_version  integer     NOT NULL,
    seq              integer     NOT NULL DEFAULT 0,
    record           jsonb       NOT NULL
);
SELECT create_hypertable('pipeline_records', 'time', chunk_time_interval => INTERVAL '1 day');
CREATE UNIQUE INDEX pipeline_records_idempotency_key
    ON pipeline_records (pipeline_id, mapping_version, event_id, seq, time);
CREATE INDEX pipeline_records_series_idx ON pipeline_records (pipeline_id, mapping_version, time DESC);
ALTER TABLE pipeline_records SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'pipeline_id',
    timescaledb.compress_orderby = 'time DESC, mapping_version, event_id, seq');
SELECT add_compression_policy('pipeline_records', INTERVAL '7 days');

-- Hypertables create their chunks themselves; kept so writers call one function on both variants.
CREATE FUNCTION dash_ensure_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer
LANGUAGE sql AS $$ SELECT 0 $$;

-- Retention by whole chunks: drops the chunks that end at or before p_cutoff. Returns how many.
CREATE FUNCTION dash_drop_partitions_before(p_cutoff timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    dropped integer := 0;
BEGIN
    dropped := (SELECT count(*) FROM drop_chunks('metrics', older_than => p_cutoff));
    dropped := dropped + (SELECT count(*) FROM drop_chunks('pipeline_records', older_than => p_cutoff));
    RETURN dropped;
END $$;
