package dev.dash.model.db;

import java.util.Locale;

/**
 * Which Silver schema a database carries. Both have the same tables, columns and functions, so the query
 * API and the writers serve both; they differ in how time partitions and rollups are kept.
 */
public enum SilverVariant {
    /** Hypertables, continuous aggregates, compression and retention policies. */
    TIMESCALEDB,
    /** Native daily range partitions, rollup tables refreshed by a job, {@code date_bin}. */
    PLAIN;

    /** The migration folder holding this variant's Silver scripts, beside {@code db/migration/common}. */
    public String location() {
        return "classpath:db/migration/" + name().toLowerCase(Locale.ROOT);
    }

    /**
     * What a service asks for: a fixed variant, or {@link #AUTO} to take TimescaleDB whenever the
     * database can load it.
     */
    public enum Choice {
        /** TimescaleDB when the extension is installed, or available and preloaded; plain otherwise. */
        AUTO,
        /** Require TimescaleDB; refuse to start without it. */
        TIMESCALEDB,
        /** Plain PostgreSQL even where TimescaleDB is available. */
        PLAIN
    }
}
