package dev.dash.model.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.flywaydb.core.api.output.ValidateResult;

/**
 * The Dash database schema: the relational tables and the Silver tables, as Flyway migrations under
 * {@code db/migration/common} plus one Silver variant folder ({@link SilverVariant#location()}).
 *
 * <p>One service owns running the migrations ({@link #migrate}); the others call {@link #validate} until
 * it succeeds, so they never work against a schema older or newer than their own code.
 */
public final class DashSchema {
    /** Folder of the migrations every variant shares. */
    public static final String COMMON_LOCATION = "classpath:db/migration/common";

    private DashSchema() {}

    /**
     * Decides the Silver variant for a database. A database that already has the Silver schema keeps the
     * variant it was created with; a new one follows {@code choice}.
     *
     * @throws SchemaException when the database is unreachable, TimescaleDB is required but cannot be
     *     loaded, or the existing schema contradicts the choice
     */
    public static SilverVariant resolveVariant(DataSource dataSource, String schema, SilverVariant.Choice choice) {
        try (Connection c = dataSource.getConnection()) {
            SilverVariant existing = existingVariant(c, schema);
            if (existing != null) {
                if (choice != SilverVariant.Choice.AUTO && !existing.name().equals(choice.name())) {
                    throw new SchemaException(
                            "the database already holds the " + existing + " Silver schema, but " + choice
                                    + " was configured",
                            null);
                }
                return existing;
            }
            boolean timescale = timescaleLoadable(c);
            return switch (choice) {
                case PLAIN -> SilverVariant.PLAIN;
                case AUTO -> timescale ? SilverVariant.TIMESCALEDB : SilverVariant.PLAIN;
                case TIMESCALEDB -> {
                    if (!timescale) {
                        throw new SchemaException(
                                "TimescaleDB was required but the extension is neither installed nor available "
                                        + "with timescaledb in shared_preload_libraries",
                                null);
                    }
                    yield SilverVariant.TIMESCALEDB;
                }
            };
        } catch (SQLException e) {
            throw new SchemaException("cannot inspect the database: " + e.getMessage(), e);
        }
    }

    /** A Flyway instance over the common migrations and the given variant, in {@code schema}. */
    public static Flyway flyway(DataSource dataSource, String schema, SilverVariant variant) {
        return Flyway.configure(DashSchema.class.getClassLoader())
                .dataSource(dataSource)
                .schemas(schema)
                .defaultSchema(schema)
                .locations(COMMON_LOCATION, variant.location())
                .table("flyway_schema_history")
                .cleanDisabled(true)
                .validateMigrationNaming(true)
                .load();
    }

    /**
     * Brings the schema up to date (Flyway takes a database lock, so concurrent owners are safe).
     *
     * @return the variant in use and the number of migrations applied now
     * @throws SchemaException when the database is unreachable or a migration fails
     */
    public static Outcome migrate(DataSource dataSource, String schema, SilverVariant.Choice choice) {
        SilverVariant variant = resolveVariant(dataSource, schema, choice);
        try {
            MigrateResult result = flyway(dataSource, schema, variant).migrate();
            return new Outcome(variant, result.migrationsExecuted, result.targetSchemaVersion);
        } catch (RuntimeException e) {
            throw new SchemaException("migration failed: " + e.getMessage(), e);
        }
    }

    /**
     * Checks that the database holds exactly the migrations of this build, applied and unchanged.
     *
     * @throws SchemaException naming what is missing or different (e.g. not migrated yet)
     */
    public static Outcome validate(DataSource dataSource, String schema, SilverVariant.Choice choice) {
        SilverVariant variant = resolveVariant(dataSource, schema, choice);
        Flyway flyway = flyway(dataSource, schema, variant);
        ValidateResult result;
        try {
            result = flyway.validateWithResult();
        } catch (RuntimeException e) {
            throw new SchemaException("schema validation failed: " + e.getMessage(), e);
        }
        if (!result.validationSuccessful) {
            String problems = result.invalidMigrations.stream()
                    .map(m -> m.version + " " + m.description + ": " + m.errorDetails.errorMessage)
                    .collect(Collectors.joining("; "));
            throw new SchemaException(
                    "schema not ready: " + (problems.isEmpty() ? result.getAllErrorMessages() : problems), null);
        }
        var current = flyway.info().current();
        return new Outcome(
                variant, 0, current == null ? null : current.getVersion().getVersion());
    }

    /**
     * What a migration or validation found.
     *
     * @param variant the Silver variant of the database
     * @param applied migrations applied by this call (0 for a validation)
     * @param version the schema version now current
     */
    public record Outcome(SilverVariant variant, int applied, String version) {}

    private static SilverVariant existingVariant(Connection c, String schema) throws SQLException {
        try (PreparedStatement ps =
                c.prepareStatement("SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                        + "WHERE n.nspname = ? AND p.proname = 'dash_silver_variant'")) {
            ps.setString(1, schema);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT " + quoteIdent(schema) + ".dash_silver_variant()");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return SilverVariant.valueOf(rs.getString(1).toUpperCase(java.util.Locale.ROOT));
        }
    }

    private static boolean timescaleLoadable(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'), "
                                + "EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'), "
                                // Reading the setting needs pg_read_all_settings; without it, an available extension
                                // is tried, and a missing preload fails the migration with PostgreSQL's own error.
                                + "CASE WHEN pg_has_role('pg_read_all_settings', 'USAGE') "
                                + "THEN current_setting('shared_preload_libraries') LIKE '%timescaledb%' ELSE true END");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getBoolean(1) || (rs.getBoolean(2) && rs.getBoolean(3));
        }
    }

    private static String quoteIdent(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }
}
