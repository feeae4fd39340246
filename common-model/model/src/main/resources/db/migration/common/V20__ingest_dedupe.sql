-- Provider delivery ids seen by the ingest API (docs/ingest.md, "Dedupe"), shared by every ingestor node.
-- A row is 'pending' from just before the Kafka publish until its acknowledgement, then 'committed'.
-- Only a committed row makes a retry a duplicate; a pending row whose lease has run out (its node died,
-- or its publish failed) is taken over by the next delivery of the same id, which publishes again under
-- the same event ids, so a retry is never lost and a redelivery downstream is idempotent by event id.
CREATE TABLE ingest_dedupe (
    pipeline_id  uuid        NOT NULL,
    delivery_id  text        NOT NULL,
    state        text        NOT NULL CHECK (state IN ('pending', 'committed')),
    event_ids    uuid[]      NOT NULL,
    received_at  timestamptz NOT NULL,
    lease_until  timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    PRIMARY KEY (pipeline_id, delivery_id)
);
-- Expiry cleanup deletes by expires_at in small batches.
CREATE INDEX ingest_dedupe_expires_idx ON ingest_dedupe (expires_at);
