package dev.dash.ingestor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.testing.BronzeContents;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The packaged ingestor killed with {@code kill -9} in the middle of a load, then started again: every event
 * that got a 2xx is in Bronze and in Silver, once. Needs {@code target/quarkus-app} (run after
 * {@code package}, e.g. {@code ./mvnw -pl ingestor-service verify}).
 */
class IngestorCrashIT {
    static final Pattern ID = Pattern.compile("\"event_ids\":\\[\"([0-9a-f-]{36})\"");

    @Test
    void everyAcknowledgedEventSurvivesAKill9() throws Exception {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        int port = PackagedService.freePort();
        Set<UUID> acknowledged = ConcurrentHashMap.newKeySet();
        try (TestPipelines pipelines = new TestPipelines()) {
            Created p = pipelines.create(Spec.of("none").withMapping(IngestEndToEndTest.MAPPING));
            PipelineConfig snapshot = new dev.dash.ingestor.pipeline.PipelineRepository(dataSource(env)).load(p.id());
            pipelines.publish(snapshot);
            Process ingestor = start(env, port, "first");
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            ExecutorService load = Executors.newFixedThreadPool(4);
            AtomicBoolean loading = new AtomicBoolean(true);
            AtomicInteger counter = new AtomicInteger();
            try {
                PackagedService.awaitReady(port, Duration.ofSeconds(90));
                for (int t = 0; t < 4; t++) {
                    load.submit(() -> {
                        while (loading.get()) {
                            int n = counter.getAndIncrement();
                            try {
                                HttpResponse<String> r = http.send(
                                        HttpRequest.newBuilder(
                                                        URI.create("http://127.0.0.1:" + port + "/ingest/" + p.id()))
                                                .timeout(Duration.ofSeconds(5))
                                                .header("content-type", "application/json")
                                                .POST(HttpRequest.BodyPublishers.ofString(
                                                        "{\"n\":" + n + ",\"kind\":\"crash\"}"))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() / 100 == 2) {
                                    Matcher m = ID.matcher(r.body());
                                    if (m.find()) {
                                        acknowledged.add(UUID.fromString(m.group(1)));
                                    }
                                }
                            } catch (IOException e) {
                                // The node is down: the request was not acknowledged, so it may be lost.
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                                return;
                            }
                        }
                    });
                }
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= 1500);
                ingestor.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                int beforeKill = acknowledged.size();
                ingestor = start(env, port, "second");
                PackagedService.awaitReady(port, Duration.ofSeconds(90));
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.size() >= beforeKill + 500);
                loading.set(false);
                load.shutdown();
                assertThat(load.awaitTermination(30, TimeUnit.SECONDS)).isTrue();

                S3Client s3 = S3Client.builder()
                        .endpointOverride(URI.create(env.s3Endpoint()))
                        .region(Region.of(env.s3Region()))
                        .forcePathStyle(true)
                        .credentialsProvider(StaticCredentialsProvider.create(
                                AwsBasicCredentials.create(env.s3AccessKey(), env.s3SecretKey())))
                        .build();
                Awaitility.await()
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofSeconds(2))
                        .untilAsserted(() -> {
                            try (Connection c = pipelines.connect()) {
                                Set<UUID> silver = new HashSet<>();
                                long rows = 0;
                                try (PreparedStatement ps =
                                        c.prepareStatement("SELECT event_id FROM metrics WHERE pipeline_id = ?")) {
                                    ps.setObject(1, p.id());
                                    try (ResultSet rs = ps.executeQuery()) {
                                        while (rs.next()) {
                                            silver.add(rs.getObject(1, UUID.class));
                                            rows++;
                                        }
                                    }
                                }
                                assertThat(silver).containsAll(acknowledged);
                                assertThat(rows)
                                        .as("one row per event: nothing doubled")
                                        .isEqualTo(silver.size());
                                List<RawEnvelope> bronze = BronzeContents.read(c, s3, "dash-bronze", p.id());
                                Set<UUID> archived = new HashSet<>();
                                bronze.forEach(e -> archived.add(e.eventId()));
                                assertThat(archived).containsAll(acknowledged);
                            }
                        });
            } finally {
                loading.set(false);
                load.shutdownNow();
                ingestor.destroy();
                if (!ingestor.waitFor(30, TimeUnit.SECONDS)) {
                    ingestor.destroyForcibly();
                }
            }
        }
    }

    private static Process start(Endpoints env, int port, String name) throws IOException {
        Map<String, String> props = PackagedService.withShortKafkaSessions(PackagedService.config(env, port));
        props.remove("quarkus.oidc.auth-server-url");
        props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        props.put("dash.bronze.rotate-age", "2s");
        return PackagedService.start(
                "ingestor-service",
                props,
                "512m",
                LocalServices.repoRoot().resolve("ingestor-service/target/crash-it/" + name + ".log"));
    }

    private static javax.sql.DataSource dataSource(Endpoints env) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(env.jdbcUrl());
        ds.setUser(env.pgUser());
        ds.setPassword(env.pgPassword());
        return ds;
    }
}
