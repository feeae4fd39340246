package dev.dash.ingestor.p2p;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Pipeline-to-pipeline forwarding (docs/polling.md), under {@code dash.p2p.*} (environment: {@code DASH_P2P_*}). */
@ConfigMapping(prefix = "dash.p2p")
public interface P2pConfig {
    /** Whether this node forwards points to p2p pipelines (a member of the p2p consumer group). */
    @WithDefault("true")
    boolean enabled();

    /** How often the list of p2p pipelines and their filters is read from the database. */
    @WithDefault("5s")
    Duration refreshInterval();

    /** Longest pause between two attempts while Kafka or PostgreSQL is failing. */
    @WithDefault("10s")
    Duration retryMax();
}
