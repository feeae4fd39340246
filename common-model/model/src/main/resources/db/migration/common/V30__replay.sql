-- Replay (docs/replay.md). At most one open replay per pipeline.
CREATE UNIQUE INDEX replays_one_open ON replays (pipeline_id)
    WHERE state IN ('queued', 'waiting_for_archive', 'running', 'cutting_over');

-- Per dash.raw partition, the first offset a Silver writer processed knowing of a pending mapping version:
-- every event at or after it is dual-written, every event before it is replayed from Bronze once the
-- archiver has passed it (bronze_progress.next_offset >= boundary_offset).
CREATE TABLE dual_write_boundaries (
    pipeline_id      uuid        NOT NULL,
    mapping_version  integer     NOT NULL,
    kafka_partition  integer     NOT NULL,
    boundary_offset  bigint      NOT NULL CHECK (boundary_offset >= 0),
    recorded_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pipeline_id, mapping_version, kafka_partition)
);
