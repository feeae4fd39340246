-- Sink delivery (docs/sinks.md): what a sink sends, the durable outbox of deliveries with their attempts,
-- the alert state per condition and series, and the dash.points offsets of the sink dispatcher.

-- What a sink sends ({"mode": "points" | "batch" | "alert", ...}; no secrets, so not encrypted), and why it
-- was switched off by delivery itself (410 Gone, a long failure streak); re-enabling clears the reason.
ALTER TABLE pipeline_sinks
    ADD COLUMN delivery         jsonb       NOT NULL DEFAULT '{"mode": "points"}',
    ADD COLUMN disabled_reason  text,
    ADD COLUMN disabled_at      timestamptz,
    ADD COLUMN failure_streak   integer     NOT NULL DEFAULT 0,
    ADD COLUMN failing_since    timestamptz;

-- One message to one sink. Its id is the idempotency key the receiver sees (webhook-id) on every attempt.
-- 'collecting' is a batch still taking points (at most one per sink), 'pending' waits for its next attempt
-- (a node holds it while lease_until is in the future; a crashed node's lease simply runs out), 'delivered'
-- and 'failed' (every retry spent) are final until a manual retry or resend makes them pending again.
CREATE TABLE sink_deliveries (
    id               uuid PRIMARY KEY,
    sink_id          uuid        NOT NULL REFERENCES pipeline_sinks (id) ON DELETE CASCADE,
    pipeline_id      uuid        NOT NULL,
    kind             text        NOT NULL CHECK (kind IN ('points', 'batch', 'alert_firing', 'alert_resolved')),
    payload          jsonb       NOT NULL,
    point_count      integer     NOT NULL DEFAULT 0,
    status           text        NOT NULL CHECK (status IN ('collecting', 'pending', 'delivered', 'failed')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,
    flush_at         timestamptz,
    lease_until      timestamptz,
    last_attempt_at  timestamptz,
    last_status_code integer,
    last_response    text,
    last_error       text,
    last_latency_ms  integer,
    -- When the newest point in it was committed to Silver (delivery lag is measured from there).
    source_committed_at timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz
);
CREATE INDEX sink_deliveries_due_idx ON sink_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX sink_deliveries_sink_idx ON sink_deliveries (sink_id, created_at DESC);
CREATE UNIQUE INDEX sink_deliveries_collecting_idx ON sink_deliveries (sink_id) WHERE status = 'collecting';

-- Every attempt of a delivery: the delivery log.
CREATE TABLE sink_attempts (
    delivery_id      uuid        NOT NULL REFERENCES sink_deliveries (id) ON DELETE CASCADE,
    attempt          integer     NOT NULL,
    started_at       timestamptz NOT NULL,
    outcome          text        NOT NULL CHECK (outcome IN ('delivered', 'failed', 'gone', 'refused')),
    status_code      integer,
    response         text,
    error            text,
    latency_ms       integer     NOT NULL,
    next_attempt_at  timestamptz,
    PRIMARY KEY (delivery_id, attempt)
);

-- Alert state per sink (its condition) and series (metric and label set): the primary key is the rule of at
-- most one open alert per condition and series. No row: the condition does not hold.
CREATE TABLE sink_alerts (
    sink_id      uuid             NOT NULL REFERENCES pipeline_sinks (id) ON DELETE CASCADE,
    series       text             NOT NULL,
    state        text             NOT NULL CHECK (state IN ('pending', 'firing', 'recovering')),
    since        timestamptz      NOT NULL,
    fired_at     timestamptz,
    last_value   double precision NOT NULL,
    updated_at   timestamptz      NOT NULL DEFAULT now(),
    PRIMARY KEY (sink_id, series)
);

-- The sink dispatcher's position in dash.points, written in the transaction that stores what it read, so a
-- crash can neither lose nor double a delivery or an alert transition.
CREATE TABLE sink_consumer_offsets (
    group_id     text    NOT NULL,
    partition    integer NOT NULL,
    next_offset  bigint  NOT NULL,
    PRIMARY KEY (group_id, partition)
);
