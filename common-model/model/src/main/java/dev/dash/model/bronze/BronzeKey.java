package dev.dash.model.bronze;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The object key of one Bronze object (DESIGN.md, "Bronze"):
 * {@code bronze/v1/pipeline=<uuid>/date=YYYY-MM-DD/hour=HH/<partition>-<startOffset, 20 digits>-<writer>.jsonl.gz}.
 * Keys sort by start offset within a partition and hour. The {@code writer} part (16 hex digits) names the
 * archiver's ownership of the partition that wrote the object (one per assignment, random): a retried upload
 * of that writer rewrites the same object, but two writers of the same partition and start offset (a paused
 * archiver that comes back after its partition moved, and the new owner) write two objects, so neither can
 * overwrite, and shrink, what the other stored (docs/reliability.md, fault suite finding 7). Keys written
 * before the writer part existed ({@code <partition>-<startOffset>.jsonl.gz}) still parse, with a null
 * {@code writer}.
 *
 * @param pipelineId the pipeline
 * @param date UTC date of the first event's received time
 * @param hour UTC hour (0 to 23) of the first event's received time
 * @param partition the {@code dash.raw} partition the events came from
 * @param startOffset the Kafka offset of the first event
 * @param writer the writer's 16 lower-case hex digits, or null for a key of the older form
 */
public record BronzeKey(UUID pipelineId, LocalDate date, int hour, int partition, long startOffset, String writer) {
    /** The first path segment, shared by every Bronze key. */
    public static final String ROOT = "bronze/v1/";

    private static final Pattern KEY = Pattern.compile(
            "bronze/v1/pipeline=([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})/date=(\\d{4}-\\d{2}-\\d{2})"
                    + "/hour=(\\d{2})/(0|[1-9]\\d{0,9})-(\\d{20})(?:-([0-9a-f]{16}))?\\.jsonl\\.gz");
    private static final Pattern WRITER = Pattern.compile("[0-9a-f]{16}");

    /** Validates the components. */
    public BronzeKey {
        Objects.requireNonNull(pipelineId, "pipelineId");
        Objects.requireNonNull(date, "date");
        if (date.getYear() < 0 || date.getYear() > 9999) {
            throw new IllegalArgumentException("date outside years 0 to 9999: " + date);
        }
        if (hour < 0 || hour > 23) {
            throw new IllegalArgumentException("hour must be 0 to 23: " + hour);
        }
        if (partition < 0) {
            throw new IllegalArgumentException("partition must not be negative: " + partition);
        }
        if (startOffset < 0) {
            throw new IllegalArgumentException("start offset must not be negative: " + startOffset);
        }
        if (writer != null && !WRITER.matcher(writer).matches()) {
            throw new IllegalArgumentException("writer must be 16 lower-case hex digits: " + writer);
        }
    }

    /** A key of the older form, without a writer part (objects written before it existed, and fixtures). */
    public BronzeKey(UUID pipelineId, LocalDate date, int hour, int partition, long startOffset) {
        this(pipelineId, date, hour, partition, startOffset, null);
    }

    /**
     * A new writer's id for {@link #forFirstEvent(UUID, Instant, int, long, String)}: 16 random hex digits.
     *
     * @return the id
     */
    public static String newWriter() {
        return String.format("%016x", new java.security.SecureRandom().nextLong());
    }

    /**
     * The key of an object whose first event was received at {@code firstReceivedAt}, in the older form
     * without a writer part (fixtures and benchmarks that write Bronze as one writer).
     *
     * @param pipelineId the pipeline
     * @param firstReceivedAt received time of the object's first event
     * @param partition the Kafka partition
     * @param startOffset the first event's offset
     * @return the key
     */
    public static BronzeKey forFirstEvent(UUID pipelineId, Instant firstReceivedAt, int partition, long startOffset) {
        return forFirstEvent(pipelineId, firstReceivedAt, partition, startOffset, null);
    }

    /**
     * The key of an object whose first event was received at {@code firstReceivedAt}, written by {@code writer}.
     *
     * @param pipelineId the pipeline
     * @param firstReceivedAt received time of the object's first event
     * @param partition the Kafka partition
     * @param startOffset the first event's offset
     * @param writer the writer ({@link #newWriter()}), or null for the older form
     * @return the key
     */
    public static BronzeKey forFirstEvent(
            UUID pipelineId, Instant firstReceivedAt, int partition, long startOffset, String writer) {
        ZonedDateTime utc = firstReceivedAt.atZone(ZoneOffset.UTC);
        return new BronzeKey(pipelineId, utc.toLocalDate(), utc.getHour(), partition, startOffset, writer);
    }

    /**
     * The key as stored in S3.
     *
     * @return the key string
     */
    public String format() {
        return prefix(pipelineId, date)
                + String.format("hour=%02d/%d-%020d", hour, partition, startOffset)
                + (writer == null ? "" : "-" + writer)
                + ".jsonl.gz";
    }

    @Override
    public String toString() {
        return format();
    }

    /**
     * Parses a key written by {@link #format()}.
     *
     * @param key the key string
     * @return the key
     * @throws IllegalArgumentException if the string is not a Bronze key
     */
    public static BronzeKey parse(String key) {
        return tryParse(key).orElseThrow(() -> new IllegalArgumentException("not a Bronze object key: " + key));
    }

    /**
     * Parses a key, for listings that may contain other objects.
     *
     * @param key the key string
     * @return the key, or empty if the string is not a Bronze key
     */
    public static Optional<BronzeKey> tryParse(String key) {
        if (key == null) {
            return Optional.empty();
        }
        Matcher m = KEY.matcher(key);
        if (!m.matches()) {
            return Optional.empty();
        }
        try {
            return Optional.of(new BronzeKey(
                    UUID.fromString(m.group(1)),
                    LocalDate.parse(m.group(2)),
                    Integer.parseInt(m.group(3)),
                    Integer.parseInt(m.group(4)),
                    Long.parseLong(m.group(5)),
                    m.group(6)));
        } catch (RuntimeException e) {
            // A date like 2026-02-30, an hour of 24 or an offset past Long.MAX_VALUE: not a key we wrote.
            return Optional.empty();
        }
    }

    /**
     * The listing prefix of every object of a pipeline.
     *
     * @param pipelineId the pipeline
     * @return {@code bronze/v1/pipeline=<uuid>/}
     */
    public static String prefix(UUID pipelineId) {
        return ROOT + "pipeline=" + pipelineId + "/";
    }

    /**
     * The listing prefix of a pipeline's objects of one UTC day.
     *
     * @param pipelineId the pipeline
     * @param date the UTC date
     * @return {@code bronze/v1/pipeline=<uuid>/date=YYYY-MM-DD/}
     */
    public static String prefix(UUID pipelineId, LocalDate date) {
        return prefix(pipelineId) + "date=" + date + "/";
    }
}
