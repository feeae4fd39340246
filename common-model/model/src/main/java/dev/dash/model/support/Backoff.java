package dev.dash.model.support;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Capped exponential back-off with jitter: the pause before attempt {@code n + 1} after {@code n} failures is
 * {@code min(max, initial * multiplier^(n-1))}, then moved by up to {@code jitter} (a fraction) either way so
 * that nodes retrying the same dependency do not retry in step. The one policy every retry loop of Dash uses
 * (consumer runtime, start-up steps).
 *
 * @param initial the pause after the first failure
 * @param max the longest pause
 * @param multiplier how much each further failure lengthens the pause (at least 1)
 * @param jitter a fraction from 0 (none) to 1 of the pause by which it is moved at random either way
 */
public record Backoff(Duration initial, Duration max, double multiplier, double jitter) {
    /** The usual policy: 250 ms doubling up to {@code max}, 10 % jitter. */
    public static Backoff upTo(Duration max) {
        return new Backoff(Duration.ofMillis(250), max, 2.0, 0.1);
    }

    /** The same pause every time (no growth, no jitter). */
    public static Backoff fixed(Duration pause) {
        return new Backoff(pause, pause, 1.0, 0.0);
    }

    public Backoff {
        Objects.requireNonNull(initial, "initial");
        Objects.requireNonNull(max, "max");
        if (initial.isNegative() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= initial <= max, not " + initial + " and " + max);
        }
        if (!(multiplier >= 1.0)) {
            throw new IllegalArgumentException("backoff multiplier must be at least 1, not " + multiplier);
        }
        if (!(jitter >= 0.0 && jitter <= 1.0)) {
            throw new IllegalArgumentException("backoff jitter must be 0 to 1, not " + jitter);
        }
    }

    /** The pause without jitter after {@code failures} failures in a row (1 or more; 0 gives no pause). */
    public Duration base(int failures) {
        if (failures <= 0) {
            return Duration.ZERO;
        }
        double millis = initial.toMillis() * Math.pow(multiplier, Math.min(failures - 1, 64));
        return millis >= max.toMillis() ? max : Duration.ofMillis((long) millis);
    }

    /** The pause after {@code failures} failures in a row, jitter applied (never above {@link #max()}). */
    public Duration delay(int failures) {
        Duration base = base(failures);
        if (jitter == 0.0 || base.isZero()) {
            return base;
        }
        double f = 1.0 + jitter * (ThreadLocalRandom.current().nextDouble() * 2.0 - 1.0);
        return Duration.ofMillis(Math.min(max.toMillis(), Math.round(base.toMillis() * f)));
    }
}
