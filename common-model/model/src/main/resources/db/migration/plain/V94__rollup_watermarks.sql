-- Both rollups' watermarks in one call, as on TimescaleDB (timescaledb/V94, issue 11). Plain PostgreSQL has one
-- watermark for both levels (the rollup job's); PL/pgSQL keeps the statement's plan for the session, where the
-- SQL function dash_rollup_watermark planned it on every call.
CREATE FUNCTION dash_rollup_watermarks(OUT hour_rollup timestamptz, OUT minute_rollup timestamptz)
LANGUAGE plpgsql STABLE AS $$
BEGIN
    SELECT greatest(refreshed_to, '1970-01-01'::timestamptz), greatest(refreshed_to, '1970-01-01'::timestamptz)
    INTO hour_rollup, minute_rollup
    FROM rollup_state WHERE name = 'metrics';
    hour_rollup := coalesce(hour_rollup, '1970-01-01'::timestamptz);
    minute_rollup := coalesce(minute_rollup, '1970-01-01'::timestamptz);
END $$;
