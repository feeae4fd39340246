package dev.dash.ingestor.silver;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.json.Json;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingError;
import dev.dash.model.mapping.MappingResult;
import dev.dash.model.silver.SilverBatch;
import io.quarkus.logging.Log;
import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Maps one {@code dash.raw} record into a {@link SilverBatch} with the pipeline's active mapping version and,
 * during a replay, its pending one: points and records for what maps, a quarantine entry for what does not.
 * Pure: no consumer, no database (the pipelines come from a lookup), so it is tested without Kafka. One instance
 * per consumer thread: it remembers the last record key it parsed.
 */
public final class SilverMapper {
    /** Where the mapper finds a pipeline; null when it does not exist (deleted). */
    @FunctionalInterface
    public interface Pipelines {
        CachedPipeline get(UUID id) throws Exception;
    }

    /** What became of a record. */
    public enum Status {
        /** Unreadable envelope, or its pipeline does not exist: nothing in the batch. */
        SKIPPED,
        /** Counted in the batch, but the pipeline has no mapping version. */
        UNMAPPED,
        /** Mapped with every version the pipeline has (points or quarantine entries in the batch). */
        MAPPED
    }

    /**
     * @param status what became of the record
     * @param quarantined how many quarantine entries it added
     * @param pending the pending version it was also mapped with (its dual-write boundary is due), or null
     */
    public record Outcome(Status status, int quarantined, PipelineCache.PendingVersion pending) {}

    private static final Outcome SKIPPED = new Outcome(Status.SKIPPED, 0, null);
    private static final Outcome UNMAPPED = new Outcome(Status.UNMAPPED, 0, null);
    /** The common outcome, shared rather than made per record. */
    private static final Outcome MAPPED = new Outcome(Status.MAPPED, 0, null);

    /** Told of every event counted in a batch (its pipeline exists): the ingest rate's counts. */
    @FunctionalInterface
    public interface Counted {
        void event(UUID pipelineId, java.time.Instant receivedAt);
    }

    private final Pipelines pipelines;
    private final Counted counted;
    /** The last record key parsed, and its pipeline id. */
    private String lastKey;

    private UUID lastKeyId;

    public SilverMapper(Pipelines pipelines) {
        this(pipelines, (p, t) -> {});
    }

    public SilverMapper(Pipelines pipelines, Counted counted) {
        this.pipelines = pipelines;
        this.counted = counted;
    }

    /**
     * Adds what the record maps to into {@code batch}.
     *
     * @throws IllegalStateException when the pipeline cannot be looked up (the database failed)
     */
    public Outcome map(ConsumerRecord<String, byte[]> r, SilverBatch batch) {
        if (r.key() != null && unknownPipeline(r.key())) {
            // The key is the pipeline id: a deleted pipeline's backlog is skipped without decoding it.
            return SKIPPED;
        }
        RawRecordCodec.Mappable e;
        try {
            // The metadata from the header(s), the body as the value (parsed once, by the mapping). Only what a
            // mapping reads is built (the event id, pipeline, time and body); the rest is checked as a decode would.
            e = RawRecordCodec.decodeForMapping(r.headers(), r.value());
        } catch (RuntimeException ex) {
            Log.warnf("Skipping unreadable dash.raw record %d@%d: %s", r.partition(), r.offset(), ex.getMessage());
            return SKIPPED;
        }
        CachedPipeline p = lookup(e.pipelineId());
        if (p == null) {
            return SKIPPED;
        }
        batch.countEvent(e.receivedAt());
        counted.event(p.id(), e.receivedAt());
        batch.origin(e.eventId(), e.receivedAt(), r.partition(), r.offset());
        CachedPipeline.Version active = p.active();
        CachedPipeline.Version pending = p.pending();
        if (active == null && pending == null) {
            return UNMAPPED;
        }
        EventInput input = EventInput.ofBytes(e.eventId(), e.receivedAt(), e.body());
        if (active != null && pending != null) {
            // Parsed once for both versions; a body that does not parse goes the ordinary way, for identical errors.
            try {
                JsonNode tree = Json.parse(e.body());
                if (!tree.isMissingNode()) {
                    input = EventInput.ofJson(e.eventId(), e.receivedAt(), tree);
                }
            } catch (IOException ignored) {
                // mapped from bytes below
            }
        }
        int quarantined = 0;
        if (active != null) {
            quarantined += map(p, active, e, input, r, batch);
        }
        if (pending != null) {
            quarantined += map(p, pending, e, input, r, batch);
        }
        if (quarantined == 0 && pending == null) {
            return MAPPED;
        }
        return new Outcome(
                Status.MAPPED,
                quarantined,
                pending == null ? null : new PipelineCache.PendingVersion(p.id(), pending.version()));
    }

    /** Maps with one version; 1 when the event went to quarantine, else 0. */
    private static int map(
            CachedPipeline p,
            CachedPipeline.Version v,
            RawRecordCodec.Mappable e,
            EventInput input,
            ConsumerRecord<String, byte[]> r,
            SilverBatch batch) {
        List<MappingError> errors;
        if (v.mapping() == null) {
            errors = List.of(new MappingError("$mapping", MappingError.Code.INTERNAL, v.problem(), -1));
        } else {
            MappingResult result = v.mapping().apply(input);
            if (result.ok()) {
                batch.addPoints(p.id(), p.teamId(), e.eventId(), v.version(), e.receivedAt(), result.points());
                if (p.config().persistData()) {
                    batch.addRecords(p.id(), p.teamId(), e.eventId(), v.version(), result.records());
                }
                return 0;
            }
            errors = result.errors();
        }
        batch.quarantine(new SilverBatch.Quarantined(
                p.id(), p.teamId(), e.eventId(), v.version(), e.receivedAt(), errors, r.partition(), r.offset(), null));
        return 1;
    }

    private boolean unknownPipeline(String key) {
        UUID id;
        if (key.equals(lastKey)) {
            // Records come in runs of one pipeline's: its key is parsed once a run.
            id = lastKeyId;
        } else {
            try {
                id = UUID.fromString(key);
            } catch (IllegalArgumentException ex) {
                return false;
            }
            lastKey = key;
            lastKeyId = id;
        }
        return lookup(id) == null;
    }

    private CachedPipeline lookup(UUID id) {
        try {
            return pipelines.get(id);
        } catch (Exception ex) {
            throw new IllegalStateException("cannot look pipeline " + id + " up: " + ex.getMessage(), ex);
        }
    }
}
