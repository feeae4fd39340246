package dev.dash.ingestor.sink;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.DoubleSupplier;

/**
 * When a failed delivery is tried again: the n-th retry waits the n-th step of the schedule, give or take a
 * random jitter, and never less than the receiver asked for with {@code Retry-After} (bounded by a maximum).
 * After the last step the delivery has failed.
 */
public final class RetrySchedule {
    private final List<Duration> steps;
    private final double jitter;
    private final Duration retryAfterMax;
    private final DoubleSupplier random;

    /**
     * @param steps wait before each retry
     * @param jitter relative jitter, 0 to 0.5
     * @param retryAfterMax longest wait a {@code Retry-After} may impose
     * @param random uniform in [0, 1)
     */
    public RetrySchedule(List<Duration> steps, double jitter, Duration retryAfterMax, DoubleSupplier random) {
        if (jitter < 0 || jitter > 0.5) {
            throw new IllegalArgumentException("jitter must be between 0 and 0.5");
        }
        this.steps = List.copyOf(steps);
        this.jitter = jitter;
        this.retryAfterMax = retryAfterMax;
        this.random = random;
    }

    /** Attempts a delivery gets in all: the first and one per step. */
    public int maxAttempts() {
        return steps.size() + 1;
    }

    /**
     * The wait after failed attempt {@code attempt} (1-based), or empty when it was the last.
     *
     * @param retryAfterMillis the receiver's {@code Retry-After}, if it sent one
     */
    public OptionalLong delayMillis(int attempt, OptionalLong retryAfterMillis) {
        if (attempt >= maxAttempts()) {
            return OptionalLong.empty();
        }
        long base = steps.get(attempt - 1).toMillis();
        long jittered = Math.max(0, Math.round(base * (1 + jitter * (2 * random.getAsDouble() - 1))));
        if (retryAfterMillis.isPresent()) {
            long asked = Math.min(retryAfterMillis.getAsLong(), retryAfterMax.toMillis());
            jittered = Math.max(jittered, asked);
        }
        return OptionalLong.of(jittered);
    }
}
