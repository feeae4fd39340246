package dev.dash.replay;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/**
 * The one test profile of replay-service's tests that need settings other than {@code %test}'s, so that they share
 * one application build and start (each profile costs its own build at test discovery and its own start) instead of
 * one per class. Each setting serves one test class and is harmless to the other:
 * <ul>
 *   <li>replay jobs on, polled fast, swept soon ({@code ReplayJobTest}); the operator endpoints' test makes no
 *       replay;
 *   <li>the operator token {@link #OPS_TOKEN} ({@code OperatorEndpointsTest}); the job test calls no operator
 *       endpoint.
 * </ul>
 */
public class JobsProfile implements QuarkusTestProfile {
    /** {@code dash.ops.token} under this profile. */
    public static final String OPS_TOKEN = "ops-token-for-tests-0123456789";

    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of(
                "dash.replay.enabled", "true",
                "dash.replay.max-concurrent", "4",
                "dash.replay.poll-interval", "200ms",
                "dash.replay.progress-interval", "100ms",
                "dash.replay.cleanup-grace", "1s",
                "dash.replay.rollup-round-minutes", "1", // rounds behind the replay even over minutes of history
                "dash.replay.batch-rows", "150", // several batches per object: the overlapped writes are exercised
                "dash.ops.token", OPS_TOKEN);
    }
}
