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

    @Test
    void theSilverWriterFetchesAtTheFirstByte() throws IOException {
        // Its fetch is on every event's way to live dashboards: a lingering fetch (65,536 bytes within 5 ms) saved CPU
        // at 3,000 single events/s but cost the live benchmark's p99 100-190 ms in three of three pairs
        // (docs/benchmarks.md, issue-singles2). The archiver, off that path, lingers.
        KafkaClients k = KafkaClientsTest.clients(shipped());
        assertThat(k.consumer("silver", Map.of()))
                .doesNotContainKey("fetch.min.bytes")
                .containsEntry("fetch.max.wait.ms", "50");
        assertThat(k.consumer("bronze", Map.of())).containsEntry("fetch.min.bytes", "1048576");
    }
}
