package dev.dash.ingestor.config;

import dev.dash.platform.config.CryptoConfig;
import dev.dash.platform.config.KafkaConfig;
import dev.dash.platform.config.SchemaConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Configuration of the ingestor role, under {@code dash.*} (environment: {@code DASH_*}). */
@ConfigMapping(prefix = "dash")
public interface IngestorConfig {
    /** The database schema this service expects. */
    SchemaConfig schema();

    /** Kafka topics. */
    KafkaConfig kafka();

    /** The Bronze archive in S3. */
    Bronze bronze();

    /** The key ring that opens pipeline secrets. */
    CryptoConfig crypto();

    /** The ingest API. */
    Ingest ingest();

    /** The pipeline configuration cache. */
    Pipelines pipelines();

    /** The Silver writer. */
    Silver silver();

    /** Ingest API settings. */
    interface Ingest {
        /** Largest request body accepted, compressed or not, and largest body after gzip decompression (413 beyond). */
        @WithDefault("5M")
        io.quarkus.runtime.configuration.MemorySize maxBodySize();

        /**
         * Most events published to Kafka but not yet acknowledged on this node; beyond it requests get 503. Sized
         * for an acknowledgement peak at full speed, not for the mean: at 44,000–48,000 small events/s the acks'
         * p99 is 100–200 ms (4,400–9,600 events waiting) while Kafka keeps up, and 5,000 (DESIGN.md's figure) refused
         * 31–321 requests a minute there; 20,000 refused none (docs/benchmarks.md, "The admission cap"). Memory
         * stays bounded by {@code max-in-flight-bytes}, which binds first for events over about 3.3 KiB.
         */
        @WithDefault("20000")
        int maxInFlightEvents();

        /** Most bytes published to Kafka but not yet acknowledged on this node; beyond it requests get 503. */
        @WithDefault("64M")
        io.quarkus.runtime.configuration.MemorySize maxInFlightBytes();

        /**
         * Most request-body bytes this node holds at once, from the first byte read until the answer (a request
         * without {@code Content-Length} counts as {@code max-body-size}); a request beyond it gets 503
         * {@code overloaded} before its body is read. Bounds the heap under a flood of large bodies, which are
         * buffered and copied before {@code max-in-flight-bytes} is checked (the overload run saw
         * {@code OutOfMemoryError} without it).
         */
        @WithDefault("32M")
        io.quarkus.runtime.configuration.MemorySize maxBufferedBytes();

        /** Longest wait for Kafka's acknowledgement before answering 503 (the producer's delivery timeout). */
        @WithDefault("10s")
        Duration publishTimeout();

        /** The {@code Retry-After} given with a 503. */
        @WithDefault("2s")
        Duration retryAfter();

        /** How long a dedupe record stays pending (its publish in progress) before another delivery may take it over. */
        @WithDefault("30s")
        Duration dedupeLease();

        /**
         * How long a dedupe commit (the mark that a delivery was published, written after Kafka's acknowledgement,
         * on no request's path) waits for others to go in one statement; 0 writes each group at once. Meanwhile a
         * retry reaching this node is answered as a duplicate from memory, one reaching another node gets 503
         * {@code delivery_in_progress}.
         */
        @WithDefault("20ms")
        Duration dedupeCommitLinger();

        /**
         * How long a dedupe claim (on the request's path, before its publish) waits for others to go in one
         * statement; 0 sends each at once, grouping only the claims that arrive while a statement runs.
         */
        @WithDefault("0ms")
        Duration dedupeClaimLinger();

        /**
         * How many dedupe claim statements may run at once. One runs whenever claims wait; above 1, another starts
         * beside it only while at least 32 claims wait (a statement late by about 5 ms at 6,000 requests/s), on another
         * pooled connection, so one late statement does not hold every request behind it. 1 (the default): one at a
         * time; on a machine short of CPU more statements were no faster (docs/benchmarks.md, issue-singles).
         */
        @WithDefault("1")
        int dedupeClaimStatements();

        /** How often expired dedupe records are deleted. */
        @WithDefault("5m")
        Duration dedupeCleanupInterval();

        /**
         * Bodies larger than this (as sent) are verified and parsed on a worker thread instead of the event loop. A
         * gzip body always is, whatever its size: a few KiB sent can be megabytes decompressed.
         */
        @WithDefault("64K")
        io.quarkus.runtime.configuration.MemorySize workerThreshold();

        /**
         * The {@code dash.raw} record format this node writes (docs/architecture.md, "The dash.raw record"): 3, the
         * envelope's metadata in one {@code dash.meta} header and the body as the value; 2, the metadata in a header
         * per field; or 1, the JSON envelope. Every consumer reads all three; during a rolling upgrade keep the format
         * the oldest node consuming {@code dash.raw} reads (1 or 2) until every such node runs this version.
         */
        @WithDefault("3")
        int rawFormat();

