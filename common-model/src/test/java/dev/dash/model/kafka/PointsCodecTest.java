package dev.dash.model.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class PointsCodecTest {
    @Test
    void roundTripsABatch() {
        PointsBatch batch = new PointsBatch(
                UUID.randomUUID(),
                UUID.randomUUID(),
                Instant.parse("2026-11-21T06:00:00.250Z"),
                List.of(new PointsBatch.Point(
                        Instant.parse("2026-11-21T06:00:00Z"),
                        "temp",
                        Map.of("site", "a"),
                        21.5,
                        UUID.randomUUID(),
                        3,
                        2,
                        Instant.parse("2026-11-21T06:00:00.012Z"))));
        byte[] json = PointsCodec.encode(batch);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"mapping_version\":2", "\"event_id\"");
        assertThat(PointsCodec.decode(json)).isEqualTo(batch);
    }

    @Test
    void rejectsWhatIsNotABatch() {
        assertThatThrownBy(() -> PointsCodec.decode("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
