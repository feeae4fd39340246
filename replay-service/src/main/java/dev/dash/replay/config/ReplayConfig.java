package dev.dash.replay.config;

import dev.dash.platform.config.KafkaConfig;
import dev.dash.platform.config.SchemaConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Configuration of the replay role, under {@code dash.*} (environment: {@code DASH_*}). */
@ConfigMapping(prefix = "dash")
public interface ReplayConfig {
    /** The database schema this service expects. */
    SchemaConfig schema();

    /** Kafka topics. */
    KafkaConfig kafka();

    /** The Bronze archive in S3. */
    Bronze bronze();

    /** The replay jobs. */
    Job replay();

    /** Bronze settings. */
    interface Bronze {
        /** Bucket holding the raw events, read by replays (the ingestor creates it on its first start). */
        @WithDefault("dash-bronze")
        String bucket();
    }

    /** Replay job settings (docs/replay.md). */
    interface Job {
        /** Whether this node runs replay jobs (the API is served either way). */
        @WithDefault("true")
        boolean enabled();

        /** Jobs this node runs at once; further ones wait queued. */
        @WithDefault("2")
        int maxConcurrent();

        /**
         * Events per second this node reads from Bronze over all its jobs (0: no limit), so live ingest keeps
         * its latency on shared PostgreSQL.
         */
        @WithDefault("100000")
        int maxEventsPerSecond();

        /** Rows per Silver write (COPY). */
        @WithDefault("10000")
        int batchRows();

        /**
         * Bronze objects of one job read and mapped at once, each on a thread of its own: the next objects are
         * fetched and mapped while the last batches of earlier ones are written. Checkpoints stay per object and
         * in plan order. 1 reads one object at a time (still overlapping its writes).
         */
        @WithDefault("2")
        int objectsInFlight();

        /**
         * Connections one job writes Silver batches over at once (each batch is one COPY and one transaction on
         * one of them). More than one lets PostgreSQL use more than one core for a replay; each takes a
         * connection of the pool ({@code quarkus.datasource.jdbc.max-size}) while writing.
         */
        @WithDefault("2")
        int writeConnections();

        /**
         * Settled minutes of history a mapping replay's rollup refresh behind it waits for before it runs a round
         * (docs/replay.md, step 4): each round has a fixed cost besides its rows (planning its statements over every
         * partition, rebuilding the hours it touches), so rounds of a minute or two spent much of the replay's
         * backend CPU on it; at most this many more minutes are left to the refresh before the cut-over.
         */
        @WithDefault("10")
        int rollupRoundMinutes();

        /** How long a claimed job stays this node's without renewal; a dead node's jobs are resumed after it. */
        @WithDefault("30s")
        Duration lease();

        /** How often the node looks for queued or abandoned jobs, and a waiting job rechecks the archive. */
        @WithDefault("1s")
        Duration pollInterval();

        /** Least time between two progress reports of a job on {@code dash.replays} and in the table. */
        @WithDefault("1s")
        Duration progressInterval();

        /**
         * How long after a version stops being written (cut-over, failure, cancel) its rows are deleted, long
         * enough for every Silver writer to have seen the new snapshot; swept once more a grace period later.
         */
        @WithDefault("2m")
        Duration cleanupGrace();

        /** Rows deleted per statement by the clean-up. */
        @WithDefault("50000")
        int cleanupBatchRows();

        /** This node's name in {@code replays.owner_node} (default: host name and process id). */
        java.util.Optional<String> nodeId();
    }
}
