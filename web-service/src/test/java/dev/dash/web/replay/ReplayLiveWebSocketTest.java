package dev.dash.web.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Browser;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.websockets.next.BasicWebSocketConnector;
import io.quarkus.websockets.next.WebSocketClientConnection;
import io.vertx.core.http.UpgradeRejectedException;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The live replay feed end to end: real Keycloak tokens (and a real browser session) on the HTTP upgrade,
 * real {@code dash.replays} messages through the real Kafka broker, the team filter, and who is refused with
 * which status.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class ReplayLiveWebSocketTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Pattern FORM_ACTION =
            Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static KafkaProducer<String, String> producer;

    @TestHTTPResource("/")
    URI base;

    @Inject
    ReplayFeed feed;

    @Inject
    ReplayWatchers watchers;

    private final List<WebSocketClientConnection> opened = new ArrayList<>();
    private final List<UUID> replayRows = new ArrayList<>();

    /** A client connection and what it has received. */
    record Watch(WebSocketClientConnection connection, BlockingQueue<String> received) {
        String next() throws InterruptedException {
            String m = received.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(m).as("a message within " + WAIT).isNotNull();
            return m;
        }
    }

    @BeforeAll
    static void openProducer() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p);
    }

    @AfterAll
    static void closeProducer() {
        producer.close(Duration.ofSeconds(5));
    }

    @BeforeEach
    void feedIsReading() {
        Awaitility.await().atMost(WAIT).until(feed::reading);
    }

    @AfterEach
    void cleanUp() {
        opened.forEach(c -> {
            if (c.isOpen()) {
                c.closeAndAwait();
            }
        });
        replayRows.forEach(id -> Db.update("DELETE FROM replays WHERE id = ?::uuid", id.toString()));
    }

    @Test
    void anAdminGetsEveryMessageOfTheirTeamAsPublishedAndNoneOfAnotherTeam() throws Exception {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN));
        Api.Team other = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        UUID otherPipeline = Api.pipeline(other);
        Watch admin = connect(team.id(), bearer(Tokens.ADMIN));

        String first = replay(UUID.randomUUID(), pipeline, team.id(), "running", 100);
        publish(null, first);
        assertThat(admin.next()).isEqualTo(first);

        // Same partition, in this order: had the foreign message been forwarded, it would arrive first.
        String foreign = replay(UUID.randomUUID(), otherPipeline, other.id(), "running", 200);
        String third = replay(UUID.randomUUID(), pipeline, team.id(), "succeeded", 300);
        publish(0, foreign);
        publish(0, third);
        assertThat(admin.next()).isEqualTo(third);
        assertThat(admin.received()).isEmpty();

        // A closed connection is forgotten.
        admin.connection().closeAndAwait();
        Awaitility.await().atMost(WAIT).until(() -> watchers.watching(team.id()) == 0);
    }

    @Test
    void anOwnerWithOnlyTheBrowserSessionCookieIsLetIn() throws Exception {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        Watch owner = connect(team.id(), Map.of("Cookie", browserSession(Tokens.OWNER, "owner-demo-pw")));

        String message = replay(UUID.randomUUID(), pipeline, team.id(), "queued", 0);
        publish(null, message);
        assertThat(owner.next()).isEqualTo(message);
    }

    /** Cross-site WebSocket hijacking: a page of another site must not open the stream with the cookie. */
    @Test
    void aCookieUpgradeFromAnotherSiteOrAnOpaqueOriginIsRefused() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String cookie = browserSession(Tokens.OWNER, "owner-demo-pw");
        assertThat(refusal(team.id(), Map.of("Cookie", cookie, "Origin", "http://evil.example")))
                .isEqualTo(403);
        assertThat(refusal(team.id(), Map.of("Cookie", cookie, "Origin", "null")))
                .isEqualTo(403);
        assertThat(refusal(
                        team.id(),
                        Map.of("Cookie", cookie, "Origin", "http://127.0.0.1:" + base.getPort() + ".evil.example")))
                .isEqualTo(403);
        // A bearer token is not sent by a browser on its own: no Origin rule for it.
        connect(
                team.id(),
                Map.of("Authorization", "Bearer " + Tokens.of(Tokens.OWNER), "Origin", "http://evil.example"));
    }

    @Test
    void onConnectingAWatcherGetsTheTeamsOpenReplaysFromTheTableBeforeAnythingLive() throws Exception {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN));
        UUID pipeline = Api.pipeline(team);
        UUID open = UUID.randomUUID();
        UUID ended = UUID.randomUUID();
        // A lease held far into the future by nobody, so no replay node claims these rows.
        insertReplay(ended, pipeline, team.id(), "succeeded");
        insertReplay(open, pipeline, team.id(), "running");
        Watch admin = connect(team.id(), bearer(Tokens.ADMIN));

        JsonNode snapshot = JSON.readTree(admin.next());
        assertThat(snapshot.path("id").asText()).isEqualTo(open.toString());
        assertThat(snapshot.path("team_id").asText()).isEqualTo(team.id().toString());
        assertThat(snapshot.path("pipeline_id").asText()).isEqualTo(pipeline.toString());
        assertThat(snapshot.path("state").asText()).isEqualTo("running");
        assertThat(snapshot.path("kind").asText()).isEqualTo("mapping");
        assertThat(snapshot.path("target_version").asInt()).isEqualTo(2);
        assertThat(snapshot.path("objects_done").asInt()).isEqualTo(4);
        assertThat(snapshot.path("events_read").asLong()).isEqualTo(1234);
        assertThat(snapshot.path("cancel_requested").asBoolean(true)).isFalse();
        assertThat(snapshot.path("events_per_second").asDouble()).isPositive();
        // 10 s for 40 % of the bytes: 15 s left.
        assertThat(snapshot.path("eta_seconds").asLong()).isBetween(14L, 16L);
        assertThat(Instant.parse(snapshot.path("created_at").asText())).isBefore(Instant.now());
        assertThat(Instant.parse(snapshot.path("started_at").asText())).isBefore(Instant.now());
        assertThat(fieldNames(snapshot)).doesNotContain("last_error", "finished_at", "window_from", "window_to");

        // The ended replay is not in the snapshot: the next message is the live one.
        String live = replay(open, pipeline, team.id(), "cutting_over", 2000);
        publish(null, live);
        assertThat(admin.next()).isEqualTo(live);
    }

    @ParameterizedTest
    @ValueSource(strings = {"member", "viewer"})
    void aMemberOrViewerOfTheTeamIsRefusedWith403(String role) {
        Api.Team team = Api.demoTeam();
        assertThat(refusal(team.id(), bearer(team.user(role)))).isEqualTo(403);
    }

    @Test
    void withoutATokenOrWithABadOneTheUpgradeIsRefusedWith401() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN));
        assertThat(refusal(team.id(), Map.of())).isEqualTo(401);
        String forged =
                Tokens.of(Tokens.ADMIN).substring(0, Tokens.of(Tokens.ADMIN).lastIndexOf('.')) + ".forged";
        assertThat(refusal(team.id(), Map.of("Authorization", "Bearer " + forged)))
                .isEqualTo(401);
    }

    @Test
    void someoneNotInTheTeamGets404AsForATeamThatDoesNotExist() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN));
        // The platform admin is in no team; the realm role gives no team rights.
        assertThat(refusal(team.id(), bearer(Tokens.PLATFORM))).isEqualTo(404);
        assertThat(refusal(UUID.randomUUID(), bearer(Tokens.ADMIN))).isEqualTo(404);
        assertThat(refusalAt("/api/teams/not-a-team/replays/live", bearer(Tokens.ADMIN)))
                .isEqualTo(404);
    }

    private Watch connect(UUID teamId, Map<String, String> headers) {
        BlockingQueue<String> received = new LinkedBlockingQueue<>();
        int before = watchers.watching(teamId);
        BasicWebSocketConnector connector = BasicWebSocketConnector.create()
                .baseUri(base)
                .path("/api/teams/" + teamId + "/replays/live")
                .onTextMessage((c, m) -> received.add(m));
        headers.forEach(connector::addHeader);
        WebSocketClientConnection connection = connector.connectAndAwait();
        opened.add(connection);
        // The server registers the connection just after the handshake; nothing published before is meant.
        Awaitility.await().atMost(WAIT).until(() -> watchers.watching(teamId) > before);
        return new Watch(connection, received);
    }

    private int refusal(UUID teamId, Map<String, String> headers) {
        return refusalAt("/api/teams/" + teamId + "/replays/live", headers);
    }

    /** The HTTP status the upgrade was refused with; fails when it was accepted. */
    private int refusalAt(String path, Map<String, String> headers) {
        BasicWebSocketConnector connector =
                BasicWebSocketConnector.create().baseUri(base).path(path);
        headers.forEach(connector::addHeader);
        try {
            WebSocketClientConnection connection = connector.connectAndAwait();
            opened.add(connection);
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof UpgradeRejectedException rejected) {
                    return rejected.getStatus();
                }
            }
            throw e;
        }
        return fail("the upgrade to " + path + " was accepted");
    }

    private static Map<String, String> bearer(String user) {
        return Map.of("Authorization", "Bearer " + Tokens.of(user));
    }

    private static void publish(Integer partition, String json) throws Exception {
        String key = JSON.readTree(json).path("id").asText();
        producer.send(new ProducerRecord<>(LocalServices.topics().replays(), partition, key, json))
                .get(10, TimeUnit.SECONDS);
    }

    /** A dash.replays message as replay-service writes it: snake_case, nulls left out. */
    private static String replay(UUID id, UUID pipeline, UUID team, String state, long eventsRead) {
        return "{\"id\":\"" + id + "\",\"pipeline_id\":\"" + pipeline + "\",\"team_id\":\"" + team
                + "\",\"kind\":\"mapping\",\"from_version\":1,\"target_version\":2,\"state\":\"" + state
                + "\",\"cancel_requested\":false,\"objects_total\":10,\"objects_done\":4,\"events_read\":"
                + eventsRead + ",\"points_written\":" + (eventsRead * 2)
                + ",\"bytes_read\":4096,\"error_count\":0,\"events_per_second\":12.5,\"eta_seconds\":30"
                + ",\"created_at\":\"2025-01-02T03:04:05.123456Z\",\"started_at\":\"2025-01-02T03:04:06Z\"}";
    }

    private void insertReplay(UUID id, UUID pipeline, UUID team, String state) {
        replayRows.add(id);
        Db.update("""
                INSERT INTO replays (id, pipeline_id, team_id, kind, from_version, target_version, state,
                    objects_total, objects_done, events_read, points_written, bytes_total, bytes_read, owner_node,
                    lease_until, started_at, finished_at)
                VALUES (?::uuid, ?::uuid, ?::uuid, 'mapping', 1, 2, ?, 10, 4, 1234, 2468, 10000, 4000, 'web-test-fixture',
                    now() + interval '1 hour', now() - interval '10 seconds',
                    CASE WHEN ? = 'succeeded' THEN now() END)
                """, id.toString(), pipeline.toString(), team.toString(), state, state);
    }

    private static List<String> fieldNames(JsonNode node) {
        List<String> names = new ArrayList<>();
        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
            names.add(it.next());
        }
        return names;
    }

    /** Logs in through the browser flow (as BrowserLoginTest does) and answers the session cookie header. */
    private String browserSession(String user, String password) {
        String service = "http://127.0.0.1:" + base.getPort();
        Browser browser = new Browser();
        HttpResponse<String> login = browser.get(service + "/login");
        assertThat(login.statusCode()).isEqualTo(302);
        HttpResponse<String> page = browser.get(Browser.location(login));
        Matcher action = FORM_ACTION.matcher(page.body());
        assertThat(action.find()).as("login form in " + page.body()).isTrue();
        HttpResponse<String> posted = browser.postForm(
                action.group(1).replace("&amp;", "&"),
                Map.of("username", user, "password", password, "credentialId", ""));
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(302);
        HttpResponse<String> back = browser.get(Browser.location(posted));
        assertThat(back.statusCode()).as(back.body()).isIn(302, 303);
        Map<String, String> session = browser.cookies(service, n -> n.startsWith("q_session_web"));
        assertThat(session).isNotEmpty();
        return session.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("; "));
    }
}
