package dev.dash.ingestor.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.silver.IngestStats;
import dev.dash.model.silver.SilverBatch.Boundary;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** What written Silver batches leave for the next offset commit, and when it is due, without Kafka. */
class WrittenBatchesTest {
    private static final long MS = 1_000_000L;
    private static final long INTERVAL = 100 * MS;
    private final UUID pipeline = UUID.randomUUID();

    @Test
    void theFirstBatchAfterAQuietSpellIsCommittedAtOnceAndLaterOnesOncePerInterval() {
        long t = 1_000 * MS;
        WrittenBatches w = new WrittenBatches(INTERVAL, t);
        assertThat(w.due(t, false)).isFalse();

        w.add(next(0, 11), List.of(), new IngestStats());
        assertThat(w.due(t, false)).isTrue();
        assertThat(offsets(w)).containsExactly(Map.entry(new TopicPartition("raw", 0), new OffsetAndMetadata(11)));
        w.committed(t);

        // Batches written right after a commit wait for the interval, their offsets folded together.
        w.add(next(0, 15), List.of(), new IngestStats());
        w.add(next(2, 7), List.of(), new IngestStats());
        w.add(next(0, 20), List.of(), new IngestStats());
        assertThat(w.due(t + 10 * MS, false)).isFalse();
        assertThat(w.due(t + 99 * MS, false)).isFalse();
        assertThat(w.due(t + 100 * MS, false)).isTrue();
        assertThat(offsets(w))
                .containsOnly(
                        Map.entry(new TopicPartition("raw", 0), new OffsetAndMetadata(20)),
                        Map.entry(new TopicPartition("raw", 2), new OffsetAndMetadata(7)));
        w.committed(t + 100 * MS);
        assertThat(w.isEmpty()).isTrue();
        assertThat(w.due(t + 500 * MS, false)).isFalse();
    }

    @Test
    void closingPartitionsAndBoundariesCommitAtOnce() {
        long t = 0;
        WrittenBatches w = new WrittenBatches(INTERVAL, t);
        w.add(next(1, 5), List.of(), new IngestStats());
        w.committed(t);

        w.add(next(1, 9), List.of(), new IngestStats());
        assertThat(w.due(t + MS, false)).isFalse();
        assertThat(w.due(t + MS, true)).isTrue();

        // A replay waits for its boundaries: they do not wait for the interval.
        Boundary b = new Boundary(pipeline, 2, 3, 40);
        w.add(new long[0], List.of(b), new IngestStats());
        assertThat(w.due(t + MS, false)).isTrue();
        assertThat(w.holds(pipeline, 2, 3)).isTrue();
        assertThat(w.holds(pipeline, 2, 1)).isFalse();
        assertThat(w.boundaries()).containsExactly(b);
    }

    @Test
    void countsWaitForTheCommitAndADropForgetsEverything() {
        WrittenBatches w = new WrittenBatches(INTERVAL, 0);
        IngestStats s = new IngestStats();
        s.count(pipeline, Instant.parse("2026-12-07T11:00:00Z"));
        w.add(next(0, 3), List.of(new Boundary(pipeline, 2, 0, 1)), s);
        s.clear();
        assertThat(w.stats().isEmpty()).isFalse();

        w.drop();
        assertThat(w.isEmpty()).isTrue();
        assertThat(w.stats().isEmpty()).isTrue();
        assertThat(w.boundaries()).isEmpty();
        assertThat(offsets(w)).isEmpty();
    }

    private static long[] next(int partition, long offset) {
        long[] next = new long[partition + 1];
        next[partition] = offset;
        return next;
    }

    private static Map<TopicPartition, OffsetAndMetadata> offsets(WrittenBatches w) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        w.offsets("raw", out);
        return out;
    }
}
