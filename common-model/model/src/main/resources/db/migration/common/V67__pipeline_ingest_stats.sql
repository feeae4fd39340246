-- What the pipelines list shows as "events/min" and "last event" (docs/api.md, "Ingest rate"): per pipeline,
-- the events received in one minute (by the envelope's received time) and in the minute before it, and the
-- newest received time. The Silver writers add each committed batch's counts in one statement; one row per
-- pipeline, so a list of any length reads it with a primary-key join and nothing is ever scanned.
CREATE TABLE pipeline_ingest_stats (
    pipeline_id         uuid PRIMARY KEY REFERENCES pipelines (id) ON DELETE CASCADE,
    last_event_at       timestamptz NOT NULL,
    -- The newest minute with an event, and how many it had.
    minute              timestamptz NOT NULL,
    minute_events       bigint      NOT NULL,
    -- Events of the minute before minute (minute - 1 minute).
    prev_minute_events  bigint      NOT NULL DEFAULT 0,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
