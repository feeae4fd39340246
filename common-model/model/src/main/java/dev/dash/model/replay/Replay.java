package dev.dash.model.replay;

import java.time.Instant;
import java.util.UUID;

/**
 * A replay as replay-service's API shows it, and as it goes on {@code dash.replays} (web-service relays it
 * to the team's admins).
 *
 * @param id replay id
 * @param pipelineId the pipeline replayed
 * @param teamId its team
 * @param kind {@code mapping} (re-derive history under a pending version) or {@code quarantine}
 * @param fromVersion the version active when the replay was created
 * @param targetVersion the version written
 * @param windowFrom start of the replayed received-time window, null for the whole history
 * @param windowTo end of that window (exclusive), null for no end
 * @param state queued, waiting_for_archive, running, cutting_over, succeeded, failed, cancelled
 * @param cancelRequested whether a cancel was asked for and is not yet carried out
 * @param objectsTotal Bronze objects to read
 * @param objectsDone Bronze objects done (checkpointed)
 * @param eventsRead events read from Bronze
 * @param pointsWritten points written to Silver
 * @param bytesRead compressed bytes read from Bronze
 * @param errorCount events that failed the target version (quarantined)
 * @param lastError the last error of the job, if any
 * @param eventsPerSecond average read rate since the job started, null before it starts
 * @param etaSeconds estimated seconds to the end (by the share of the planned Bronze bytes read), null when unknown
 * @param createdAt when it was asked for
 * @param startedAt when the job began
 * @param finishedAt when it reached a final state
 */
public record Replay(
        UUID id,
        UUID pipelineId,
        UUID teamId,
        String kind,
        Integer fromVersion,
        int targetVersion,
        Instant windowFrom,
        Instant windowTo,
        String state,
        boolean cancelRequested,
        int objectsTotal,
        int objectsDone,
        long eventsRead,
        long pointsWritten,
        long bytesRead,
        long errorCount,
        String lastError,
        Double eventsPerSecond,
        Long etaSeconds,
        Instant createdAt,
        Instant startedAt,
        Instant finishedAt) {

    /** States a replay never leaves ({@link ReplayState#isFinal}). */
    public static boolean isFinal(String state) {
        return ReplayState.of(state).isFinal();
    }
}
