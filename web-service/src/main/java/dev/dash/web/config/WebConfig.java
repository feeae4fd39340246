package dev.dash.web.config;

import dev.dash.model.db.SilverVariant;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Configuration of the web role, under {@code dash.*} (environment: {@code DASH_*}). */
@ConfigMapping(prefix = "dash")
public interface WebConfig {
    /** The database schema, which this service owns. */
    Schema schema();

    /** Kafka topics. */
    Kafka kafka();

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
    }
}
