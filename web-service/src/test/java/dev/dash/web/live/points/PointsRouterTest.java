package dev.dash.web.live.points;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.kafka.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The live points reader's per-record work: only the pipelines the node has open are decoded. */
class PointsRouterTest {
    private static final UUID OPEN = UUID.randomUUID();
    private static final UUID ELSEWHERE = UUID.randomUUID();

    private final List<PointsBatch> received = new ArrayList<>();
    private final PointsRouter router = new PointsRouter(Set.of(OPEN)::contains, received::add);

    @Test
    void aRecordOfAPipelineWithoutStreamOrCacheEntryIsSkippedUndecodedAndAnOpenOnesIsHandedOn() {
        PointsBatch open = batch(OPEN);
        router.accept(record(OPEN.toString(), PointsCodec.encode(open)));
        // Not even decoded: bytes that are no batch at all go unnoticed under another pipeline's key.
        router.accept(record(ELSEWHERE.toString(), "not a batch".getBytes(StandardCharsets.UTF_8)));
        router.accept(record(ELSEWHERE.toString(), PointsCodec.encode(batch(ELSEWHERE))));

        assertThat(received).containsExactly(open);
        assertThat(router.skipped()).isEqualTo(2);
    }

    @Test
    void aRecordNotKeyedByAPipelineIdIsDecodedAndAnUndecodableOneOfAnOpenPipelineIsDropped() {
        PointsBatch open = batch(OPEN);
        router.accept(record(null, PointsCodec.encode(open)));
        router.accept(record("not-a-uuid", PointsCodec.encode(open)));
        router.accept(record(OPEN.toString(), "not a batch".getBytes(StandardCharsets.UTF_8)));

        assertThat(received).containsExactly(open, open);
        assertThat(router.skipped()).isZero();
    }

    /** dash.points holds records of both formats across an upgrade: each is read into the same batch. */
    @Test
    void recordsOfBothFormatsAreHandedOnAlike() {
        PointsBatch open = batch(OPEN);
        router.accept(record(OPEN.toString(), PointsCodec.encode(open, 1)));
        router.accept(record(OPEN.toString(), PointsCodec.encode(open, 2)));

        assertThat(received).containsExactly(open, open);
    }

    private static PointsBatch batch(UUID pipeline) {
        Instant t = Instant.parse("2026-12-06T07:00:00Z");
        return new PointsBatch(
                pipeline,
                UUID.randomUUID(),
                t,
                List.of(new PointsBatch.Point(t, "temp", Map.of("device", "d-1"), 21.5, UUID.randomUUID(), 0, 1, t)));
    }

    private static ConsumerRecord<String, byte[]> record(String key, byte[] value) {
        return new ConsumerRecord<>(Topics.POINTS, 0, 0L, key, value);
    }
}
