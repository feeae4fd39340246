package dev.dash.ingestor.silver;

import dev.dash.model.mapping.MappedRecord;
import dev.dash.model.mapping.MappingError;
import dev.dash.model.mapping.Point;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * What one Silver write holds: metric rows, mapped records, quarantined events, and the pending versions
 * dual-written for the first time. Plain data, filled by {@link SilverWriter} and written by
 * {@link SilverStore} in one transaction.
 */
public final class SilverBatch {
    /** One {@code metrics} row. */
    public record Row(
            Instant time,
            UUID pipelineId,
            UUID teamId,
            String metric,
            Map<String, String> labels,
            double value,
            UUID eventId,
            int mappingVersion,
            int seq,
            Instant receivedAt) {}

    /** One {@code pipeline_records} row. */
    public record Record(
            Instant time,
            UUID pipelineId,
            UUID teamId,
            UUID eventId,
            int mappingVersion,
            int seq,
            MappedRecord record) {}

    /** One quarantined event. */
    public record Quarantined(
            UUID pipelineId,
            UUID teamId,
            UUID eventId,
            int mappingVersion,
            Instant receivedAt,
            List<MappingError> errors,
            int partition,
            long offset) {}

    /** A pending version seen for the first time, whose dual-write start is to be recorded. */
    public record DualWrite(UUID pipelineId, int version) {}

    final List<Row> rows = new ArrayList<>();
    final List<Record> records = new ArrayList<>();
    final List<Quarantined> quarantined = new ArrayList<>();
    final Set<DualWrite> dualWrites = new HashSet<>();
    /** Received times of the events in the batch, for the receipt-to-commit latency. */
    final List<Instant> received = new ArrayList<>();

    int events;

    /** Adds the points one event gave under one version, numbering them 0..n-1 in the engine's order. */
    public void addPoints(
            UUID pipelineId, UUID teamId, UUID eventId, int version, Instant receivedAt, List<Point> points) {
        for (int i = 0; i < points.size(); i++) {
            Point p = points.get(i);
            rows.add(new Row(
                    p.time(), pipelineId, teamId, p.metric(), p.labels(), p.value(), eventId, version, i, receivedAt));
        }
    }

    /** Adds the mapped records of one event under one version. */
    public void addRecords(UUID pipelineId, UUID teamId, UUID eventId, int version, List<MappedRecord> mapped) {
        for (int i = 0; i < mapped.size(); i++) {
            MappedRecord r = mapped.get(i);
            records.add(new Record(r.time(), pipelineId, teamId, eventId, version, i, r));
        }
    }

    /** The metric rows. */
    public List<Row> rows() {
        return rows;
    }

    /** Rows of every kind, for the flush threshold. */
    public int size() {
        return rows.size() + records.size() + quarantined.size();
    }

    /** Whether there is nothing to write. */
    public boolean isEmpty() {
        return rows.isEmpty() && records.isEmpty() && quarantined.isEmpty() && dualWrites.isEmpty();
    }

    /** Empties the batch for reuse. */
    public void clear() {
        rows.clear();
        records.clear();
        quarantined.clear();
        dualWrites.clear();
        received.clear();
        events = 0;
    }
}
