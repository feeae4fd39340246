package dev.dash.ingestor.testing;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.time.Duration;
import java.util.Map;

/**
 * One test profile for the ingestor's tests that need timings other than {@code %test}'s, so that they share one
 * application build and start (7 to 9 s each here) instead of one per test class. Each setting serves one test and
 * is harmless to the others:
 * <ul>
 *   <li>a Silver flush interval (60 s) far longer than a test, the writer's group starting at the end of the shared
 *       {@code dash.raw}: {@code SilverIdleFlushTest} shows that the adaptive flush writes at once anyway;
 *   <li>the ingest door's idle timeout and body deadline at {@link #DOOR_TIMEOUT} (20 s in production):
 *       {@code IngestHostileInputTest} shows that idle and trickling connections are closed by them, without waiting
 *       20 s;
 *   <li>the poll request timeout and lease at 30 s (2 s and 3 s in {@code %test}): {@code PollRetryAfterTest} counts
 *       the requests a 429 is followed by, and a loaded machine's late answer, retried after a 2 s timeout, or a
 *       lease run out during the wait and claimed again, asked once more (neither test above polls).
 * </ul>
 */
public class ShortTimings implements QuarkusTestProfile {
    /** {@code quarkus.http.idle-timeout} and {@code dash.ingest.body-timeout} under this profile. */
    public static final Duration DOOR_TIMEOUT = Duration.ofSeconds(5);

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "dash.silver.flush-interval",
                "60s",
                "dash.kafka.client.silver.auto.offset.reset",
                "latest",
                "quarkus.http.idle-timeout",
                DOOR_TIMEOUT.toSeconds() + "s",
                "dash.ingest.body-timeout",
                DOOR_TIMEOUT.toSeconds() + "s",
                "dash.poll.request-timeout",
                "30s",
                "dash.poll.lease",
                "30s");
    }
}
