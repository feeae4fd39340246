package dev.dash.ingestor.sink;

import io.quarkus.runtime.configuration.MemorySize;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Sink delivery (docs/sinks.md), under {@code dash.sinks.*} (environment: {@code DASH_SINKS_*}). */
@ConfigMapping(prefix = "dash.sinks")
public interface SinksConfig {
    /** Whether this node reads {@code dash.points} into the sinks' outbox and delivers what is due. */
    @WithDefault("true")
    boolean enabled();

    /**
     * Waits before each retry of a failed delivery, in order; after the last one the delivery is failed. Each
     * wait gets a random jitter of up to {@code retry-jitter} of itself either way.
     */
    @WithDefault("5s,30s,2m,5m,30m,2h,5h,10h,10h")
    List<Duration> retrySchedule();

    /** Relative jitter of each retry wait (0 to 0.5). */
    @WithDefault("0.2")
    double retryJitter();

    /** Longest wait a receiver's {@code Retry-After} can impose before the next attempt. */
    @WithDefault("1h")
    Duration retryAfterMax();

    /** Threads delivering; each sink uses at most one at a time, so a slow sink holds only its own. */
    @WithDefault("8")
    int workers();

    /** Deliveries a worker takes from one sink's queue at a time. */
    @WithDefault("50")
    int claimSize();

    /** How long a node holds claimed deliveries; after a crash another node takes them when it ran out. */
    @WithDefault("2m")
    Duration lease();

    /** How often due deliveries and batches past their wait are looked for. */
    @WithDefault("500ms")
    Duration pollInterval();

    /** How long the list of sinks is trusted before a point newer than it makes the dispatcher reload it. */
    @WithDefault("250ms")
    Duration refreshInterval();

    /** Where a new consumer group starts in {@code dash.points}: this long before now. */
    @WithDefault("5m")
    Duration startBack();

    /** Circuit breaker of each sink. */
    Breaker breaker();

    /** Outbound HTTP. */
    Http http();

    /** Switching a failing sink off. */
    Disable disable();

    /** E-mail sinks and notices. */
    Email email();

    /** Circuit breaker settings. */
    interface Breaker {
        /** Consecutive failed attempts that open a sink's breaker (no attempts while open). */
        @WithDefault("5")
        int failures();

        /** How long the breaker stays open before one trial attempt. */
        @WithDefault("30s")
        Duration openFor();
    }

    /** Outbound HTTP settings (webhooks and Slack). */
    interface Http {
        /** Time to connect. */
        @WithDefault("5s")
        Duration connectTimeout();

        /** Time for the whole response after the request was sent. */
        @WithDefault("15s")
        Duration requestTimeout();

        /** Most response bytes read (the rest is discarded and the connection closed). */
        @WithDefault("64K")
        MemorySize maxResponse();

        /** Response bytes kept in the delivery log. */
        @WithDefault("1K")
        MemorySize logResponse();

        /**
         * Destinations allowed although they are loopback, private, link-local, shared, multicast or metadata
         * addresses: IP addresses, CIDR ranges ({@code 10.1.0.0/16}) or host names. Empty: none.
         */
        Optional<List<String>> allowedDestinations();
    }

    /** Auto-disable settings. */
    interface Disable {
        /** Consecutive failed attempts after which a sink is switched off (with {@code after}). */
        @WithDefault("50")
        int failures();

        /** ...and only once it has been failing for at least this long. */
        @WithDefault("72h")
        Duration after();
    }

    /** E-mail settings (SMTP itself is {@code quarkus.mailer.*}). */
    interface Email {
        /** Sender address of every e-mail. */
        @WithDefault("dash@localhost")
        String from();

        /** Link to the UI put in notices. */
        @WithDefault("http://localhost:8080")
        String uiUrl();
    }
}
