package dev.dash.ingestor.poll;

import dev.dash.model.poll.SourceException;
import io.smallrye.faulttolerance.api.Guard;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One SmallRye Fault Tolerance guard per polled source (programmatic API, since the sources are data, not
 * methods): retries with jitter after timeouts, connection failures and 5xx answers, and a circuit breaker
 * that stops calling a failing source for a while. A 4xx, a 429 or a refused destination neither retries
 * nor counts against the breaker: they are the configuration's or the rate limit's business.
 */
final class SourceGuards {
    private final PollConfig config;
    private final ConcurrentHashMap<UUID, Guard> guards = new ConcurrentHashMap<>();

    SourceGuards(PollConfig config) {
        this.config = config;
    }

    Guard forPipeline(UUID pipelineId) {
        return guards.computeIfAbsent(pipelineId, this::create);
    }

    private Guard create(UUID pipelineId) {
        return Guard.create()
                .withDescription("poll source of pipeline " + pipelineId)
                .withRetry()
                .maxRetries(config.retries())
                .delay(config.retryDelay().toMillis(), ChronoUnit.MILLIS)
                .jitter(config.retryJitter().toMillis(), ChronoUnit.MILLIS)
                .maxDuration(config.requestTimeout().toMillis() * (config.retries() + 2L), ChronoUnit.MILLIS)
                .whenException(SourceGuards::failure)
                .done()
                .withCircuitBreaker()
                .requestVolumeThreshold(config.breakerVolume())
                .failureRatio(config.breakerFailureRatio())
                .delay(config.breakerDelay().toMillis(), ChronoUnit.MILLIS)
                .successThreshold(1)
                .when(SourceGuards::failure)
                .done()
                .build();
    }

    static boolean failure(Throwable e) {
        return e instanceof SourceException s && s.retryable();
    }
}
