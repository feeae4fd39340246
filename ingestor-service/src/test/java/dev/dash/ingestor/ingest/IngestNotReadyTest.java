package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.config.IngestorConfig;
import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.model.signature.Headers;
import dev.dash.model.testing.PackagedService;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.runtime.configuration.DurationConverter;
import io.quarkus.runtime.configuration.MemorySize;
import io.quarkus.runtime.configuration.MemorySizeConverter;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A node whose pipeline cache is not loaded yet (it is starting) answers 503 {@code not_ready} with
 * {@code Retry-After} instead of 404 {@code pipeline_not_found}: a producer told 404 drops the delivery for good.
 * The fault suite (ChaosShortIT) saw 14 such 404s from an ingestor restarted after {@code kill -9}.
 */
class IngestNotReadyTest {
    static IngestorConfig config() {
        return new SmallRyeConfigBuilder()
                .withMapping(IngestorConfig.class)
                .withConverter(java.time.Duration.class, 200, new DurationConverter())
                .withConverter(MemorySize.class, 200, new MemorySizeConverter())
                .withSources(new PropertiesConfigSource(
                        Map.of("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS), "test", 500))
                .build()
                .getConfigMapping(IngestorConfig.class);
    }

    static IngestService service() {
        IngestorConfig config = config();
        PipelineCache cache = new PipelineCache(new PipelineRepository(null), config);
        return new IngestService(cache, null, null, new QuotaRepository(null), config, new SimpleMeterRegistry(), null);
    }

    @Test
    void anUnknownPipelineBeforeTheCacheIsLoadedIsA503WithRetryAfter() {
        IngestResult result = service()
                .ingest(new IngestService.Request(
                        UUID.randomUUID().toString(),
                        Headers.empty(),
                        "{}".getBytes(StandardCharsets.UTF_8),
                        "application/json",
                        null,
                        Instant.now()))
                .join();
        IngestRejection r = ((IngestResult.Refused) result).rejection();
        assertThat(r.status()).isEqualTo(503);
        assertThat(r.error()).isEqualTo("not_ready");
        assertThat(r.headers()).containsKey("Retry-After");
    }
}
