package dev.dash.model.silver;

import dev.dash.model.mapping.MappedRecord;
import dev.dash.model.mapping.MappingError;
import dev.dash.model.mapping.Point;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What one Silver write holds: metric rows, mapped records, quarantined events, and the dual-write
 * boundaries to record (docs/replay.md). Plain data, filled by the ingestor's Silver writer or a replay job
 * and written by {@link SilverStore} in one transaction.
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

    /**
     * One quarantined event, with where it is kept: its {@code dash.raw} partition and offset (null when read
     * back from Bronze, which does not keep offsets per event), and its Bronze object when known (a replay
     * knows it; the live writer does not, the manifest resolves it from the offset).
     */
    public record Quarantined(
            UUID pipelineId,
            UUID teamId,
            UUID eventId,
            int mappingVersion,
            Instant receivedAt,
            List<MappingError> errors,
            int partition,
            Long offset,
            String bronzeKey) {}

    /**
     * A pending version's dual-write boundary on one {@code dash.raw} partition: every event at or after
     * {@code offset} is written under the pending version by the live writer (docs/replay.md, step 2).
     */
    public record Boundary(UUID pipelineId, int version, int partition, long offset) {}

    /**
     * Where an event of the batch came from, so that {@link SilverStore} can quarantine it, with its Bronze
     * reference, when PostgreSQL refuses its rows.
     */
    public record Origin(Instant receivedAt, int partition, Long offset, String bronzeKey) {}

    /** One event's rows under one mapping version: the unit a refused write is narrowed down to. */
    private record Unit(UUID eventId, int version) {}

    final List<Row> rows = new ArrayList<>();
    final List<Record> records = new ArrayList<>();
    final List<Quarantined> quarantined = new ArrayList<>();
    /** The events PostgreSQL refused, moved from the rows into the quarantine by {@link SilverStore}. */
    final List<Quarantined> refused = new ArrayList<>();
    /** Set by {@link SilverStore}: see {@link #minutesMerged()}. */
    boolean minutesMerged;

    /**
     * Where each event came from, in columns that {@link #clear} keeps for the next batch (an {@link Origin} and a map
     * entry per event were most of what the batch allocated per event besides its rows); read only when PostgreSQL
     * refuses rows, by {@link #origin(UUID)}.
     */
    private UUID[] originIds = new UUID[64];

    private Instant[] originReceived = new Instant[64];
    private int[] originPartitions = new int[64];
    /** The offsets; {@link #NO_OFFSET} for none. */
    private long[] originOffsets = new long[64];

    private String[] originKeys = new String[64];
    private int originCount;

    private static final long NO_OFFSET = Long.MIN_VALUE;

    final Map<Boundary, Boundary> boundaries = new HashMap<>();
    /** Received times of the events in the batch, for the receipt-to-commit latency. */
    final List<Instant> received = new ArrayList<>();

    int events;

    /** Counts one event read into the batch (whatever it gave), received at {@code receivedAt}. */
    public void countEvent(Instant receivedAt) {
        events++;
        received.add(receivedAt);
    }

    /** Events read into the batch. */
    public int events() {
        return events;
    }

    /** Received times of the events in the batch, for the receipt-to-commit latency. */
    public List<Instant> received() {
        return received;
    }

    /**
     * Tells where an event came from (its {@code dash.raw} partition and offset, or its Bronze object), for
     * quarantining it if PostgreSQL refuses its rows.
     */
    public void origin(UUID eventId, Instant receivedAt, int partition, Long offset, String bronzeKey) {
        addOrigin(eventId, receivedAt, partition, offset == null ? NO_OFFSET : offset, bronzeKey);
    }

    /** {@link #origin(UUID, Instant, int, Long, String)} of a {@code dash.raw} record, without a Bronze object. */
    public void origin(UUID eventId, Instant receivedAt, int partition, long offset) {
        addOrigin(eventId, receivedAt, partition, offset, null);
    }

    private void addOrigin(UUID eventId, Instant receivedAt, int partition, long offset, String bronzeKey) {
        int i = originCount;
        if (i == originIds.length) {
            int n = i * 2;
            originIds = Arrays.copyOf(originIds, n);
            originReceived = Arrays.copyOf(originReceived, n);
            originPartitions = Arrays.copyOf(originPartitions, n);
            originOffsets = Arrays.copyOf(originOffsets, n);
            originKeys = Arrays.copyOf(originKeys, n);
        }
        originIds[i] = eventId;
        originReceived[i] = receivedAt;
        originPartitions[i] = partition;
        originOffsets[i] = offset;
        originKeys[i] = bronzeKey;
        originCount = i + 1;
    }

    /** Where the event came from (the last told, as a map would keep it), or null. */
    Origin origin(UUID eventId) {
        for (int i = originCount - 1; i >= 0; i--) {
            if (Objects.equals(originIds[i], eventId)) {
                long offset = originOffsets[i];
                return new Origin(
                        originReceived[i], originPartitions[i], offset == NO_OFFSET ? null : offset, originKeys[i]);
            }
        }
        return null;
    }

    /**
     * The events whose rows PostgreSQL refused (a value it cannot store) in the last write: no longer among
     * the rows, quarantined with the database's reason instead.
     */
    public List<Quarantined> refused() {
        return refused;
    }

    /** Adds a quarantined event. */
    public void quarantine(Quarantined q) {
        quarantined.add(q);
    }

    /** The quarantined events. */
    public List<Quarantined> quarantined() {
        return quarantined;
    }

    /**
     * Adds a boundary to record with this batch; of two for the same version and partition, the smaller
     * offset is kept (the first the batch holds).
     */
    public void boundary(UUID pipelineId, int version, int partition, long offset) {
        Boundary key = new Boundary(pipelineId, version, partition, 0);
        boundaries.merge(
                key, new Boundary(pipelineId, version, partition, offset), (a, b) -> a.offset() <= b.offset() ? a : b);
    }

    /** The boundaries to record. */
    public Collection<Boundary> boundaries() {
        return boundaries.values();
    }

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

    /** The mapped records. */
    public List<Record> records() {
        return records;
    }

    /** Rows of every kind, for the flush threshold. */
    public int size() {
        return rows.size() + records.size() + quarantined.size();
    }

    /** Whether there is nothing to write. */
    public boolean isEmpty() {
        return rows.isEmpty() && records.isEmpty() && quarantined.isEmpty() && boundaries.isEmpty();
    }

    /** The batch's rows and records split per event and mapping version, in order; nothing else. */
    List<SilverBatch> units() {
        Map<Unit, SilverBatch> units = new LinkedHashMap<>();
        for (Row r : rows) {
            units.computeIfAbsent(new Unit(r.eventId(), r.mappingVersion()), k -> new SilverBatch())
                    .rows
                    .add(r);
        }
        for (Record r : records) {
            units.computeIfAbsent(new Unit(r.eventId(), r.mappingVersion()), k -> new SilverBatch())
                    .records
                    .add(r);
        }
        return new ArrayList<>(units.values());
    }

    /** The rows and records of several units in one batch. */
    static SilverBatch merge(List<SilverBatch> units) {
        SilverBatch b = new SilverBatch();
        for (SilverBatch u : units) {
            b.rows.addAll(u.rows);
            b.records.addAll(u.records);
        }
        return b;
    }

    /** Moves one unit's event from the rows to the quarantine, with the reason PostgreSQL gave. */
    void refuse(SilverBatch unit, String reason) {
        UUID pipeline;
        UUID team;
        UUID event;
        int version;
        Instant received;
        if (!unit.rows.isEmpty()) {
            Row r = unit.rows.get(0);
            pipeline = r.pipelineId();
            team = r.teamId();
            event = r.eventId();
            version = r.mappingVersion();
            received = r.receivedAt();
        } else {
            Record r = unit.records.get(0);
            pipeline = r.pipelineId();
            team = r.teamId();
            event = r.eventId();
            version = r.mappingVersion();
            received = null;
        }
        Origin o = origin(event);
        rows.removeIf(r -> r.eventId().equals(event) && r.mappingVersion() == version);
        records.removeIf(r -> r.eventId().equals(event) && r.mappingVersion() == version);
        Quarantined q = new Quarantined(
                pipeline,
                team,
                event,
                version,
                o != null ? o.receivedAt() : received != null ? received : Instant.now(),
                List.of(new MappingError(MappingError.STORE, MappingError.Code.NOT_STORABLE, reason, -1)),
                o == null ? -1 : o.partition(),
                o == null ? null : o.offset(),
                o == null ? null : o.bronzeKey());
        quarantined.add(q);
        refused.add(q);
    }

    /**
     * Whether the last write merged the minute buckets of every row into {@code metrics_1m} ({@link
     * SilverStore#write(SilverBatch, boolean)}).
     */
    public boolean minutesMerged() {
        return minutesMerged;
    }

    /** Empties the batch for reuse. */
    public void clear() {
        minutesMerged = false;
        refused.clear();
        // The references go, so that a batch kept for reuse holds no events; the arrays stay.
        Arrays.fill(originIds, 0, originCount, null);
        Arrays.fill(originReceived, 0, originCount, null);
        Arrays.fill(originKeys, 0, originCount, null);
        originCount = 0;
        rows.clear();
        records.clear();
        quarantined.clear();
        boundaries.clear();
        received.clear();
        events = 0;
    }
}
