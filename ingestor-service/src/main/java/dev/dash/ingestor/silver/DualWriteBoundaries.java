package dev.dash.ingestor.silver;

import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.model.silver.SilverBatch;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.IntToLongFunction;

/**
 * What the Silver writer knows of dual-write boundaries in its current assignment: for which pending
 * versions and partitions one is recorded, and when to look for pending versions that still lack one. A
 * boundary is the first offset of a partition from which every event is written under the pending version
 * too; replay cuts over once every partition has one. Pure bookkeeping, tested without Kafka.
 */
final class DualWriteBoundaries {
    private record Key(UUID pipelineId, int version, int partition) {}

    private final Set<Key> recorded = new HashSet<>();
    private final long intervalNanos;
    private boolean checkDue = true;
    private long lastCheck;

    /** @param intervalNanos how often pending versions are looked for without an assignment change */
    DualWriteBoundaries(long intervalNanos) {
        this.intervalNanos = intervalNanos;
    }

    /** A new assignment or reloaded pipelines: look for missing boundaries at the next chance. */
    void checkSoon() {
        checkDue = true;
    }

    /** Whether it is time to look for pending versions without a boundary. */
    boolean due(long nowNanos) {
        return checkDue || nowNanos - lastCheck >= intervalNanos;
    }

    /** Forgets everything (a new consumer session). */
    void reset() {
        recorded.clear();
        checkDue = true;
    }

    /** Forgets the partitions this node no longer holds. */
    void forget(Collection<Integer> partitions) {
        Set<Integer> gone = new HashSet<>(partitions);
        recorded.removeIf(k -> gone.contains(k.partition()));
    }

    /** Whether the boundary of this version and partition is recorded in this assignment. */
    boolean recorded(UUID pipelineId, int version, int partition) {
        return recorded.contains(new Key(pipelineId, version, partition));
    }

    /** The database now holds these boundaries. */
    void recorded(Collection<SilverBatch.Boundary> boundaries) {
        for (SilverBatch.Boundary b : boundaries) {
            recorded.add(new Key(b.pipelineId(), b.version(), b.partition()));
        }
    }

    /**
     * For every pending version and every held partition without a boundary for it, one at the partition's
     * next offset to process ({@code nextOffset}; -1 when unknown, that partition is tried at the next check).
     * The cache knows the version now and only moves forward, so every event from there on is written under
     * it. Without this a pipeline that gets no traffic would never have one, and its replay would wait for
     * ever. Versions no longer pending are forgotten.
     */
    List<SilverBatch.Boundary> missing(
            long nowNanos,
            List<PipelineCache.PendingVersion> pending,
            Collection<Integer> partitions,
            IntToLongFunction nextOffset) {
        checkDue = false;
        lastCheck = nowNanos;
        Set<PipelineCache.PendingVersion> live = new HashSet<>(pending);
        // Versions replaced, promoted or cancelled meanwhile need no boundary any more.
        recorded.removeIf(k -> !live.contains(new PipelineCache.PendingVersion(k.pipelineId(), k.version())));
        List<SilverBatch.Boundary> out = new ArrayList<>();
        if (pending.isEmpty()) {
            return out;
        }
        for (int partition : partitions) {
            long next = -1;
            for (PipelineCache.PendingVersion v : pending) {
                if (recorded(v.pipelineId(), v.version(), partition)) {
                    continue;
                }
                if (next < 0) {
                    next = nextOffset.applyAsLong(partition);
                    if (next < 0) {
                        break;
                    }
                }
                out.add(new SilverBatch.Boundary(v.pipelineId(), v.version(), partition, next));
            }
        }
        return out;
    }
}
