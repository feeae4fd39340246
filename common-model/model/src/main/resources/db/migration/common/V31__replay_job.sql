-- The replay job (docs/replay.md).

-- When a version stopped being written (retired by a cut-over, failed or cancelled), and how many times the
-- background clean-up has swept its rows since (once after a grace period, once more a grace period later).
ALTER TABLE data_mappings
    ADD COLUMN ended_at  timestamptz,
    ADD COLUMN sweeps    integer NOT NULL DEFAULT 0,
    ADD COLUMN swept_at  timestamptz;
CREATE INDEX data_mappings_to_sweep_idx ON data_mappings (pipeline_id, version)
    WHERE status IN ('retired', 'failed', 'cancelled') AND sweeps < 2;

-- What the job has planned and where its points fell, so a resumed job refreshes the right rollups and the
-- API can tell an ETA by bytes rather than by objects of any size.
ALTER TABLE replays
    ADD COLUMN bytes_total     bigint NOT NULL DEFAULT 0,
    ADD COLUMN min_point_time  timestamptz,
    ADD COLUMN max_point_time  timestamptz;

-- A quarantined event's Bronze object is found through the manifest by partition and offset.
CREATE INDEX bronze_manifest_offsets_idx ON bronze_manifest (pipeline_id, kafka_partition, start_offset);
