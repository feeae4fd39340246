package dev.dash.web.config;

import dev.dash.platform.config.CryptoConfig;
import dev.dash.platform.config.KafkaConfig;
import dev.dash.platform.config.SchemaConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Configuration of the web role, under {@code dash.*} (environment: {@code DASH_*}). */
@ConfigMapping(prefix = "dash")
public interface WebConfig {
    /** The database schema, which this service owns. */
    SchemaConfig schema();

    /** Kafka topics. */
    KafkaConfig kafka();

    /** Encryption at rest of pipeline secrets, source and sink configs. */
    CryptoConfig crypto();

    /** Where producers send events, for the ingest URL and curl example shown with a pipeline. */
    Ingest ingest();

    /** Public dashboard links. */
    PublicLinks publicLinks();

    /** The Silver query API. */
    Query query();

    /** The rollup job of plain PostgreSQL (TimescaleDB refreshes its continuous aggregates itself). */
    Rollups rollups();

    /** Delivery of pipeline snapshots on {@code dash.control}. */
    Control control();

    /** Delivery of pipeline snapshots on {@code dash.control}. */
    interface Control {
        /**
         * Longest wait for Kafka to acknowledge a snapshot sent after a change; beyond it (or on an error) the
         * change still succeeds and the pipeline stays in the outbox for redelivery.
         */
        @WithDefault("10s")
        Duration sendTimeout();

        /** How often the pipelines in the outbox are published again, until Kafka acknowledges them. */
        @WithDefault("5s")
        Duration redeliveryInterval();
    }

    /** Ingest settings. */
    interface Ingest {
        /** Public base URL of the ingestor, e.g. {@code https://ingest.example.com}. */
        @WithDefault("http://127.0.0.1:8081")
        String baseUrl();
    }

    /** Public dashboard settings. */
    interface PublicLinks {
        /** Requests per minute one public token may make (all viewers of the link together) before 429. */
        @WithDefault("120")
        int rateLimitPerMinute();

        /** Validity of a new public link when the request gives none. */
        @WithDefault("30d")
        Duration defaultTtl();
    }

    /** Query settings. */
    interface Query {
        /** Most buckets a series may have; the automatic bucket is the smallest that stays under it. */
        @WithDefault("500")
        int maxPoints();

        /** Longest time range one query may cover. */
        @WithDefault("400d")
        Duration maxRange();
    }

    /** Rollup job settings. */
    interface Rollups {
        /** Whether this node takes part in the rollup job (one node runs it at a time, by advisory lock). */
        @WithDefault("true")
        boolean enabled();
    }
}
