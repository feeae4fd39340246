package dev.dash.ingestor.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The packaged ingestor killed with {@code kill -9} while it delivers, then started again: every point
 * published on {@code dash.points} reaches the points sink, and every alert transition the alert sink,
 * under exactly one {@code webhook-id} each (a repeat only with the same id), and no transition is doubled
 * or lost. Points are published straight to {@code dash.points}, as the Silver writer does, so this tests
 * the delivering side alone. Needs {@code target/quarkus-app}.
 */
class SinkCrashIT {
    static final int ROUNDS = 60;

    @Test
    void noDeliveryOrAlertIsLostOrDoubledByAKill9() throws Exception {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        int port = PackagedService.freePort();
        String group = "crash-" + UUID.randomUUID();
        try (SinkFixtures fx = new SinkFixtures();
                Receiver receiver = new Receiver()) {
            // Slow answers, so deliveries are in flight when the node dies.
            receiver.script("/points", r -> new Receiver.Answer(200, Map.of(), "", 20));
            Created p = fx.pipeline();
            fx.sink(p.id(), "webhook", "{\"url\":\"" + receiver.url("/points") + "\"}", "{\"mode\":\"points\"}");
            fx.sink(
                    p.id(),
                    "webhook",
                    "{\"url\":\"" + receiver.url("/alerts") + "\"}",
                    "{\"mode\":\"alert\",\"metric\":\"v\",\"operator\":\"above\",\"threshold\":50,\"hold_seconds\":0}");
            Process node = start(env, port, group, "first");
            List<PointsBatch.Point> published = new ArrayList<>();
            Instant t0 = Instant.now().minusSeconds(3600);
            try {
                PackagedService.awaitReady(port, Duration.ofSeconds(90));
                int killAt = ROUNDS / 3;
                for (int round = 0; round < ROUNDS; round++) {
                    List<PointsBatch.Point> batch = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        int n = round * 5 + i;
                        // Above and below the threshold by turns, with runs: transitions at irregular points.
                        double value = ((n / 3) % 2 == 0) ? 80 : 20;
                        batch.add(SinkFixtures.point(t0.plusSeconds(n), "v", Map.of("k", "a"), value));
                    }
                    fx.publish(p, batch);
                    published.addAll(batch);
                    if (round == killAt) {
                        Awaitility.await()
                                .atMost(Duration.ofSeconds(60))
                                .until(() -> receiver.at("/points").size() > 10);
                        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                        node = start(env, port, group, "second");
                    }
                    Thread.sleep(20);
                }
                PackagedService.awaitReady(port, Duration.ofSeconds(90));
                // Every published point arrives under one webhook-id.
                Map<String, Set<String>> idsByEvent = new HashMap<>();
                Awaitility.await()
                        .atMost(Duration.ofSeconds(180))
                        .pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> {
                            idsByEvent.clear();
                            for (Receiver.Request r : receiver.at("/points")) {
                                JsonNode pt = Json.parse(r.body())
                                        .path("data")
                                        .path("points")
                                        .get(0);
                                idsByEvent
                                        .computeIfAbsent(pt.path("event_id").asText(), k -> new HashSet<>())
                                        .add(r.header("webhook-id"));
                            }
                            assertThat(idsByEvent).hasSize(published.size());
                        });
                assertThat(idsByEvent)
                        .allSatisfy((event, ids) -> assertThat(ids).hasSize(1));
                // Alert transitions as the state machine decides them over the published sequence.
                AlertRule rule =
                        new AlertRule("v", Map.of(), AlertRule.Operator.ABOVE, 50, 50, Duration.ZERO, Duration.ZERO);
                List<String> expected = new ArrayList<>();
                AlertEvaluator.State s = null;
                for (PointsBatch.Point pt : published) {
                    AlertEvaluator.Step step = AlertEvaluator.apply(rule, s, pt.time(), pt.value());
                    s = step.next();
                    if (step.transition() != AlertEvaluator.Transition.NONE) {
                        expected.add(step.transition() + "@" + pt.time());
                    }
                }
                Map<String, String> byId = new HashMap<>();
                Awaitility.await()
                        .atMost(Duration.ofSeconds(120))
                        .pollInterval(Duration.ofSeconds(1))
                        .untilAsserted(() -> {
                            byId.clear();
                            for (Receiver.Request r : receiver.at("/alerts")) {
                                JsonNode a = Json.parse(r.body()).path("data").path("alert");
                                String what = (a.path("state").asText().equals("firing") ? "FIRED" : "RESOLVED") + "@"
                                        + a.path("point_time").asText();
                                String before = byId.put(r.header("webhook-id"), what);
                                assertThat(before == null || before.equals(what))
                                        .isTrue();
                            }
                            assertThat(byId).hasSize(expected.size());
                        });
                assertThat(new ArrayList<>(new java.util.TreeSet<>(byId.values())))
                        .containsExactlyElementsOf(new java.util.TreeSet<>(expected));
                io.quarkus.logging.Log.infof(
                        "Crash: %d points, %d requests; %d alert transitions, %d requests",
                        published.size(),
                        receiver.at("/points").size(),
                        expected.size(),
                        receiver.at("/alerts").size());
            } finally {
                // Left behind, these sinks would make every later run in this database deliver this backlog.
                fx.exec("DELETE FROM pipeline_sinks WHERE pipeline_id = ?", p.id());
                node.destroy();
                if (!node.waitFor(30, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            }
        }
    }

    private static Process start(Endpoints env, int port, String group, String name) throws IOException {
        Map<String, String> props = PackagedService.withShortKafkaSessions(PackagedService.config(env, port));
        props.remove("quarkus.oidc.auth-server-url");
        props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        props.put("dash.kafka.group-prefix", group);
        props.put("dash.sinks.http.allowed-destinations", "127.0.0.1");
        props.put("dash.sinks.poll-interval", "50ms");
        props.put("dash.sinks.refresh-interval", "100ms");
        props.put("dash.sinks.lease", "5s");
        props.put("dash.sinks.claim-size", "10");
        props.put("dash.sinks.retry-schedule", "200ms,500ms,1s,1s,1s,1s,1s,1s");
        return PackagedService.start(
                "ingestor-service",
                props,
                "512m",
                LocalServices.repoRoot().resolve("ingestor-service/target/sink-crash-it/" + name + ".log"));
    }
}
