package dev.dash.model.bronze;

import java.time.Instant;
import java.util.Objects;
import java.util.UUID;

/**
 * The manifest row of one Bronze object, so a replay lists its work from the database without scanning
 * the bucket.
 *
 * @param pipelineId the pipeline
 * @param key the object key ({@link BronzeKey#format()})
 * @param partition the {@code dash.raw} partition
 * @param startOffset Kafka offset of the first event in the object
 * @param endOffset Kafka offset of the last event in the object (inclusive)
 * @param minReceivedAt earliest received time in the object
 * @param maxReceivedAt latest received time in the object
 * @param events number of events (lines)
 * @param bytes size of the object as stored (gzip-compressed)
 */
public record ManifestEntry(
        UUID pipelineId,
        String key,
        int partition,
        long startOffset,
        long endOffset,
        Instant minReceivedAt,
        Instant maxReceivedAt,
        long events,
        long bytes) {

    /** Validates the entry. */
    public ManifestEntry {
        Objects.requireNonNull(pipelineId, "pipelineId");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(minReceivedAt, "minReceivedAt");
        Objects.requireNonNull(maxReceivedAt, "maxReceivedAt");
        if (startOffset < 0 || endOffset < startOffset) {
            throw new IllegalArgumentException(
                    "offsets must satisfy 0 <= start <= end: " + startOffset + ", " + endOffset);
        }
        if (maxReceivedAt.isBefore(minReceivedAt)) {
            throw new IllegalArgumentException("max received time is before min received time");
        }
        if (events <= 0 || bytes <= 0) {
            throw new IllegalArgumentException("a manifest entry describes a non-empty object");
        }
    }

    /**
     * The entry for an object written by a {@link BronzeWriter}.
     *
     * @param key the object's key
     * @param stats what the writer counted, after {@link BronzeWriter#finish()}
     * @param endOffset Kafka offset of the last event written
     * @return the entry
     */
    public static ManifestEntry of(BronzeKey key, BronzeWriter.Stats stats, long endOffset) {
        return new ManifestEntry(
                key.pipelineId(),
                key.format(),
                key.partition(),
                key.startOffset(),
                endOffset,
                stats.minReceivedAt(),
                stats.maxReceivedAt(),
                stats.events(),
                stats.bytes());
    }

    /**
     * The parsed key.
     *
     * @return the key
     */
    public BronzeKey bronzeKey() {
        return BronzeKey.parse(key);
    }
}
