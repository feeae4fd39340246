package dev.dash.ingestor.bronze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.support.KafkaClients;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.time.Clock;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A compression level gzip does not have, or a Bronze line version that does not exist, stops the archiver at start-up
 * with the setting's name.
 */
class BronzeArchiverConfigTest {
    static IngestorConfig config(String level) {
        return config(Map.of("dash.bronze.compression-level", level));
    }

    static IngestorConfig config(Map<String, String> settings) {
        Map<String, String> all = new java.util.HashMap<>(settings);
        all.put("dash.crypto.keys", "k:x");
        SmallRyeConfig c = new SmallRyeConfigBuilder()
                .withMapping(IngestorConfig.class)
                // Quarkus' own converters, as the application has them.
                .withConverter(java.time.Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(all, "test", 500))
                .build();
        return c.getConfigMapping(IngestorConfig.class);
    }

    static BronzeArchiver archiver(IngestorConfig config) {
        return new BronzeArchiver(
                null,
                null,
                config,
                Clock.systemUTC(),
                new SimpleMeterRegistry(),
                new KafkaClients(config, "localhost:1"));
    }

    @Test
    void refusesALevelGzipDoesNotHave() {
        for (String bad : new String[] {"0", "10", "-1"}) {
            assertThatThrownBy(() -> archiver(config(bad)))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("dash.bronze.compression-level must be 1 (fastest) to 9 (smallest), not " + bad);
        }
    }

    @Test
    void refusesALineVersionThatDoesNotExistAndDefaultsTo2() {
        assertThat(config(Map.of()).bronze().lineVersion()).isEqualTo(2);
        for (String bad : new String[] {"0", "3"}) {
            assertThatThrownBy(() -> archiver(config(Map.of("dash.bronze.line-version", bad))))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("dash.bronze.line-version must be 1 or 2, not " + bad);
        }
        assertThat(archiver(config(Map.of("dash.bronze.line-version", "1")))).isNotNull();
    }

    @Test
    void acceptsTheDefaultAndTheBounds() {
        assertThat(config("3").bronze().compressionLevel()).isEqualTo(3);
        for (String ok : new String[] {"1", "9"}) {
            assertThat(archiver(config(ok))).isNotNull();
        }
    }
}
