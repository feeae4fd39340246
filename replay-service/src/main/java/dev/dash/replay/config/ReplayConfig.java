package dev.dash.replay.config;

import dev.dash.model.db.SilverVariant;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Configuration of the replay role, under {@code dash.*} (environment: {@code DASH_*}). */
@ConfigMapping(prefix = "dash")
public interface ReplayConfig {
    /** The database schema this service expects. */
    Schema schema();

    /** Kafka topics. */
    Kafka kafka();

    /** The Bronze archive in S3. */
    Bronze bronze();

    /** Schema settings. */
    interface Schema {
        /**
         * The PostgreSQL schema holding Dash's tables. Migrations are run by web-service; this service waits
         * until they are applied and match its own.
         */
        @WithDefault("public")
        String name();

        /** Silver variant: {@code auto} (TimescaleDB when the database can load it), {@code timescaledb} or {@code plain}. */
        @WithDefault("auto")
        SilverVariant.Choice silverVariant();

        /** Longest pause between two checks of a schema that is not ready yet. */
        @WithDefault("10s")
        Duration retryMax();
    }

    /** Kafka settings beyond {@code kafka.bootstrap.servers}. */
    interface Kafka {
        /** Replication factor of topics this service creates when missing (3 in production clusters). */
        @WithDefault("1")
        short replicationFactor();
    }

    /** Bronze settings. */
    interface Bronze {
        /** Bucket holding the raw events, read by replays (created when missing). */
        @WithDefault("dash-bronze")
        String bucket();
    }
}
