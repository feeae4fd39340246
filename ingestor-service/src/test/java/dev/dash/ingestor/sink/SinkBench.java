package dev.dash.ingestor.sink;

import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The sink benchmark (bench/sinks/run.sh; not part of the test suite): deliveries per second of the packaged
 * ingestor to a local receiver against a bare HTTP client posting the same signed requests in the same run,
 * and alert latency from the ingest API's 2xx to the receiver. Figures go to {@code target/sink-bench.txt}.
 */
class SinkBench {
    static final int SINKS = Integer.getInteger("bench.sinks", 4);
    static final int POINTS = Integer.getInteger("bench.points", 2000);
    static final int ALERTS = Integer.getInteger("bench.alerts", 40);
    static final String MAPPING = """
            {"version":1,"fields":[{"name":"v","path":"/v","type":"number"}],"metrics":["v"],"labels":[]}
            """;

    @Test
    void run() throws Exception {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        int port = PackagedService.freePort();
        StringBuilder out = new StringBuilder();
        try (SinkFixtures fx = new SinkFixtures();
                Receiver receiver = new Receiver()) {
            String secret = "whsec_" + Base64.getEncoder().encodeToString(new byte[32]);
            Instant started = Instant.now();
            Process node = start(env, port);
            try {
                PackagedService.awaitReady(port, Duration.ofSeconds(120));
                // Baseline: SINKS threads, each posting POINTS signed requests of the same shape in turn.
                byte[] body = SinkMessages.webhookBody(
                        "points",
                        Instant.now(),
                        dev.dash.model.json.Json.parse("{\"pipeline_id\":\"" + UUID.randomUUID()
                                + "\",\"points\":[{\"time\":\"" + Instant.now()
                                + "\",\"metric\":\"cpu\",\"labels\":{\"host\":\"h1\"},\"value\":1.0,\"event_id\":\""
                                + UUID.randomUUID() + "\"}]}"));
                HttpClient client = HttpClient.newBuilder()
                        .connectTimeout(Duration.ofSeconds(5))
                        .build();
                ExecutorService pool = Executors.newFixedThreadPool(SINKS);
                long b0 = System.nanoTime();
                List<Future<?>> fs = new ArrayList<>();
                for (int s = 0; s < SINKS; s++) {
                    String path = "/baseline" + s;
                    fs.add(pool.submit(() -> {
                        for (int i = 0; i < POINTS; i++) {
                            String id = "msg_" + UUID.randomUUID().toString().replace("-", "");
                            long ts = Instant.now().getEpochSecond();
                            client.send(
                                    HttpRequest.newBuilder(URI.create(receiver.url(path)))
                                            .header("Content-Type", "application/json")
                                            .header("webhook-id", id)
                                            .header("webhook-timestamp", String.valueOf(ts))
                                            .header(
                                                    "webhook-signature",
                                                    WebhookSigner.signature(
                                                            id, ts, body, List.of(WebhookSigner.key(secret))))
                                            .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : fs) {
                    f.get();
                }
                double baseline = SINKS * POINTS / ((System.nanoTime() - b0) / 1e9);
                pool.shutdown();

                // Dash: SINKS webhook sinks on one pipeline, POINTS points published on dash.points.
                Created p = fx.pipeline();
                for (int s = 0; s < SINKS; s++) {
                    fx.sink(
                            p.id(),
                            "webhook",
                            "{\"url\":\"" + receiver.url("/dash" + s) + "\",\"secret\":\"" + secret + "\"}",
                            "{\"mode\":\"points\"}");
                }
                Instant t = Instant.now();
                long d0 = System.nanoTime();
                for (int i = 0; i < POINTS; i += 500) {
                    List<PointsBatch.Point> batch = new ArrayList<>();
                    for (int k = i; k < Math.min(POINTS, i + 500); k++) {
                        batch.add(SinkFixtures.point(t.plusMillis(k), "cpu", Map.of("host", "h1"), k));
                    }
                    fx.publish(p, batch);
                }
                Awaitility.await()
                        .atMost(Duration.ofMinutes(10))
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> receiver.requests.stream()
                                        .filter(r -> r.path().startsWith("/dash"))
                                        .count()
                                >= (long) SINKS * POINTS);
                double dash = SINKS * POINTS / ((System.nanoTime() - d0) / 1e9);
                out.append(String.format(
                        "deliveries: %d sinks x %d points; bare client %.0f/s, Dash %.0f/s, ratio %.2f%n",
                        SINKS, POINTS, baseline, dash, dash / baseline));

                // Alert latency: ingest 2xx -> alert at the receiver (hold 0: every crossing is a transition).
                Created a;
                try (TestPipelines tp = new TestPipelines()) {
                    a = tp.create(TestPipelines.Spec.of("none").withMapping(MAPPING));
                    tp.publish(new dev.dash.ingestor.pipeline.PipelineRepository(dataSource(env)).load(a.id()));
                }
                fx.sink(
                        a.id(),
                        "webhook",
                        "{\"url\":\"" + receiver.url("/alert") + "\",\"secret\":\"" + secret + "\"}",
                        "{\"mode\":\"alert\",\"metric\":\"v\",\"operator\":\"above\",\"threshold\":50,\"hold_seconds\":0}");
                Thread.sleep(2000);
                List<Long> latencies = new ArrayList<>();
                for (int i = 0; i < ALERTS; i++) {
                    int seen = receiver.at("/alert").size();
                    HttpResponse<String> r = client.send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest/" + a.id()))
                                    .header("content-type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"v\":" + (i % 2 == 0 ? 90 : 10) + "}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    long acked = System.currentTimeMillis();
                    if (r.statusCode() / 100 != 2) {
                        throw new IllegalStateException("ingest answered " + r.statusCode() + ": " + r.body());
                    }
                    Awaitility.await()
                            .atMost(Duration.ofSeconds(30))
                            .pollInterval(Duration.ofMillis(2))
                            .until(() -> receiver.at("/alert").size() > seen);
                    latencies.add(receiver.at("/alert").get(seen).receivedMillis() - acked);
                }
                latencies.sort(Long::compare);
                out.append(String.format(
                        "alert latency, ingest 2xx -> receiver, %d alerts: p50 %d ms, p99 %d ms, max %d ms%n",
                        ALERTS,
                        latencies.get(latencies.size() / 2),
                        latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1),
                        latencies.get(latencies.size() - 1)));
            } finally {
                // Left behind, these sinks would make every later run in this database deliver this backlog.
                fx.exec(
                        "DELETE FROM pipeline_sinks WHERE sink_config IS NOT NULL AND id IN (SELECT s.id FROM"
                                + " pipeline_sinks s JOIN sink_deliveries d ON d.sink_id = s.id WHERE d.created_at > ?)",
                        java.sql.Timestamp.from(started));
                node.destroy();
                if (!node.waitFor(30, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            }
        }
        io.quarkus.logging.Log.info("\n" + out);
        Path file = LocalServices.repoRoot().resolve("ingestor-service/target/sink-bench.txt");
        Files.writeString(file, out.toString());
    }

    private static Process start(Endpoints env, int port) throws java.io.IOException {
        Map<String, String> props = PackagedService.config(env, port);
        props.remove("quarkus.oidc.auth-server-url");
        props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        props.put("dash.kafka.group-prefix", "bench-" + UUID.randomUUID());
        props.put("dash.sinks.http.allowed-destinations", "127.0.0.1");
        return PackagedService.start(
                "ingestor-service",
                props,
                "512m",
                LocalServices.repoRoot().resolve("ingestor-service/target/sink-bench/ingestor.log"));
    }

    private static javax.sql.DataSource dataSource(Endpoints env) {
        org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
        ds.setURL(env.jdbcUrl());
        ds.setUser(env.pgUser());
        ds.setPassword(env.pgPassword());
        return ds;
    }
}
