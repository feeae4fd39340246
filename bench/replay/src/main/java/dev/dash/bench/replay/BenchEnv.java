package dev.dash.bench.replay;

import dev.dash.model.kafka.TopicNames;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Where the benchmark's pieces are: the local services from the environment ({@code deploy/local/services env}:
 * {@code DASH_PG_*}, {@code DASH_KAFKA_BOOTSTRAP}, {@code DASH_S3_*}) and its own knobs as system properties
 * ({@code -Dbench.db=...}, set by run.sh).
 */
final class BenchEnv {
    /** The topics of the installation under test: its {@code DASH_KAFKA_TOPIC_PREFIX}, as the services get it. */
    static final TopicNames TOPICS = new TopicNames(System.getenv().getOrDefault("DASH_KAFKA_TOPIC_PREFIX", ""));

    private BenchEnv() {}

    static String env(String name) {
        String v = System.getenv(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(name + " is not set: run through bench/replay/run.sh");
        }
        return v;
    }

    static String prop(String name, String fallback) {
        String v = System.getProperty("bench." + name);
        return v == null || v.isBlank() ? fallback : v;
    }

    static String prop(String name) {
        String v = prop(name, null);
        if (v == null) {
            throw new IllegalStateException("-Dbench." + name + " is required");
        }
        return v;
    }

    static long longProp(String name, long fallback) {
        return Long.parseLong(prop(name, String.valueOf(fallback)));
    }

    static String database() {
        return prop("db", "dash_bench_replay");
    }

    static String jdbcUrl(String db) {
        return "jdbc:postgresql://" + env("DASH_PG_HOST") + ":" + env("DASH_PG_PORT") + "/" + db;
    }

    static PGSimpleDataSource dataSource() {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setURL(jdbcUrl(database()));
        ds.setUser(env("DASH_PG_USER"));
        ds.setPassword(env("DASH_PG_PASSWORD"));
        return ds;
    }

    static Connection connect(String db) throws SQLException {
        return DriverManager.getConnection(jdbcUrl(db), env("DASH_PG_USER"), env("DASH_PG_PASSWORD"));
    }

    static S3Client s3() {
        return S3Client.builder()
                .endpointOverride(URI.create(env("DASH_S3_ENDPOINT")))
                .region(Region.of(env("DASH_S3_REGION")))
                .forcePathStyle(true)
                .httpClient(UrlConnectionHttpClient.create())
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(env("DASH_S3_ACCESS_KEY"), env("DASH_S3_SECRET_KEY"))))
                .build();
    }

    /** Partitions of {@code dash.raw}, as the replay job counts them. */
    static int rawPartitions() throws Exception {
        try (Admin admin = Admin.create(
                java.util.Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, env("DASH_KAFKA_BOOTSTRAP")))) {
            return admin.describeTopics(List.of(TOPICS.raw()))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(TOPICS.raw())
                    .partitions()
                    .size();
        }
    }

    static int exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }
}
