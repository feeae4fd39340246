package dev.dash.web.pipeline;

import java.time.Instant;
import java.util.UUID;

/**
 * A pipeline's recent ingest, for the pipelines list (from {@code pipeline_ingest_stats}, kept by the Silver
 * writers).
 *
 * @param eventsPerMinute events received in the last whole minute (every event the Silver writers read:
 *     mapped, quarantined or without a mapping yet); 0 when none
 * @param eventsThisMinute events received so far in the current minute
 * @param lastEventAt when the newest event was received (left out when none ever was)
 */
public record PipelineActivity(UUID pipelineId, long eventsPerMinute, long eventsThisMinute, Instant lastEventAt) {}
