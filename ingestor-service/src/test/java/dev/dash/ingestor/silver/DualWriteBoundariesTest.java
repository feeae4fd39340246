package dev.dash.ingestor.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineCache.PendingVersion;
import dev.dash.model.silver.SilverBatch.Boundary;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The Silver writer's boundary bookkeeping, without Kafka or a database. */
class DualWriteBoundariesTest {
    private static final long SECOND = 1_000_000_000L;
    private final UUID a = UUID.randomUUID();
    private final UUID b = UUID.randomUUID();
    private final DualWriteBoundaries boundaries = new DualWriteBoundaries(SECOND);

    @Test
    void everyPendingVersionGetsABoundaryOnEveryHeldPartitionAtItsNextOffset() {
        Map<Integer, Long> next = Map.of(0, 10L, 1, 20L);
        List<Boundary> missing = boundaries.missing(
                0, List.of(new PendingVersion(a, 2), new PendingVersion(b, 5)), List.of(0, 1), next::get);
        assertThat(missing)
                .containsExactlyInAnyOrder(
                        new Boundary(a, 2, 0, 10), new Boundary(b, 5, 0, 10),
                        new Boundary(a, 2, 1, 20), new Boundary(b, 5, 1, 20));
    }

    @Test
    void aRecordedBoundaryIsNotAskedForAgainUntilThePartitionIsForgotten() {
        List<PendingVersion> pending = List.of(new PendingVersion(a, 2));
        boundaries.recorded(List.of(new Boundary(a, 2, 0, 10)));
        assertThat(boundaries.recorded(a, 2, 0)).isTrue();
        assertThat(boundaries.missing(0, pending, List.of(0, 1), p -> 30L)).containsExactly(new Boundary(a, 2, 1, 30));

        // Another member may have moved on: after a rebalance the partition needs a boundary of this node again.
        boundaries.forget(List.of(0));
        assertThat(boundaries.recorded(a, 2, 0)).isFalse();
        assertThat(boundaries.missing(0, pending, List.of(0), p -> 40L)).containsExactly(new Boundary(a, 2, 0, 40));
    }

    @Test
    void versionsNoLongerPendingAreForgotten() {
        boundaries.recorded(List.of(new Boundary(a, 2, 0, 10)));
        assertThat(boundaries.missing(0, List.of(), List.of(0), p -> 1L)).isEmpty();
        assertThat(boundaries.recorded(a, 2, 0)).isFalse();
    }

    @Test
    void aPartitionWhoseOffsetIsUnknownIsLeftForTheNextCheck() {
        List<Boundary> missing =
                boundaries.missing(0, List.of(new PendingVersion(a, 2)), List.of(0, 1), p -> p == 0 ? -1 : 7L);
        assertThat(missing).containsExactly(new Boundary(a, 2, 1, 7));
    }

    @Test
    void checksAreDueAfterAnAssignmentOrReloadAndThenOncePerInterval() {
        assertThat(boundaries.due(0)).isTrue();
        boundaries.missing(0, List.of(), List.of(), p -> 0L);
        assertThat(boundaries.due(SECOND / 2)).isFalse();
        assertThat(boundaries.due(SECOND)).isTrue();
        boundaries.missing(SECOND, List.of(), List.of(), p -> 0L);
        boundaries.checkSoon();
        assertThat(boundaries.due(SECOND + 1)).isTrue();
    }
}
