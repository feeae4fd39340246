package dev.dash.model.testing;

import dev.dash.model.db.DashSchema;
import dev.dash.model.db.Databases;
import dev.dash.model.db.SchemaException;
import dev.dash.model.db.SilverVariant;
import dev.dash.model.kafka.TopicNames;
import dev.dash.model.kafka.Topics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The real PostgreSQL, Kafka, S3 server and Keycloak a test run talks to. They are started once, by
 * {@code deploy/local/services up} (which the README's test command runs first; a test started from an IDE
 * starts them here when they are not running), and shared by every test class of every module.
 *
 * <p>{@code DASH_TEST_PG_URL} (a JDBC URL, with {@code DASH_TEST_PG_USER} and {@code DASH_TEST_PG_PASSWORD})
 * points the suite at an external PostgreSQL instead, e.g. one with TimescaleDB.
 *
 * <p><b>Silver variant.</b> The system property {@code dashtest.silver} (or the environment variable
 * {@code DASH_TEST_SILVER}) says which Silver variant the run's test database carries:
 * <ul>
 *   <li>{@code timescaledb}, or unset when the server has the TimescaleDB extension installed: the test database
 *       itself ({@code DASH_PG_TEST_DB}), migrated with {@link SilverVariant.Choice#TIMESCALEDB}, so that a
 *       server with the extension installed but not preloaded fails the run instead of quietly testing plain;
 *   <li>{@code plain}: a database of its own, {@code <DASH_PG_TEST_DB>_plain}, created when missing and
 *       migrated with {@link SilverVariant.Choice#PLAIN} (the build's second test execution for the classes
 *       tagged {@code silver}, see the parent pom);
 *   <li>unset on a server without TimescaleDB: the test database, plain.
 * </ul>
 * A test database that holds the other variant (made before TimescaleDB was installed), or migrations other
 * than this build's, is dropped and made again.
 */
public final class LocalServices {
    private static final String GROUP_PREFIX =
            "dash-test-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    private static final String TOPIC_PREFIX = GROUP_PREFIX + ".";
    private static final TopicNames TOPICS = new TopicNames(TOPIC_PREFIX);
    /** The JUnit tag of the test classes that touch Silver, run once per Silver variant. */
    public static final String SILVER_TAG = "silver";

    private static Endpoints endpoints;
    private static SilverVariant variant;
    private static boolean migrated;

    private LocalServices() {}

    /** Starts whatever is not running (once per JVM) and returns where the services listen. */
    public static synchronized Endpoints ensureStarted() {
        if (endpoints == null) {
            Map<String, String> env = servicesEnv();
            if (!allListening(env)) {
                ServicesScript.run(Map.of(), 600, List.of("up"));
                env = servicesEnv();
            }
            Endpoints base = toEndpoints(env);
            variant = decideVariant(base);
            endpoints = variant == SilverVariant.PLAIN && requested().equals("plain")
                    ? base.withDatabase(base.pgDatabase() + "_plain")
                    : base;
            if (!endpoints.pgDatabase().equals(base.pgDatabase())) {
                createDatabaseIfMissing(base, endpoints.pgDatabase());
            }
            createTopics(endpoints.kafkaBootstrap());
            deleteTopicsOnExit(endpoints.kafkaBootstrap());
        }
        return endpoints;
    }

    /** The Silver variant of this run's test database (see the class comment). */
    public static synchronized SilverVariant silverVariant() {
        ensureStarted();
        return variant;
    }

    /** True when the server has the TimescaleDB extension installed (so the suite must test on it). */
    public static boolean timescaleInstalled(Endpoints e) {
        try (Connection c = connect(e, e.pgDatabase());
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(
                        "SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb')")) {
            rs.next();
            return rs.getBoolean(1);
        } catch (SQLException ex) {
            throw new IllegalStateException("cannot reach the test PostgreSQL: " + ex.getMessage(), ex);
        }
    }

    /**
     * Drops a database the tests made. TimescaleDB's scheduler (a background worker of the superuser) may be
     * connected to it, which {@code DROP DATABASE ... WITH (FORCE)} cannot end for a non-superuser: new
     * connections are refused first, so the scheduler leaves and does not come back, and the drop is retried
     * until it has gone.
     */
    public static void dropDatabase(Endpoints e, String database) {
        String maintenance = e.pgDatabase().equals(database) ? "postgres" : e.pgDatabase();
        try (Connection c = connect(e, maintenance)) {
            Databases.drop(c, database, 60_000);
        } catch (SQLException ex) {
            throw new IllegalStateException("cannot drop database " + database + ": " + ex.getMessage(), ex);
        }
    }

    private static String requested() {
        String v = System.getProperty("dashtest.silver", System.getenv("DASH_TEST_SILVER"));
        return v == null || v.isBlank() ? "auto" : v.strip().toLowerCase(java.util.Locale.ROOT);
    }

    private static SilverVariant decideVariant(Endpoints e) {
        return switch (requested()) {
            case "plain" -> SilverVariant.PLAIN;
            case "timescaledb" -> SilverVariant.TIMESCALEDB;
            case "auto" -> timescaleInstalled(e) ? SilverVariant.TIMESCALEDB : SilverVariant.PLAIN;
            default ->
                throw new IllegalStateException(
                        "dashtest.silver / DASH_TEST_SILVER must be timescaledb, plain or auto, not " + requested());
        };
    }

    private static void createDatabaseIfMissing(Endpoints e, String database) {
        try (Connection c = connect(e, e.pgDatabase());
                Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + database + "'")) {
                if (rs.next()) {
                    return;
                }
            }
            s.execute("CREATE DATABASE " + quote(database));
        } catch (SQLException ex) {
            if (!"42P04".equals(ex.getSQLState())) { // made by a concurrent JVM meanwhile
                throw new IllegalStateException("cannot create database " + database + ": " + ex.getMessage(), ex);
            }
        }
    }

    private static Connection connect(Endpoints e, String database) throws SQLException {
        return DriverManager.getConnection(
                "jdbc:postgresql://" + e.pgHost() + ":" + e.pgPort() + "/" + database, e.pgUser(), e.pgPassword());
    }

    private static String quote(String identifier) {
        return '"' + identifier.replace("\"", "\"\"") + '"';
    }

    /**
     * Starts the services and brings the test database's schema up to date. In production web-service owns
     * the migrations; in a test run any module may come first, so the harness applies them once for all.
     */
    public static synchronized Endpoints ensureStartedAndMigrated() {
        Endpoints e = ensureStarted();
        if (!migrated) {
            PGSimpleDataSource ds = dataSource(e);
            SilverVariant.Choice choice = SilverVariant.Choice.valueOf(variant.name());
            try {
                DashSchema.migrate(ds, "public", choice);
            } catch (SchemaException ex) {
                String m = ex.getMessage() == null ? "" : ex.getMessage();
                if (!m.contains("already holds")
                        && !m.contains("checksum mismatch")
                        && !m.contains("not resolved locally")) {
                    throw ex;
                }
                // Made with the other variant (e.g. before TimescaleDB was installed), or by migrations that
                // differ from this build's (an edited one, or another branch's): a test database is disposable.
                dropDatabase(e, e.pgDatabase());
                createDatabaseIfMissing(
                        e.withDatabase(e.pgDatabase().equals("postgres") ? "template1" : "postgres"), e.pgDatabase());
                DashSchema.migrate(ds, "public", choice);
            }
            migrated = true;
        }
        return e;
    }

    /**
     * A database of its own for one test class, dropped and made afresh and migrated to this run's Silver
     * variant: {@code <test database>_<suffix>}. For tests that run real archivers and replays, which must not
     * read what other tests faked in the shared test database (archiver progress, manifests, boundaries).
     */
    public static synchronized Endpoints freshDatabase(String suffix) {
        Endpoints shared = ensureStartedAndMigrated();
        String name = shared.pgDatabase() + "_" + suffix;
        dropDatabase(shared, name);
        createDatabaseIfMissing(shared, name);
        Endpoints own = shared.withDatabase(name);
        DashSchema.migrate(dataSource(own), "public", SilverVariant.Choice.valueOf(variant.name()));
        return own;
    }

    private static PGSimpleDataSource dataSource(Endpoints e) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(e.jdbcUrl());
        ds.setUser(e.pgUser());
        ds.setPassword(e.pgPassword());
        return ds;
    }

    /**
     * This test run's {@code dash.kafka.group-prefix}: its consumer groups are its own, so test runs sharing the
     * broker (another module, another worktree, a benchmark) do not take each other's partitions.
     */
    public static String groupPrefix() {
        return GROUP_PREFIX;
    }

    /**
     * This test run's {@code dash.kafka.topic-prefix} ({@code <group prefix>.}, so {@code
     * dash-test-1a2b3c4d.dash.raw}): its topics are its own, so test runs sharing the broker do not learn each other's
     * pipelines from the control topic or write each other's events, and a new run's groups have no backlog to read.
     */
    public static String topicPrefix() {
        return TOPIC_PREFIX;
    }

    /** This test run's topic names ({@link #topicPrefix()}). */
    public static TopicNames topics() {
        return TOPICS;
    }

    /**
     * Creates this run's topics before any service of the run starts, as an installation's topics exist long before
     * its traffic: a service creates them too, but in the background, and a test that ingests at once would meet a
     * topic still being created (503 {@code kafka_unavailable}).
     */
    private static void createTopics(String bootstrap) {
        try (org.apache.kafka.clients.admin.Admin admin = org.apache.kafka.clients.admin.Admin.create(Map.of(
                "bootstrap.servers", bootstrap, "request.timeout.ms", 10_000, "default.api.timeout.ms", 20_000))) {
            admin.createTopics(TOPICS.specs().stream()
                            .map(s -> new org.apache.kafka.clients.admin.NewTopic(s.name(), s.partitions(), (short) 1)
                                    .configs(s.config()))
                            .toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                throw new IllegalStateException("cannot create this run's topics: " + e.getCause(), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot create this run's topics: " + e, e);
        }
    }

    /**
     * Deletes this run's topics when the JVM exits, so test runs do not pile topics up on the shared broker. Best
     * effort: the services the run started have stopped by then; a run killed outright leaves its topics, which
     * {@code kafka-topics.sh --delete --topic 'dash-test-.*'} removes while no test runs.
     */
    private static void deleteTopicsOnExit(String bootstrap) {
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try (org.apache.kafka.clients.admin.Admin admin =
                                    org.apache.kafka.clients.admin.Admin.create(Map.of(
                                            "bootstrap.servers",
                                            bootstrap,
                                            "request.timeout.ms",
                                            5_000,
                                            "default.api.timeout.ms",
                                            10_000))) {
                                admin.deleteTopics(TOPICS.specs().stream()
                                                .map(Topics.Spec::name)
                                                .toList())
                                        .all()
                                        .get(10, TimeUnit.SECONDS);
                            } catch (Exception e) {
                                // Not created (a run without Kafka), or the broker is gone: nothing to do.
                            }
                        },
                        "delete-test-topics"));
    }

    /** True when the suite runs against an external PostgreSQL that it must not stop. */
    public static boolean externalPostgres() {
        return System.getenv("DASH_TEST_PG_URL") != null;
    }

    /** The repository root: from the build ({@code dashtest.repo.root}) or found upwards from the working directory. */
    public static Path repoRoot() {
        String fromBuild = System.getProperty("dashtest.repo.root");
        if (fromBuild != null && Files.exists(Path.of(fromBuild, "deploy/local/services"))) {
            return Path.of(fromBuild);
        }
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("deploy/local/services"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "deploy/local/services not found above " + Path.of("").toAbsolutePath());
    }

    private static Map<String, String> servicesEnv() {
        String out = ServicesScript.run(Map.of(), 60, List.of("env"));
        Map<String, String> env = new HashMap<>();
        for (String line : out.split("\n")) {
            String l = line.strip();
            if (l.startsWith("export ")) {
                l = l.substring("export ".length());
            }
            int eq = l.indexOf('=');
            if (eq > 0) {
                env.put(l.substring(0, eq), unquote(l.substring(eq + 1)));
            }
        }
        return env;
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && ((v.startsWith("'") && v.endsWith("'")) || (v.startsWith("\"") && v.endsWith("\"")))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    private static boolean allListening(Map<String, String> env) {
        boolean pg = externalPostgres() || listening(env.get("DASH_PG_HOST"), env.get("DASH_PG_PORT"));
        URI s3 = URI.create(env.get("DASH_S3_ENDPOINT"));
        URI kc = URI.create(env.get("DASH_KC_ADMIN_URL"));
        String[] kafka = env.get("DASH_KAFKA_BOOTSTRAP").split(":");
        return pg
                && listening(kafka[0], kafka[1])
                && listening(s3.getHost(), String.valueOf(s3.getPort()))
                && listening(kc.getHost(), String.valueOf(kc.getPort()));
    }

    private static boolean listening(String host, String port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, Integer.parseInt(port)), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Endpoints toEndpoints(Map<String, String> env) {
        String pgHost = env.get("DASH_PG_HOST");
        int pgPort = Integer.parseInt(env.get("DASH_PG_PORT"));
        String pgDb = env.get("DASH_PG_TEST_DB");
        String pgUser = env.get("DASH_PG_USER");
        String pgPassword = env.get("DASH_PG_PASSWORD");
        String external = System.getenv("DASH_TEST_PG_URL");
        if (external != null) {
            // jdbc:postgresql://host:port/db
            URI u = URI.create(external.substring("jdbc:".length()));
            pgHost = u.getHost();
            pgPort = u.getPort() < 0 ? 5432 : u.getPort();
            pgDb = u.getPath().substring(1);
            pgUser = System.getenv().getOrDefault("DASH_TEST_PG_USER", "postgres");
            pgPassword = System.getenv().getOrDefault("DASH_TEST_PG_PASSWORD", "");
        }
        return new Endpoints(
                pgHost,
                pgPort,
                pgDb,
                pgUser,
                pgPassword,
                external != null,
                env.get("DASH_KAFKA_BOOTSTRAP"),
                env.get("DASH_S3_ENDPOINT"),
                env.get("DASH_S3_ACCESS_KEY"),
                env.get("DASH_S3_SECRET_KEY"),
                env.get("DASH_S3_REGION"),
                env.get("DASH_OIDC_URL"),
                env.get("DASH_KC_ADMIN_URL"),
                env.get("DASH_KC_ADMIN_USER"),
                env.get("DASH_KC_ADMIN_PASSWORD"));
    }
}
