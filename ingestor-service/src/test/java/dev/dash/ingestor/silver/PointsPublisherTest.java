package dev.dash.ingestor.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.mapping.Labels;
import dev.dash.model.mapping.Point;
import dev.dash.model.silver.SilverBatch;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code dash.points} records of a batch, without a broker: per pipeline, keyed by its id, in the format the
 * publisher was given ({@code dash.silver.points-format}), each reading back as the pipeline's points in order.
 */
class PointsPublisherTest {
    private static final Instant T = Instant.parse("2026-12-07T08:00:00Z");

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void recordsCarryEachPipelinesPointsInTheFormatAsked(int format) {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        UUID team = UUID.randomUUID();
        UUID e1 = UUID.randomUUID();
        UUID e2 = UUID.randomUUID();
        UUID e3 = UUID.randomUUID();
        Labels labels = Labels.of(Map.of("site", "north", "device", "d-1"));
        SilverBatch batch = new SilverBatch();
        batch.addPoints(
                a, team, e1, 1, T, List.of(new Point(T, "temp", labels, 21.5), new Point(T, "hum", labels, 40)));
        batch.addPoints(b, team, e2, 3, T, List.of(new Point(T.plusSeconds(1), "temp", Labels.empty(), -1)));
        batch.addPoints(a, team, e3, 1, T, List.of(new Point(T.plusSeconds(2), "temp", labels, 22)));
        Instant committed = T.plusSeconds(5);

        List<ProducerRecord<String, byte[]>> records =
                new PointsPublisher(Map.of(), "points", format).records(batch, committed);

        assertThat(records).extracting(ProducerRecord::key).containsExactly(a.toString(), b.toString());
        assertThat(records).allSatisfy(r -> {
            assertThat(r.topic()).isEqualTo("points");
            assertThat(PointsCodec.format(r.value())).isEqualTo(format);
        });
        assertThat(PointsCodec.decode(records.get(0).value()))
                .isEqualTo(new PointsBatch(
                        a,
                        team,
                        committed,
                        List.of(
                                new PointsBatch.Point(T, "temp", labels, 21.5, e1, 0, 1, T),
                                new PointsBatch.Point(T, "hum", labels, 40, e1, 1, 1, T),
                                new PointsBatch.Point(T.plusSeconds(2), "temp", labels, 22, e3, 0, 1, T))));
        assertThat(PointsCodec.decode(records.get(1).value()))
                .isEqualTo(new PointsBatch(
                        b,
                        team,
                        committed,
                        List.of(new PointsBatch.Point(T.plusSeconds(1), "temp", Map.of(), -1, e2, 0, 3, T))));
    }
}
