package dev.dash.web.config;

import dev.dash.model.db.SilverVariant;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** Configuration of the web role, under {@code dash.*} (environment: {@code DASH_*}). */
@ConfigMapping(prefix = "dash")
public interface WebConfig {
    /** The database schema, which this service owns. */
    Schema schema();

    /** Kafka topics. */
    Kafka kafka();

    /** Encryption at rest of pipeline secrets, source and sink configs. */
    Crypto crypto();

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

    /** Encryption keys. */
    interface Crypto {
        /**
         * The key ring: {@code id:base64key[,id:base64key...]}, each key 32 random bytes (AES-256). Every key
         * that encrypted something still stored must stay listed until the re-encryption job has rewritten it.
         */
        String keys();

        /** The id of the key new ciphertexts use; empty for the last key of {@code keys}. */
        Optional<String> activeKey();
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

    /** Schema settings. */
    interface Schema {
        /** The PostgreSQL schema holding Dash's tables. */
        @WithDefault("public")
        String name();

        /**
         * Whether this node runs the Flyway migrations at start-up. Several web nodes may: Flyway serialises
         * them with a database lock. Set false where migrations run as a separate step.
         */
        @WithDefault("true")
        boolean migrate();

        /** Silver variant of a new database: {@code auto} (TimescaleDB when the database can load it), {@code timescaledb} or {@code plain}. */
        @WithDefault("auto")
        SilverVariant.Choice silverVariant();

        /** Longest pause between two attempts while the database is unreachable. */
        @WithDefault("10s")
        Duration retryMax();
    }

    /** Kafka settings beyond {@code kafka.bootstrap.servers}. */
    interface Kafka {
        /** Replication factor of topics this service creates when missing (3 in production clusters). */
        @WithDefault("1")
        short replicationFactor();

        /**
         * Prefix of this installation's consumer groups (none yet: the web nodes read without a group): two installations sharing a Kafka cluster need
         * different prefixes, or they take each other's partitions.
         */
        @WithDefault("dash")
        String groupPrefix();

        /** Kafka properties of every plain consumer of this service, by Kafka's names ({@code dash.kafka.consumer.max.poll.records}). */
        Map<String, String> consumer();

        /** Kafka properties of every plain producer of this service, by Kafka's names. */
        Map<String, String> producer();

        /** Kafka properties of one client, over {@code consumer}/{@code producer}: {@code dash.kafka.client.<client>.<property>}. */
        Map<String, Map<String, String>> client();
    }
}
