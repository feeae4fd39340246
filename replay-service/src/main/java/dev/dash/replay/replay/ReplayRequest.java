package dev.dash.replay.replay;

import java.time.Instant;

/**
 * What an admin asks for.
 *
 * @param kind {@code mapping} (default): write the history under a pending version, then cut over;
 *     {@code quarantine}: re-map the pipeline's quarantined events with its active version
 * @param targetVersion for {@code mapping}: the pending version (default: the pipeline's pending version)
 * @param from optional start of the received-time window
 * @param to optional end of the window (exclusive)
 */
public record ReplayRequest(String kind, Integer targetVersion, Instant from, Instant to) {}
