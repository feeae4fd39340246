package dev.dash.web.replay;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/**
 * Where web-service forwards the replay API (docs/ui.md, "Replays"), under {@code dash.replay-api.*}: the
 * browser calls {@code /api/teams/{team}/pipelines/{pipeline}/replays...} on this origin with its session, and
 * this node forwards the call to replay-service with the caller's own access token.
 */
@ConfigMapping(prefix = "dash.replay-api")
public interface ReplayApiConfig {
    /**
     * Base URL of replay-service's API (for example {@code http://dash-replay:8082}); without it the replay
     * routes answer 503.
     */
    Optional<String> url();

    /** Longest wait for replay-service's answer before the call is answered with 503. */
    @WithDefault("10s")
    Duration timeout();
}
