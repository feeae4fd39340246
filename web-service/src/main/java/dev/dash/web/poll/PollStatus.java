package dev.dash.web.poll;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.UUID;

/**
 * A polling pipeline's poll status, from {@code poll_state}.
 *
 * @param pipelineId the pipeline
 * @param state {@code running} (a node holds its lease), {@code scheduled}, {@code paused} (the pipeline is not
 *     active) or {@code never_polled}
 * @param intervalSeconds the interval
 * @param ownerNode the node running the poll now, or null
 * @param lastPolledAt when the last finished poll started
 * @param lastFinishedAt when it ended
 * @param lastStatus {@code ok}, {@code partial} (page limit reached, continued next time), {@code rate_limited}
 *     or {@code error}
 * @param lastError the last error's reason (kept after later successes), or null
 * @param lastErrorAt when it happened
 * @param consecutiveFailures failed polls in a row
 * @param lastRecords records of the last poll
 * @param lastPages pages of the last poll
 * @param totalRecords records of all polls
 * @param totalPolls polls so far
 * @param latePolls polls that started later than the late threshold after their slot
 * @param nextPollAt the next run
 * @param cursor the incremental state: {@code watermark}, and {@code run} while a run is under way
 */
public record PollStatus(
        UUID pipelineId,
        String state,
        Integer intervalSeconds,
        String ownerNode,
        Instant lastPolledAt,
        Instant lastFinishedAt,
        String lastStatus,
        String lastError,
        Instant lastErrorAt,
        int consecutiveFailures,
        long lastRecords,
        int lastPages,
        long totalRecords,
        long totalPolls,
        long latePolls,
        Instant nextPollAt,
        JsonNode cursor) {}
