-- Rate limits that hold across nodes (docs/ingest.md "Quotas", docs/api.md "Public links").

-- Ingest quotas: one token bucket per pipeline for the whole cluster, holding one second of the pipeline's
-- quota. Ingestor nodes do not come here per request: they lease a slice of tokens (about a tenth of a second's
-- worth) and spend it locally, coming back when it runs low (dash_quota_lease).
CREATE TABLE ingest_quota_buckets (
    pipeline_id uuid             PRIMARY KEY REFERENCES pipelines (id) ON DELETE CASCADE,
    requests    double precision NOT NULL,
    bytes       double precision NOT NULL,
    refilled_at timestamptz      NOT NULL
);

-- Takes up to want_* tokens from the pipeline's bucket (rps/bps null: that dimension is unlimited and is
-- granted in full), refilled for the time since its last use and capped at one second of quota. Nothing is
-- granted unless at least need_* is there; wait_seconds then says when it will be.
CREATE FUNCTION dash_quota_lease(
    p uuid,
    rps double precision,
    bps double precision,
    want_requests double precision,
    need_requests double precision,
    want_bytes double precision,
    need_bytes double precision,
    OUT granted_requests double precision,
    OUT granted_bytes double precision,
    OUT wait_seconds double precision)
LANGUAGE plpgsql AS $$
DECLARE
    b ingest_quota_buckets;
    now_ts timestamptz := clock_timestamp();
    elapsed double precision;
    r double precision;
    y double precision;
BEGIN
    INSERT INTO ingest_quota_buckets (pipeline_id, requests, bytes, refilled_at)
    VALUES (p, coalesce(rps, 0), coalesce(bps, 0), now_ts)
    ON CONFLICT (pipeline_id) DO NOTHING;
    SELECT * INTO b FROM ingest_quota_buckets WHERE pipeline_id = p FOR UPDATE;
    elapsed := greatest(0, extract(epoch FROM now_ts - b.refilled_at));
    r := CASE WHEN rps IS NULL THEN 0 ELSE least(rps, b.requests + elapsed * rps) END;
    y := CASE WHEN bps IS NULL THEN 0 ELSE least(bps, b.bytes + elapsed * bps) END;
    wait_seconds := greatest(
        CASE WHEN rps IS NULL OR r >= need_requests THEN 0 ELSE (need_requests - r) / rps END,
        CASE WHEN bps IS NULL OR y >= need_bytes THEN 0 ELSE (need_bytes - y) / bps END);
    IF wait_seconds > 0 THEN
        granted_requests := 0;
        granted_bytes := 0;
    ELSE
        granted_requests := CASE WHEN rps IS NULL THEN want_requests ELSE least(want_requests, r) END;
        granted_bytes := CASE WHEN bps IS NULL THEN want_bytes ELSE least(want_bytes, y) END;
    END IF;
    UPDATE ingest_quota_buckets
    SET requests = CASE WHEN rps IS NULL THEN 0 ELSE r - granted_requests END,
        bytes = CASE WHEN bps IS NULL THEN 0 ELSE y - granted_bytes END,
        refilled_at = now_ts
    WHERE pipeline_id = p;
END
$$;

-- Public dashboard links: requests per link (by token hash) per UTC minute, counted for the whole cluster.
CREATE TABLE public_link_usage (
    token_hash bytea   NOT NULL,
    minute     bigint  NOT NULL,
    requests   integer NOT NULL,
    PRIMARY KEY (token_hash, minute)
);
