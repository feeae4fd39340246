package dev.dash.model.replay;

import java.time.Duration;
import java.time.Instant;

/**
 * A replay's average rate and time left, from its counters, as replay-service's API and web-service's live
 * feed both show them.
 */
public final class ReplayRates {
    private ReplayRates() {}

    /** Events read per second since the job started, until {@code until}; null before it starts. */
    public static Double eventsPerSecond(long eventsRead, Instant startedAt, Instant until) {
        if (startedAt == null) {
            return null;
        }
        double seconds = Math.max(Duration.between(startedAt, until).toMillis(), 1) / 1000.0;
        return eventsRead / seconds;
    }

    /**
     * Seconds left, by the share of the planned Bronze bytes read so far (objects differ in size, bytes
     * much less in cost); null when unknown or ended.
     */
    public static Long etaSeconds(long bytesTotal, long bytesRead, Instant startedAt, Instant now, boolean ended) {
        if (startedAt == null || ended || bytesRead <= 0 || bytesTotal < bytesRead) {
            return null;
        }
        long elapsed = Duration.between(startedAt, now).toSeconds();
        return elapsed * (bytesTotal - bytesRead) / bytesRead;
    }
}
