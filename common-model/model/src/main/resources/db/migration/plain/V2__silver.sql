-- Silver on plain PostgreSQL (no TimescaleDB): native range partitions by day instead of a hypertable.
-- The columns, keys and function names match the TimescaleDB variant, so one query API serves both.

CREATE FUNCTION dash_silver_variant() RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT 'plain'::text $$;

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
) PARTITION BY RANGE (time);
-- Idempotency: a redelivered or replayed event rewrites the same keys. The partition column must be part
-- of a unique index on a partitioned table; seq replaces the metric name, since one event may give several
-- points of one metric (explode) and the ordinal already tells them apart.
CREATE UNIQUE INDEX metrics_idempotency_key ON metrics (pipeline_id, mapping_version, event_id, seq, time);
CREATE INDEX metrics_series_idx ON metrics (pipeline_id, mapping_version, metric, time DESC);

-- Mapped records of pipelines with persist_data, for table widgets.
CREATE TABLE pipeline_records (
    time             timestamptz NOT NULL,
    pipeline_id      uuid        NOT NULL,
    team_id          uuid        NOT NULL,
    event_id         uuid        NOT NULL,
    mapping_version  integer     NOT NULL,
    seq              integer     NOT NULL DEFAULT 0,
    record           jsonb       NOT NULL
) PARTITION BY RANGE (time);
CREATE UNIQUE INDEX pipeline_records_idempotency_key
    ON pipeline_records (pipeline_id, mapping_version, event_id, seq, time);
CREATE INDEX pipeline_records_time_idx ON pipeline_records (pipeline_id, mapping_version, time DESC);

-- Creates the daily partitions (UTC days) of metrics and pipeline_records covering [p_from, p_to].
-- Writers call it for the days of a batch they have not seen yet; a scheduled job keeps a week ahead.
-- There is no default partition on purpose: a row for a day nobody prepared fails loudly, never hides.
CREATE FUNCTION dash_ensure_partitions(p_from timestamptz, p_to timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    d        date;
    parent   text;
    part     text;
    created  integer := 0;
BEGIN
    IF p_to < p_from THEN
        RAISE EXCEPTION 'dash_ensure_partitions: p_to (%) is before p_from (%)', p_to, p_from;
    END IF;
    -- Serialises concurrent writers creating the same partition.
    PERFORM pg_advisory_xact_lock(hashtext('dash_ensure_partitions'));
    FOR d IN SELECT generate_series((p_from AT TIME ZONE 'UTC')::date, (p_to AT TIME ZONE 'UTC')::date, interval '1 day')::date
    LOOP
        FOREACH parent IN ARRAY ARRAY['metrics', 'pipeline_records']
        LOOP
            part := parent || '_p' || to_char(d, 'YYYYMMDD');
            IF to_regclass(part) IS NULL THEN
                EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                               part, parent, d::timestamp AT TIME ZONE 'UTC', (d + 1)::timestamp AT TIME ZONE 'UTC');
                created := created + 1;
            END IF;
        END LOOP;
    END LOOP;
    RETURN created;
END $$;

-- Retention by whole days: drops the partitions that end at or before p_cutoff. Returns how many.
CREATE FUNCTION dash_drop_partitions_before(p_cutoff timestamptz) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    r        record;
    dropped  integer := 0;
BEGIN
    FOR r IN
        SELECT c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname IN ('metrics', 'pipeline_records')
          AND c.relname ~ '_p[0-9]{8}$'
          AND (to_date(right(c.relname, 8), 'YYYYMMDD') + 1)::timestamp AT TIME ZONE 'UTC' <= p_cutoff
    LOOP
        EXECUTE format('DROP TABLE %I', r.relname);
        dropped := dropped + 1;
    END LOOP;
    RETURN dropped;
END $$;

SELECT dash_ensure_partitions(now() - interval '7 days', now() + interval '7 days');
