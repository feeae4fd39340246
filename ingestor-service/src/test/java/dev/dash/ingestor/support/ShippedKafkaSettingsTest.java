package dev.dash.ingestor.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The Kafka client settings the ingestor ships with (its {@code application.properties}), as its clients get them:
 * what docs/configuration.md and docs/benchmarks.md say they are.
 */
class ShippedKafkaSettingsTest {
    static Map<String, String> shipped() throws IOException {
        Properties p = new Properties();
        try (InputStream in = ShippedKafkaSettingsTest.class.getResourceAsStream("/application.properties")) {
            p.load(in);
        }
        Map<String, String> kafka = new HashMap<>();
        p.stringPropertyNames().stream()
                .filter(k -> k.startsWith("dash.kafka."))
                .forEach(k -> kafka.put(k, p.getProperty(k)));
        return kafka;
    }

    @Test
    void dashRawIsSentLz4Compressed() throws IOException {
        // Batches of one request's records compress about tenfold (their metadata repeats): the broker and both
        // consumers handle a tenth of the bytes (docs/benchmarks.md, issue-batchcpu).
        KafkaClients k = KafkaClientsTest.clients(shipped());
        assertThat(k.producer("ingest", Map.of()))
                .containsEntry("compression.type", "lz4")
                .containsEntry("acks", "all")
                .containsEntry("linger.ms", "1");
        // dash.points records are binary and small; they stay as they are.
        assertThat(k.producer("points", Map.of())).doesNotContainKey("compression.type");
    }
}
