package dev.dash.model.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ControlCodecTest {
    @Test
    void roundTripsASnapshotInSnakeCase() {
        var doc = JsonNodeFactory.instance.objectNode().put("time", "received");
        PipelineConfig config = new PipelineConfig(
                UUID.randomUUID(),
                UUID.randomUUID(),
                "orders",
                "realtime",
                "active",
                "stripe",
                JsonNodeFactory.instance.objectNode(),
                300,
                259200,
                100,
                null,
                true,
                1,
                List.of(
                        new PipelineConfig.MappingVersion(1, "active", doc, null),
                        new PipelineConfig.MappingVersion(2, "pending", doc, Instant.parse("2026-01-01T00:00:00Z"))),
                List.of(new PipelineConfig.Secret(UUID.randomUUID(), new byte[] {1, 2, 3}, null)),
                7);
        byte[] json = ControlCodec.encode(config);
        assertThat(new String(json, StandardCharsets.UTF_8))
                .contains("\"signature_preset\":\"stripe\"", "\"dual_write_started_at\":\"2026-01-01T00:00:00Z\"");
        PipelineConfig back = ControlCodec.decode(json);
        assertThat(back).usingRecursiveComparison().isEqualTo(config);
    }

    @Test
    void refusesWhatIsNotASnapshot() {
        assertThatThrownBy(() -> ControlCodec.decode("{\"id\":".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a pipeline snapshot");
    }
}
