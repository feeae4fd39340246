package dev.dash.web.poll;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Polling pipelines on the web role (docs/polling.md), under {@code dash.poll.*}. */
@ConfigMapping(prefix = "dash.poll")
public interface WebPollConfig {
    /**
     * Destinations a polling source may name although they are loopback, link-local or private: host names,
     * {@code *.suffix} patterns, CIDR ranges. The same list as the ingestors'; empty by default.
     */
    Optional<List<String>> allowedDestinations();

    /** Longest wait for the first page of a dry run. */
    @WithDefault("10s")
    Duration testTimeout();

    /** Largest response a dry run reads. */
    @WithDefault("2M")
    MemorySize testMaxResponseSize();
}