        /**
         * Longest time from a request's headers to the last byte of its body; a slower body is answered 408 and
         * its connection closed, so slow senders cannot hold connections (idle ones are closed after
         * {@code quarkus.http.idle-timeout}).
         */
        @WithDefault("20s")
        Duration bodyTimeout();
    }

    /** Pipeline configuration cache settings. */
    interface Pipelines {
        /** How often the cache is reconciled with the database, as a safety net beside {@code dash.control}. */
        @WithDefault("60s")
        Duration reconcileInterval();
    }

    /** Bronze settings. */
    interface Bronze {
        /** Bucket holding the raw events (created when missing). */
        @WithDefault("dash-bronze")
        String bucket();

        /** Whether this node runs the Bronze archiver (consumer group {@code <group-prefix>-bronze}). */
        @WithDefault("true")
        boolean archiverEnabled();

        /** An object is uploaded once it holds this many events. */
        @WithDefault("100000")
        int rotateEvents();

        /** An object is uploaded once its uncompressed JSON Lines reach this size. */
        @WithDefault("64M")
        io.quarkus.runtime.configuration.MemorySize rotateBytes();

        /**
         * Size of the parts of a multipart upload (5M to 1G; S3's smallest part is 5 MiB): an object is sent to
         * S3 a part at a time as its compressed bytes fill one, so an open object holds about one part in
         * memory; an object smaller than a part is sent with one PUT when it closes.
         */
        @WithDefault("8M")
        io.quarkus.runtime.configuration.MemorySize partSize();

        /** An object is uploaded at the latest this long after its first event was added. */
        @WithDefault("60s")
        Duration rotateAge();

        /**
         * gzip level of the objects, 1 (fastest) to 9 (smallest). The default 3 compresses about twice as fast as
         * gzip's usual 6 for 12 % larger objects (docs/benchmarks.md): at 100,000 events/s level 6 alone takes
         * half a core.
         */
        @WithDefault("3")
        int compressionLevel();

        /** Longest pause between two attempts at an upload while S3 (or PostgreSQL) is failing. */
        @WithDefault("10s")
        Duration retryMax();

        /**
         * Version of the Bronze lines written for format-2 records (docs/architecture.md, "The Bronze line"): 2 (a
         * JSON body unescaped, parsed once by a replay) or 1 (the body an escaped string), only while replay
         * services that read nothing but version 1 still run during an upgrade.
         */
        @WithDefault("2")
        int lineVersion();
    }

    /** Silver writer settings. */
    interface Silver {
        /** Whether this node runs the Silver writer (consumer group {@code <group-prefix>-silver}). */
        @WithDefault("true")
        boolean writerEnabled();

        /** A batch is written once it holds this many rows (1,000 to 10,000). */
        @WithDefault("5000")
        int batchRows();

        /** A batch is written at the latest this long after its first row. */
        @WithDefault("250ms")
        Duration flushInterval();

        /**
         * A batch is written as soon as it is this old and the writer has read everything waiting on its
         * partitions (nothing would join the batch by waiting longer), without waiting for {@link #flushInterval()}:
         * under light load an event is written as soon as it is read; under heavy load records keep waiting, so
         * batches still grow to {@link #batchRows()} or {@link #flushInterval()}. Equal to the flush interval:
         * batches always wait for it (the behaviour before this setting). Above 0, a batch also goes at once when no
         * batch was written for this long (leading edge), else once it is this old: fewer, larger batches at a few
         * thousand single events a second (each batch costs a COPY, a commit and a {@code dash.points} record;
         * offsets are committed per {@link #commitInterval()}), at the price of up to this delay on a steady load's
         * way to live dashboards. 0 by default: 100 ms took the live benchmark's p99 from about 210 to 398 ms at
         * 1,000 events/s (docs/benchmarks.md).
         */
        @WithDefault("0ms")
        Duration idleFlush();

        /**
         * Offsets of written batches are committed to Kafka at most this often while batches keep coming (the first
         * batch after a quiet spell at once): at low rates a batch holds a handful of events, and a commit per batch
         * is a round trip to the group coordinator each. Only the commit waits, never the write or the points; a
         * crash in between has the next owner write those events again, which the idempotent writes make harmless.
         * 0 commits after every batch.
         */
        @WithDefault("100ms")
        Duration commitInterval();

        /** Longest pause between two attempts at a batch while PostgreSQL is failing. */
        @WithDefault("10s")
        Duration retryMax();

        /**
         * The {@code dash.points} record format this node writes (docs/architecture.md, "The dash.points record"): 2,
         * binary, or 1, JSON. Every consumer reads both; during a rolling upgrade keep 1 until every node consuming
         * {@code dash.points} (web nodes, ingestors' sinks and p2p) runs a version that reads format 2.
         */
        @WithDefault("2")
        int pointsFormat();
    }
}
