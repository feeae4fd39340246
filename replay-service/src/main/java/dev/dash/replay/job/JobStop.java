package dev.dash.replay.job;

/**
 * Raised to end a replay job's run without touching the replay: the lease is lost, the replay was cancelled or
 * moved on, or the node stops. Its own type so that the job's helpers ({@link RollupTracker}, the runner's
 * context) can stop a run without depending on {@link ReplayJob}.
 */
final class JobStop extends RuntimeException {
    JobStop(String why) {
        super(why, null, false, false);
    }
}
