package dev.dash.web.pipeline;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.ControlTopic;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.restassured.RestAssured;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A packaged web node whose {@code dash.control} producer cannot reach Kafka (it points at a closed port; the
 * shared broker keeps running) takes a rename and a deletion, is stopped, and starts again with Kafka
 * reachable: both reach {@code dash.control}, the deletion as a tombstone. Before the outbox the queue of
 * unacknowledged snapshots was in memory and died with the node; only the start-up catch-up of recently
 * changed pipelines brought changes back, never a deletion.
 */
class ControlOutboxIT {
    private Process node;

    @AfterEach
    void stop() throws InterruptedException {
        if (node != null) {
            stop(node);
        }
    }

    private static void stop(Process p) throws InterruptedException {
        p.destroy();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private static Process web(Endpoints env, int port, Map<String, String> extra, String name) throws IOException {
        Map<String, String> props = PackagedService.config(env, port);
        props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        props.put("quarkus.oidc.web.credentials.secret", "dash-web-secret");
        props.put(
                "quarkus.oidc.web.token-state-manager.encryption-secret", "outbox-it-session-secret-0123456789abcdef");
        props.put("dash.control.send-timeout", "2s");
        props.put("dash.control.redelivery-interval", "1s");
        props.putAll(extra);
        Path log = LocalServices.repoRoot().resolve("web-service/target/outbox-it/web-" + name + ".log");
        return PackagedService.start("web-service", props, "256m", log);
    }

    static long queued(UUID pipeline) {
        return Db.count("SELECT count(*) FROM control_outbox WHERE pipeline_id = ?::uuid", pipeline.toString());
    }

    @Test
    void aChangeAndADeletionMadeWhileKafkaWasAwaySurviveARestartOfTheNode() throws Exception {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        int port = PackagedService.freePort();
        int deadKafka = PackagedService.freePort();
        node = web(
                env,
                port,
                Map.of(
                        "mp.messaging.outgoing.dash-control.bootstrap.servers", "127.0.0.1:" + deadKafka,
                        "mp.messaging.outgoing.dash-control.health-enabled", "false",
                        "mp.messaging.outgoing.dash-control.max.block.ms", "1000"),
                "kafka-away");
        PackagedService.awaitReady(port, Duration.ofSeconds(180));
        RestAssured.baseURI = "http://127.0.0.1";
        RestAssured.port = port;
        try {
            Api.Team team = Api.team(Tokens.OWNER, Map.of());
            UUID changed = Api.pipeline(team);
            UUID deleted = Api.pipeline(team);
            String renamed = Api.unique("while-kafka-was-away");
            as(Tokens.OWNER)
                    .body(Map.of("name", renamed))
                    .patch("/api/teams/" + team.id() + "/pipelines/" + changed)
                    .then()
                    .statusCode(200);
            as(Tokens.OWNER)
                    .delete("/api/teams/" + team.id() + "/pipelines/" + deleted)
                    .then()
                    .statusCode(204);
            assertThat(Db.count("SELECT count(*) FROM pipelines WHERE id = ?::uuid", deleted.toString()))
                    .isZero();
            // Not acknowledged, so still in the outbox (and the node does not get them through meanwhile).
            assertThat(queued(changed)).isEqualTo(1);
            assertThat(queued(deleted)).isEqualTo(1);

            stop(node);
            node = null;

            try (ControlTopic control = new ControlTopic()) {
                node = web(env, port, Map.of(), "kafka-back");
                PackagedService.awaitReady(port, Duration.ofSeconds(180));
                var snapshot = control.await(
                        changed.toString(),
                        v -> v != null && ControlCodec.decode(v).name().equals(renamed));
                assertThat(ControlCodec.decode(snapshot.value()).teamId()).isEqualTo(team.id());
                assertThat(control.await(deleted.toString(), v -> v == null).value())
                        .isNull();
                Awaitility.await()
                        .atMost(Duration.ofSeconds(20))
                        .until(() -> queued(changed) == 0 && queued(deleted) == 0);
            }
        } finally {
            RestAssured.reset();
        }
    }
}
