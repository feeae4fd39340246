package dev.dash.ingestor.silver;

import dev.dash.model.silver.IngestStats;
import dev.dash.model.silver.SilverBatch;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * What the Silver writer's batches that are written (in Silver, their points acknowledged) leave for the next offset
 * commit: per {@code dash.raw} partition the offset after their last record, their dual-write boundaries (recorded
 * once the commit proves this node held the partitions) and their ingest counts (added to the pipelines' rates only
 * once committed, so a batch read again never counts twice). The batches themselves are free for reuse once folded
 * in here.
 *
 * <p>Offsets are committed at most once per {@code intervalNanos} (docs/architecture.md, Silver writer): at a few
 * thousand single events a second a batch holds a handful of events, and an offset commit per batch (a round trip to
 * the group coordinator on the consumer's thread) was a fixed cost per batch of the same order as the batch's COPY.
 * Folding batches together only delays the commit of what is already written: a crash before it has the next owner
 * write those events again, which the idempotent writes make harmless (as for any batch written and not yet
 * committed). The first batch after a quiet interval is committed at once; boundaries are committed at once too, for
 * a replay waits for them. Pure bookkeeping, tested without Kafka.
 */
final class WrittenBatches {
    private final long intervalNanos;
    /** By partition, the offset after the last record written; 0 for none. */
    private long[] next = new long[16];

    private boolean any;
    private final List<SilverBatch.Boundary> boundaries = new ArrayList<>();
    private final IngestStats stats = new IngestStats();
    /** When offsets were last committed (System.nanoTime); long ago at first. */
    private long lastCommit;

    /** @param intervalNanos the least time between two offset commits while batches keep coming */
    WrittenBatches(long intervalNanos, long nowNanos) {
        this.intervalNanos = intervalNanos;
        this.lastCommit = nowNanos - intervalNanos;
    }

    /**
     * A batch is written: its offsets ({@code next}, by partition, 0 for none; a later batch's replace an earlier's),
     * boundaries and counts wait for the next commit.
     */
    void add(long[] batchNext, Collection<SilverBatch.Boundary> batchBoundaries, IngestStats batchStats) {
        if (batchNext.length > next.length) {
            next = Arrays.copyOf(next, batchNext.length);
        }
        for (int p = 0; p < batchNext.length; p++) {
            if (batchNext[p] != 0) {
                next[p] = Math.max(next[p], batchNext[p]);
                any = true;
            }
        }
        boundaries.addAll(batchBoundaries);
        stats.add(batchStats);
        any |= !batchBoundaries.isEmpty();
    }

    boolean isEmpty() {
        return !any;
    }

    /**
     * Whether to commit now: something is waiting and either the last commit is {@code intervalNanos} old (so the
     * first batch after a quiet spell goes at once), or a boundary waits, or {@code closing}.
     */
    boolean due(long nowNanos, boolean closing) {
        return any && (closing || !boundaries.isEmpty() || nowNanos - lastCommit >= intervalNanos);
    }

    /** Adds the offsets to commit to {@code into}, by partition of {@code topic}. */
    void offsets(String topic, Map<TopicPartition, OffsetAndMetadata> into) {
        for (int p = 0; p < next.length; p++) {
            if (next[p] != 0) {
                into.put(new TopicPartition(topic, p), new OffsetAndMetadata(next[p]));
            }
        }
    }

    /** Whether a boundary of this version and partition waits for the commit. */
    boolean holds(UUID pipelineId, int version, int partition) {
        for (SilverBatch.Boundary x : boundaries) {
            if (x.partition() == partition
                    && x.version() == version
                    && x.pipelineId().equals(pipelineId)) {
                return true;
            }
        }
        return false;
    }

    List<SilverBatch.Boundary> boundaries() {
        return boundaries;
    }

    IngestStats stats() {
        return stats;
    }

    /** The commit is done: starts again empty. */
    void committed(long nowNanos) {
        drop();
        lastCommit = nowNanos;
    }

    /** Forgets what waits (its partitions closed uncommitted: the next owner writes those events again). */
    void drop() {
        Arrays.fill(next, 0);
        any = false;
        boundaries.clear();
        stats.clear();
    }
}
