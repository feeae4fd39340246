package dev.dash.web.live;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Live dashboards over WebSockets (docs/live.md), under {@code dash.live.*} (environment: {@code DASH_LIVE_*}). */
@ConfigMapping(prefix = "dash.live")
public interface LiveConfig {
    /**
     * Shortest time between two deltas of one widget: points arriving meanwhile are merged into the next
     * one, so a widget gets at most about {@code 1 s / coalesce} frames per second however fast points come.
     */
    @WithDefault("100ms")
    Duration coalesce();

    /** Frames each dashboard stream keeps for clients that reconnect with their last sequence number. */
    @WithDefault("1000")
    int ringBuffer();

    /**
     * Frames one connection may have waiting (not yet written to its socket); a client over it is closed
     * with 1013 and reconnects for a snapshot, so a slow client never holds back others nor fills memory.
     */
    @WithDefault("500")
    int maxQueuedFrames();

    /**
     * How long a slide of a relative range waits for the widget's next delta to carry it ({@code drop_before} in
     * the delta, docs/live.md) before it goes out as a {@code drop_before} frame of its own (at least {@link
     * #coalesce()}): a client drops a bucket that slid out at most this late, and a widget whose deltas come
     * this often costs no frame per slide.
     */
    @WithDefault("1s")
    Duration slideWait();

    /** How often each dashboard stream sends a heartbeat frame. */
    @WithDefault("15s")
    Duration heartbeat();

    /**
     * A connection from which nothing was heard (no message, no pong to the server's pings) for this long is
     * closed as half-open.
     */
    @WithDefault("60s")
    Duration idleTimeout();

    /**
     * How often open connections are checked against the database: a revoked or expired public token (4403),
     * a deleted dashboard (4404), a membership ended (1008).
     */
    @WithDefault("5s")
    Duration accessCheck();

    /**
     * How long a public link's dashboard, as a live connect looks it up, is remembered: within it the upgrade
     * check, the endpoint's open and every other connect with the same link reuse one lookup, and while it is
     * being read every other connect waits for the same read (a reconnect storm of thousands of viewers costs a
     * few queries, not several per viewer). A link revoked meanwhile can open a connection for at most this long,
     * which the next {@link #accessCheck()} closes; 0 asks the database on every connect.
     */
    @WithDefault("1s")
    Duration accessCache();

    /**
     * How long a dashboard stream without viewers is kept, with its ring buffer, for viewers that come back
     * (a reconnect storm, a page reload).
     */
    @WithDefault("60s")
    Duration streamLinger();

    /** How long a shared snapshot may be handed to newly joining viewers (with the frames since) before it is read again. */
    @WithDefault("30s")
    Duration snapshotReuse();

    /**
     * A widget read for a stream's snapshot that fails for a reason that may pass (no pooled connection in time, a
     * lost connection, a cancelled statement: anything but the data endpoint's own refusal) is tried again this many
     * times, the viewers waiting for the snapshot still waiting; 0 tries once. When every try failed the waiting
     * viewers get an {@code error} frame for the widget and the stream goes on reading it (docs/live.md, "Snapshots
     * that fail").
     */
    @WithDefault("5")
    int snapshotRetries();

    /**
     * The wait before the first try again of a failed snapshot read; each next wait doubles, up to 16 times this
     * (with jitter), which is also how often a stream tries again a widget whose snapshot could not be read at all.
     */
    @WithDefault("200ms")
    Duration snapshotRetryBackoff();

    /** The hot cache of recent buckets per widget query (docs/live.md, "Hot cache"). */
    Cache cache();

    /** Under {@code dash.live.cache.*}. */
    interface Cache {
        /** Whether deltas come from the hot cache; off, every delta reads its buckets from Silver. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Most bucket states (label sets times buckets) one widget query may keep; a query over it is given up
         * and its widgets read their changed buckets from Silver, so memory stays bounded.
         */
        @WithDefault("100000")
        int maxBuckets();

        /**
         * Identities of recent points remembered per pipeline, so a batch the Silver writer publishes again is
         * not counted twice.
         */
        @WithDefault("50000")
        int dedupePoints();

        /**
         * How far apart the Silver writer's and this node's clocks may be: a point committed within this much of
         * a cache read may or may not be in it, and its bucket is read again.
         */
        @WithDefault("250ms")
        Duration clockMargin();

        /** How often each widget query's buckets are read again in full, replacing anything that drifted. */
        @WithDefault("60s")
        Duration refresh();
    }
}
