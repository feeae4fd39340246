package dev.dash.web.sink;

import io.smallrye.config.ConfigMapping;
import java.util.List;
import java.util.Optional;

/** What web-service checks of sink destinations when a sink is saved, under {@code dash.sinks.http}. */
@ConfigMapping(prefix = "dash.sinks.http")
public interface WebSinkConfig {
    /**
     * Destinations a webhook or Slack sink may name although they are loopback, link-local or private: host
     * names, {@code *.suffix} patterns, CIDR ranges. The same list as the ingestors' (which check the resolved
     * address of every delivery); empty by default.
     */
    Optional<List<String>> allowedDestinations();
}
