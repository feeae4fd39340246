package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two packaged ingestors behind a client that spreads its requests over both, far beyond the pipeline's
 * quota: the combined accepted rate stays within the quota (one second of burst plus the quota per second),
 * and both nodes take part. Before, each node enforced the whole quota by itself, so two nodes let twice the
 * quota through.
 */
class QuotaClusterIT {
    static final int QUOTA = 2;
    static final Duration LOAD = Duration.ofSeconds(10);

    @Test
    void twoNodesTogetherAcceptNoMoreThanThePipelinesQuota() throws Exception {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        int[] ports = {PackagedService.freePort(), PackagedService.freePort()};
        List<Process> nodes = new ArrayList<>();
        try (TestPipelines pipelines = new TestPipelines()) {
            Created p = pipelines.create(Spec.of("none").withQuota(QUOTA, null));
            org.postgresql.ds.PGSimpleDataSource ds = new org.postgresql.ds.PGSimpleDataSource();
            ds.setURL(env.jdbcUrl());
            ds.setUser(env.pgUser());
            ds.setPassword(env.pgPassword());
            pipelines.publish(new PipelineRepository(ds).load(p.id()));
            for (int i = 0; i < 2; i++) {
                nodes.add(start(env, ports[i], "node-" + i));
            }
            for (int port : ports) {
                PackagedService.awaitReady(port, Duration.ofSeconds(180));
            }
            HttpClient http = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(2))
                    .build();
            // Both nodes know the pipeline (they answer 202 or 429, not 404) before the measured load starts.
            for (int port : ports) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> post(http, port, p, -1) != 404);
            }

            AtomicIntegerArray accepted = new AtomicIntegerArray(2);
            AtomicInteger refused = new AtomicInteger();
            AtomicInteger other = new AtomicInteger();
            AtomicInteger counter = new AtomicInteger();
            ExecutorService load = Executors.newFixedThreadPool(6);
            long start = System.nanoTime();
            long end = start + LOAD.toNanos();
            for (int t = 0; t < 6; t++) {
                load.submit(() -> {
                    while (System.nanoTime() < end) {
                        int n = counter.getAndIncrement();
                        int node = n % 2;
                        int status = post(http, ports[node], p, n);
                        if (status == 202) {
                            accepted.incrementAndGet(node);
                        } else if (status == 429) {
                            refused.incrementAndGet();
                        } else {
                            other.incrementAndGet();
                        }
                    }
                    return null;
                });
            }
            load.shutdown();
            assertThat(load.awaitTermination(LOAD.toSeconds() + 30, TimeUnit.SECONDS))
                    .isTrue();
            double seconds = (System.nanoTime() - start) / 1e9;
            int total = accepted.get(0) + accepted.get(1);
            // Offered: more than two nodes, each enforcing the quota on its own, would let through (the old way).
            assertThat(counter.get()).isGreaterThan((int) (2 * QUOTA * (seconds + 1)) + 10);
            assertThat(other.get()).isZero();
            assertThat(refused.get()).isPositive();
            // At most the initial burst (one second of quota) plus the quota for the time of the load.
            assertThat(total).isLessThanOrEqualTo((int) Math.ceil(QUOTA * (seconds + 1)));
            // ... and the quota is actually usable across the cluster, from both nodes.
            assertThat(total).isGreaterThanOrEqualTo((int) (0.6 * QUOTA * seconds));
            assertThat(accepted.get(0)).isPositive();
            assertThat(accepted.get(1)).isPositive();
        } finally {
            for (Process n : nodes) {
                n.destroy();
            }
            for (Process n : nodes) {
                if (!n.waitFor(30, TimeUnit.SECONDS)) {
                    n.destroyForcibly();
                }
            }
        }
    }

    private static int post(HttpClient http, int port, Created p, int n) throws IOException, InterruptedException {
        return http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/ingest/" + p.id()))
                                .timeout(Duration.ofSeconds(10))
                                .header("content-type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + n + "}"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static Process start(Endpoints env, int port, String name) throws IOException {
        Map<String, String> props = PackagedService.config(env, port);
        props.remove("quarkus.oidc.auth-server-url");
        props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        // Only the ingest API is under test: these nodes leave Bronze and Silver to others.
        props.put("dash.bronze.archiver-enabled", "false");
        props.put("dash.silver.writer-enabled", "false");
        return PackagedService.start(
                "ingestor-service",
                props,
                "256m",
                LocalServices.repoRoot().resolve("ingestor-service/target/quota-it/" + name + ".log"));
    }
}
