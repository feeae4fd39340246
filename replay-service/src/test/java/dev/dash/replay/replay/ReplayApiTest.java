package dev.dash.replay.replay;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.KeycloakTokens;
import dev.dash.model.testing.KeycloakTokens.Demo;
import dev.dash.model.testing.LocalServices;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The replay API against the real database, Kafka and Keycloak tokens: who may start, read and cancel
 * replays, every refusal with its status, body and nothing stored, and the automatic start from
 * {@code dash.control}.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class ReplayApiTest {
    private static final UUID TEAM = UUID.randomUUID();

    @BeforeAll
    static void team() throws SQLException {
        try (Connection c = db()) {
            exec(c, "INSERT INTO teams (id, name, slug) VALUES (?, 'Replay test', ?)", TEAM, "replay-" + TEAM);
            for (Demo d : Demo.values()) {
                exec(
                        c,
                        "INSERT INTO users (id, oidc_subject, email) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                        UUID.randomUUID(),
                        d.subject().toString(),
                        d.username());
            }
            Map<Demo, String> roles =
                    Map.of(Demo.OWNER, "owner", Demo.ADMIN, "admin", Demo.MEMBER, "member", Demo.VIEWER, "viewer");
            for (var e : roles.entrySet()) {
                exec(
                        c,
                        "INSERT INTO memberships (id, team_id, user_id, role) "
                                + "SELECT ?, ?, id, ? FROM users WHERE oidc_subject = ?",
                        UUID.randomUUID(),
                        TEAM,
                        e.getValue(),
                        e.getKey().subject().toString());
            }
        }
    }

    @Test
    void anAdminStartsReadsAndListsAReplayOfThePendingVersion() throws SQLException {
        UUID p = pipeline(true);
        String id = as(Demo.ADMIN)
                .body("{}")
                .post("/api/pipelines/{p}/replays", p)
                .then()
                .statusCode(202)
                .body("state", equalTo("queued"))
                .body("kind", equalTo("mapping"))
                .body("from_version", equalTo(1))
                .body("target_version", equalTo(2))
                .body("pipeline_id", equalTo(p.toString()))
                .extract()
                .path("id");
        as(Demo.OWNER).get("/api/replays/{id}", id).then().statusCode(200).body("events_read", equalTo(0));
        as(Demo.OWNER)
                .get("/api/pipelines/{p}/replays", p)
                .then()
                .statusCode(200)
                .body("id", hasItem(id));
        assertThat(count("SELECT count(*) FROM audit_log WHERE entity_id = ? AND action = 'replay.start'", id))
                .isEqualTo(1);

        as(Demo.OWNER)
                .body("{}")
                .post("/api/pipelines/{p}/replays", p)
                .then()
                .statusCode(409)
                .body("error", equalTo("conflict"))
                .body("message", containsString("already open: " + id));
        assertThat(replays(p)).isEqualTo(1);
    }

    static List<Arguments> refusals() {
        return List.of(
                Arguments.of(Demo.MEMBER, 403, "forbidden"),
                Arguments.of(Demo.VIEWER, 403, "forbidden"),
                Arguments.of(Demo.PLATFORM, 404, "not_found"));
    }

    @ParameterizedTest
    @MethodSource("refusals")
    void membersViewersAndOutsidersMayNot(Demo who, int status, String error) throws SQLException {
        UUID p = pipeline(true);
        as(who).body("{}")
                .post("/api/pipelines/{p}/replays", p)
                .then()
                .statusCode(status)
                .body("error", equalTo(error));
        as(who).get("/api/pipelines/{p}/replays", p).then().statusCode(status).body("error", equalTo(error));
        assertThat(replays(p)).isZero();
        String id = as(Demo.ADMIN)
                .body("{}")
                .post("/api/pipelines/{p}/replays", p)
                .then()
                .extract()
                .path("id");
        as(who).get("/api/replays/{id}", id).then().statusCode(status).body("error", equalTo(error));
        as(who).post("/api/replays/{id}/cancel", id).then().statusCode(status).body("error", equalTo(error));
        as(Demo.ADMIN).get("/api/replays/{id}", id).then().body("state", equalTo("queued"));
    }

    @Test
    void unknownIdsAnswer404() {
        as(Demo.ADMIN)
                .body("{}")
                .post("/api/pipelines/{p}/replays", UUID.randomUUID())
                .then()
                .statusCode(404);
        as(Demo.ADMIN)
                .get("/api/replays/{id}", UUID.randomUUID())
                .then()
                .statusCode(404)
                .body("error", equalTo("not_found"));
    }

    @Test
    void everyEndpointRefusesAnAnonymousCall() {
        UUID id = UUID.randomUUID();
        for (var call : List.of(
                given().contentType(ContentType.JSON).body("{}").when().post("/api/pipelines/{p}/replays", id),
                given().get("/api/pipelines/{p}/replays", id),
                given().get("/api/replays/{id}", id),
                given().post("/api/replays/{id}/cancel", id))) {
            call.then().statusCode(401);
        }
    }

    static List<Arguments> badRequests() {
        return List.of(
                Arguments.of("{\"kind\":\"everything\"}", 400, "kind"),
                Arguments.of("{\"from\":\"2026-01-02T00:00:00Z\",\"to\":\"2026-01-01T00:00:00Z\"}", 400, "to"),
                Arguments.of("{\"target_version\":0}", 400, "target_version"),
                Arguments.of("{\"target_version\":7}", 400, "target_version"),
                Arguments.of("{\"target_version\":1}", 409, "target_version"),
                Arguments.of("{\"kind\":\"quarantine\",\"target_version\":2}", 400, "target_version"),
                Arguments.of("{\"speed\":\"fast\"}", 400, "speed"),
                Arguments.of("{\"from\":\"yesterday\"}", 400, "from"),
                Arguments.of("{\"kind\":", 400, "body"));
    }

    @ParameterizedTest
    @MethodSource("badRequests")
    void badInputIsRefusedWithTheFieldAndNothingIsStored(String body, int status, String field) throws SQLException {
        UUID p = pipeline(true);
        as(Demo.ADMIN)
                .body(body)
                .post("/api/pipelines/{p}/replays", p)
                .then()
                .statusCode(status)
                .body("fields[0].field", equalTo(field));
        assertThat(replays(p)).isZero();
    }

    @Test
    void withoutAPendingVersionThereIsNothingToReplayTo() throws SQLException {
        UUID p = pipeline(false);
        as(Demo.ADMIN)
                .body("{}")
                .post("/api/pipelines/{p}/replays", p)
                .then()
                .statusCode(409)
                .body("fields[0].field", equalTo("target_version"))
                .body("fields[0].reason", containsString("no pending mapping version"));
        assertThat(replays(p)).isZero();
        as(Demo.ADMIN)
                .body("{\"kind\":\"quarantine\"}")
                .post("/api/pipelines/{p}/replays", p)
                .then()
                .statusCode(202)
                .body("target_version", equalTo(1));
    }

    @Test
    void cancellingAQueuedReplayCancelsItsPendingVersionAndOnlyOnce() throws SQLException {
        UUID p = pipeline(true);
        String id = as(Demo.ADMIN)
                .body("{}")
                .post("/api/pipelines/{p}/replays", p)
                .then()
                .extract()
                .path("id");
        as(Demo.OWNER)
                .post("/api/replays/{id}/cancel", id)
                .then()
                .statusCode(202)
                .body("state", equalTo("cancelled"));
        assertThat(count(
                        "SELECT count(*) FROM data_mappings WHERE pipeline_id = ?::uuid AND version = 2 "
                                + "AND status = 'cancelled'",
                        p.toString()))
                .isEqualTo(1);
        assertThat(count(
                        "SELECT count(*) FROM data_mappings WHERE pipeline_id = ?::uuid AND version = 1 "
                                + "AND status = 'active'",
                        p.toString()))
                .as("the active version is untouched")
                .isEqualTo(1);
        as(Demo.OWNER)
                .post("/api/replays/{id}/cancel", id)
                .then()
                .statusCode(409)
                .body("fields[0].field", equalTo("state"));
    }

    @Test
    void aSnapshotWithAPendingVersionQueuesItsReplayOnce() throws Exception {
        UUID p = pipeline(true);
        PipelineConfig snapshot = new PipelineConfig(
                p,
                TEAM,
                "auto",
                "realtime",
                "active",
                "none",
                JsonNodeFactory.instance.objectNode(),
                300,
                259200,
                null,
                null,
                false,
                1,
                List.of(
                        new PipelineConfig.MappingVersion(1, "active", JsonNodeFactory.instance.objectNode(), null),
                        new PipelineConfig.MappingVersion(2, "pending", JsonNodeFactory.instance.objectNode(), null)),
                List.of(),
                1);
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 2; i++) {
                producer.send(new ProducerRecord<>(
                                LocalServices.topics().control(), p.toString(), ControlCodec.encode(snapshot)))
                        .get();
            }
        }
        await().atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertThat(count(
                                "SELECT count(*) FROM replays WHERE pipeline_id = ?::uuid "
                                        + "AND target_version = 2 AND state = 'queued'",
                                p.toString()))
                        .isEqualTo(1));
        // A third snapshot after the first was handled still creates nothing more.
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            LocalServices.topics().control(), p.toString(), ControlCodec.encode(snapshot)))
                    .get();
        }
        UUID marker = pipeline(true);
        try (var producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(
                            LocalServices.topics().control(),
                            marker.toString(),
                            ControlCodec.encode(new PipelineConfig(
                                    marker,
                                    TEAM,
                                    "m",
                                    "realtime",
                                    "active",
                                    "none",
                                    JsonNodeFactory.instance.objectNode(),
                                    300,
                                    259200,
                                    null,
                                    null,
                                    false,
                                    1,
                                    snapshot.mappings(),
                                    List.of(),
                                    1))))
                    .get();
        }
        // The marker's replay shows the listener got past the third snapshot of p.
        await().atMost(Duration.ofSeconds(30)).until(() -> replays(marker) == 1);
        assertThat(replays(p)).isEqualTo(1);
    }

    private static RequestSpecification as(Demo user) {
        return given().auth().oauth2(KeycloakTokens.of(user)).contentType(ContentType.JSON);
    }

    /** A pipeline of the test team with active version 1 and, if asked, pending version 2. */
    private static UUID pipeline(boolean pending) throws SQLException {
        UUID id = UUID.randomUUID();
        try (Connection c = db()) {
            exec(
                    c,
                    "INSERT INTO pipelines (id, team_id, name, type, active_mapping_version) "
                            + "VALUES (?, ?, ?, 'realtime', 1)",
                    id,
                    TEAM,
                    "p-" + id);
            exec(
                    c,
                    "INSERT INTO data_mappings (id, pipeline_id, version, status, document) "
                            + "VALUES (?, ?, 1, 'active', '{}')",
                    UUID.randomUUID(),
                    id);
            if (pending) {
                exec(
                        c,
                        "INSERT INTO data_mappings (id, pipeline_id, version, status, document) "
                                + "VALUES (?, ?, 2, 'pending', '{}')",
                        UUID.randomUUID(),
                        id);
            }
        }
        return id;
    }

    private static long replays(UUID pipeline) throws SQLException {
        return count("SELECT count(*) FROM replays WHERE pipeline_id = ?::uuid", pipeline.toString());
    }

    private static long count(String sql, String arg) throws SQLException {
        try (Connection c = db();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setString(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static Connection db() throws SQLException {
        Endpoints e = LocalServices.ensureStarted();
        return DriverManager.getConnection(e.jdbcUrl(), e.pgUser(), e.pgPassword());
    }

    private static void exec(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            ps.executeUpdate();
        }
    }
}
