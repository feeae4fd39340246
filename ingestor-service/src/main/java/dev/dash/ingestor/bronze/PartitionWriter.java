package dev.dash.ingestor.bronze;

import dev.dash.model.bronze.BronzeKey;
import dev.dash.model.bronze.BronzeWriter;
import dev.dash.model.bronze.ManifestEntry;
import dev.dash.model.envelope.EnvelopeCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.UUID;

/**
 * The Bronze objects being built from one {@code dash.raw} partition (after Kafka Connect's S3 sink
 * {@code TopicPartitionWriter}): one open object per pipeline, closed by event count, size, age (by the
 * injected clock) or when an event of another UTC hour arrives, and queued for upload. The offset that may be
 * committed is the start of the oldest object not uploaded yet, so a restart re-reads exactly what is not in
 * S3. An object's compressed bytes go into {@link ObjectParts}: parts of {@code partSize} bytes that the
 * archiver uploads as soon as they are full (multipart upload), so an open object holds about one part in
 * memory, not the whole object. Not thread-safe: owned by the archiver's consumer thread.
 */
final class PartitionWriter {
    /** A finished object waiting for the upload of its last part (or of all of it, if it fits one part). */
    record Finished(BronzeKey key, ObjectParts parts, ManifestEntry entry) {}

    /** An object whose upload was started, for aborting it when the object is given up. */
    record Started(BronzeKey key, String uploadId) {}

    private static final class Open {
        final BronzeKey key;
        final ObjectParts parts;
        final BronzeWriter writer;
        final Instant openedAt;
        final Instant hour;
        long lastOffset;

        Open(BronzeKey key, Instant openedAt, Instant hour, int level, int partSize) {
            this.key = key;
            this.openedAt = openedAt;
            this.hour = hour;
            this.parts = new ObjectParts(partSize);
            try {
                this.writer = new BronzeWriter(parts, level);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    private final int partition;
    private final Clock clock;
    private final long rotateEvents;
    private final long rotateBytes;
    private final java.time.Duration rotateAge;
    private final int level;
    private final int partSize;
    private final Map<UUID, Open> open = new HashMap<>();
    private final Deque<Finished> finished = new ArrayDeque<>();
    /** Per pipeline, the last offset already in an uploaded object (events at or before it are skipped). */
    private final Map<UUID, Long> archivedUpTo;
    /** This writer's part of its object keys: another writer of the partition never overwrites its objects. */
    private final String writer = BronzeKey.newWriter();

    private long nextOffset = -1;

    PartitionWriter(
            int partition,
            Clock clock,
            long rotateEvents,
            long rotateBytes,
            java.time.Duration rotateAge,
            int level,
            int partSize,
            Map<UUID, Long> archivedUpTo) {
        this.partition = partition;
        this.partSize = partSize;
        this.clock = clock;
        this.rotateEvents = rotateEvents;
        this.rotateBytes = rotateBytes;
        this.rotateAge = rotateAge;
        this.level = level;
        this.archivedUpTo = new HashMap<>(archivedUpTo);
    }

    /** Adds one event read at {@code offset}: its line exactly as read from Kafka. */
    void add(long offset, EnvelopeCodec.Head e) {
        nextOffset = offset + 1;
        Long done = archivedUpTo.get(e.pipelineId());
        if (done != null && offset <= done) {
            // Already in an uploaded object: the offset commit after that upload did not happen before a restart.
            return;
        }
        Instant hour = e.receivedAt().truncatedTo(ChronoUnit.HOURS);
        Open o = open.get(e.pipelineId());
        if (o != null && !o.hour.equals(hour)) {
            close(o);
            o = null;
        }
        if (o == null) {
            o = new Open(
                    BronzeKey.forFirstEvent(e.pipelineId(), e.receivedAt(), partition, offset, writer),
                    clock.instant(),
                    hour,
                    level,
                    partSize);
            open.put(e.pipelineId(), o);
        }
        try {
            o.writer.write(e);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        o.lastOffset = offset;
        if (o.writer.events() >= rotateEvents || o.writer.uncompressedBytes() >= rotateBytes) {
            close(o);
        }
    }

    /** Records that an offset was read without an event to archive (an unreadable record). */
    void skip(long offset) {
        nextOffset = offset + 1;
    }

    /** Closes the objects older than the rotation age. */
    void rotateDue() {
        Instant now = clock.instant();
        for (Open o : new ArrayList<>(open.values())) {
            if (!o.openedAt.plus(rotateAge).isAfter(now)) {
                close(o);
            }
        }
    }

    /** Closes every open object (before a rebalance or shutdown). */
    void closeAll() {
        for (Open o : new ArrayList<>(open.values())) {
            close(o);
        }
    }

    private void close(Open o) {
        open.remove(o.key.pipelineId());
        try {
            BronzeWriter.Stats stats = o.writer.finish();
            o.writer.close();
            finished.add(new Finished(o.key, o.parts, ManifestEntry.of(o.key, stats, o.lastOffset)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The parts of every object still open, keyed by object (for uploading the full ones). */
    Map<BronzeKey, ObjectParts> openParts() {
        Map<BronzeKey, ObjectParts> parts = new HashMap<>();
        for (Open o : open.values()) {
            parts.put(o.key, o.parts);
        }
        return parts;
    }

    /** Whether an open object has a full part waiting for its upload. */
    boolean hasFullParts() {
        for (Open o : open.values()) {
            if (o.parts.hasFullParts()) {
                return true;
            }
        }
        return false;
    }

    /** Bytes the objects of this partition hold in memory, open and finished. */
    long heldBytes() {
        long held = 0;
        for (Open o : open.values()) {
            held += o.parts.heldBytes();
        }
        for (Finished f : finished) {
            held += f.parts().heldBytes();
        }
        return held;
    }

    /**
     * Gives up every object not uploaded (the partition is gone without its last upload): returns the
     * multipart uploads they had started, which must be aborted; the next owner writes them again.
     */
    java.util.List<Started> abandon() {
        java.util.List<Started> started = new ArrayList<>();
        for (Finished f : finished) {
            if (f.parts().uploadId() != null) {
                started.add(new Started(f.key(), f.parts().uploadId()));
            }
        }
        for (Open o : open.values()) {
            if (o.parts.uploadId() != null) {
                started.add(new Started(o.key, o.parts.uploadId()));
            }
        }
        finished.clear();
        open.clear();
        return started;
    }

    /** The next finished object to upload, or null. */
    Finished peek() {
        return finished.peek();
    }

    /** The head object was uploaded and recorded. */
    void uploaded() {
        Finished f = finished.poll();
        if (f != null) {
            archivedUpTo.merge(f.key().pipelineId(), f.entry().endOffset(), Math::max);
        }
    }

    /** The offset from which nothing is archived yet, or -1 before the first record. */
    long committableOffset() {
        long min = nextOffset;
        for (Finished f : finished) {
            min = Math.min(min, f.key().startOffset());
        }
        for (Open o : open.values()) {
            min = Math.min(min, o.key.startOffset());
        }
        return min;
    }

    int partition() {
        return partition;
    }

    /** Objects open or waiting, for metrics. */
    int pendingObjects() {
        return open.size() + finished.size();
    }

    /** Forgets per-pipeline skip marks at or before the committed offset (they can no longer match). */
    void forgetBefore(long committed) {
        for (Iterator<Map.Entry<UUID, Long>> it = archivedUpTo.entrySet().iterator(); it.hasNext(); ) {
            if (it.next().getValue() < committed) {
                it.remove();
            }
        }
    }
}
