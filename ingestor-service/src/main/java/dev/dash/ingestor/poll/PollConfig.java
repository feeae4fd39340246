package dev.dash.ingestor.poll;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The poller of polling pipelines (docs/polling.md), under {@code dash.poll.*} (environment: {@code DASH_POLL_*}). */
@ConfigMapping(prefix = "dash.poll")
public interface PollConfig {
    /** Whether this node polls; every polling node takes due pipelines from the shared schedule in PostgreSQL. */
    @WithDefault("true")
    boolean enabled();

    /**
     * How often this node looks for due pipelines (and renews the leases of the polls it runs). A poll starts at
     * most one tick (plus a random phase of up to half a tick, so that nodes share the claims) after its slot.
     */
    @WithDefault("PT0.25S")
    Duration tick();

    /**
     * How long a claimed poll is owned without renewal; capped at the pipeline's interval (at least 2 s), so a
     * crashed owner's pipeline is taken over within one interval.
     */
    @WithDefault("10s")
    Duration lease();

    /**
     * Most polls this node runs at once (its poll threads). A tick claims at most the free ones, so a node starts
     * at most about this many polls per tick (four ticks a second): 32 held a node below the 100 polls a second
     * that 1,000 pipelines at a 10 s interval need (bench/poll). The threads mostly wait for the sources,
     * PostgreSQL and Kafka.
     */
    @WithDefault("128")
    int maxConcurrent();

    /** This node's name in {@code poll_state.owner_node}; default: the host name and a random suffix. */
    Optional<String> nodeId();

    /** Connect timeout of a poll request. */
    @WithDefault("5s")
    Duration connectTimeout();

    /** Longest wait for a whole response. */
    @WithDefault("30s")
    Duration requestTimeout();

    /** Largest response body read; a larger one fails the page (the connection is reset). */
    @WithDefault("10M")
    MemorySize maxResponseSize();

    /** Retries of a page after a timeout, a connection failure or a 5xx (with jittered delays). */
    @WithDefault("2")
    int retries();

    /** Delay before a retry. */
    @WithDefault("500ms")
    Duration retryDelay();

    /** Random jitter added to or taken from the retry delay. */
    @WithDefault("250ms")
    Duration retryJitter();

    /** Requests a source's circuit breaker looks at before it may open. */
    @WithDefault("6")
    int breakerVolume();

    /** Share of failed requests among the last {@code breaker-volume} that opens the breaker. */
    @WithDefault("0.5")
    double breakerFailureRatio();

    /** How long an open breaker refuses requests to its source before letting one through. */
    @WithDefault("60s")
    Duration breakerDelay();

    /**
     * Longest {@code Retry-After} waited for within a run; a longer one ends the run and moves the next one to
     * that time.
     */
    @WithDefault("30s")
    Duration maxRetryAfter();

    /** How long a polled record's delivery id stays claimed while its publish is under way. */
    @WithDefault("10s")
    Duration dedupeLease();

    /** A poll that starts later than this after its slot counts as late ({@code dash_poll_late_total}). */
    @WithDefault("1s")
    Duration lateThreshold();

    /**
     * Destinations allowed although private: host names, {@code *.suffix} patterns, CIDR ranges. Empty by
     * default: loopback, link-local and private addresses are refused (server-side request forgery).
     * Web-service's {@code dash.poll.allowed-destinations} should hold the same list.
     */
    Optional<List<String>> allowedDestinations();
}
