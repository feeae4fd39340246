-- Polling pipelines (docs/polling.md): what the status API shows beside poll_state's lease and cursor, and
-- the index the schedulers' claim uses to find due pipelines.
ALTER TABLE poll_state
    ADD COLUMN last_started_at   timestamptz,
    ADD COLUMN last_finished_at  timestamptz,
    ADD COLUMN last_records      bigint      NOT NULL DEFAULT 0,
    ADD COLUMN last_pages        integer     NOT NULL DEFAULT 0,
    ADD COLUMN total_records     bigint      NOT NULL DEFAULT 0,
    ADD COLUMN total_polls       bigint      NOT NULL DEFAULT 0,
    ADD COLUMN late_polls        bigint      NOT NULL DEFAULT 0,
    ADD COLUMN last_lateness_ms  bigint,
    ADD COLUMN last_error_at     timestamptz,
    -- When the current run's slot was due (set when claimed), to measure lateness.
    ADD COLUMN due_at            timestamptz;
CREATE INDEX poll_state_due_idx ON poll_state (next_poll_at);
