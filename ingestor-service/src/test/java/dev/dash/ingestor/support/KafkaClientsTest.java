package dev.dash.ingestor.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.config.IngestorConfig;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Kafka client properties come from configuration, by Kafka's own (dotted) names, a client's over the shared ones. */
class KafkaClientsTest {
    static KafkaClients clients(Map<String, String> properties) {
        Map<String, String> all = new HashMap<>(properties);
        all.put("dash.crypto.keys", "k:x");
        SmallRyeConfig c = new SmallRyeConfigBuilder()
                .withMapping(IngestorConfig.class)
                .withConverter(java.time.Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(all, "test", 500))
                .build();
        return new KafkaClients(c.getConfigMapping(IngestorConfig.class), "broker:9092");
    }

    @Test
    void layersCodeDefaultsServiceWideAndPerClientSettings() {
        KafkaClients k = clients(Map.of(
                "dash.kafka.consumer.max.poll.records", "500",
                "dash.kafka.consumer.isolation.level", "read_committed",
                "dash.kafka.client.silver.max.poll.records", "2000",
                "dash.kafka.producer.acks", "all"));
        assertThat(k.consumer("silver", Map.of("client.id", "me", "max.poll.records", "1")))
                .containsEntry("bootstrap.servers", "broker:9092")
                .containsEntry("client.id", "me")
                .containsEntry("isolation.level", "read_committed")
                .containsEntry("max.poll.records", "2000")
                .doesNotContainKey("acks");
        assertThat(k.consumer("bronze", Map.of())).containsEntry("max.poll.records", "500");
        assertThat(k.producer("points", Map.of())).containsEntry("acks", "all").doesNotContainKey("isolation.level");
    }

    @Test
    void groupNamesCarryTheInstallationsPrefix() {
        assertThat(clients(Map.of()).group("silver")).isEqualTo("dash-silver");
        assertThat(clients(Map.of("dash.kafka.group-prefix", "eu1")).group("bronze"))
                .isEqualTo("eu1-bronze");
    }
}
