package dev.dash.platform.config;

import dev.dash.model.db.SilverVariant;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The database schema every service uses, under {@code dash.schema} (environment: {@code DASH_SCHEMA_*}). The
 * services' own mappings reach it as {@code schema()}.
 */
@ConfigMapping(prefix = "dash.schema")
public interface SchemaConfig {
    /** The PostgreSQL schema holding Dash's tables. */
    @WithDefault("public")
    String name();

    /**
     * Whether this node runs the Flyway migrations at start-up; otherwise it waits until they are applied and
     * match its own. web-service, which owns the schema, sets it true (several web nodes may: Flyway serialises
     * them with a database lock); set it false there where migrations run as a separate step.
     */
    @WithDefault("false")
    boolean migrate();

    /**
     * Silver variant of a new database: {@code auto} (TimescaleDB when the database can load it), {@code
     * timescaledb} or {@code plain}.
     */
    @WithDefault("auto")
    SilverVariant.Choice silverVariant();

    /** Longest pause between two attempts at a start-up step (schema, topics, bucket) while its dependency is down. */
    @WithDefault("10s")
    Duration retryMax();
}
