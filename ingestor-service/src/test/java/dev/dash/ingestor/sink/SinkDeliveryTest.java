package dev.dash.ingestor.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Delivery end to end on the real broker and database: points published on {@code dash.points} reach local
 * receivers (a webhook endpoint verifying Standard Webhooks signatures independently, a Slack stand-in, a
 * real SMTP server) with the retry, breaker and switch-off behaviour of docs/sinks.md. Test timings:
 * application.properties ({@code %test.dash.sinks.*}).
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@QuarkusTestResource(GreenMailResource.class)
class SinkDeliveryTest {
    static final String SECRET_A =
            "whsec_" + Base64.getEncoder().encodeToString("a-secret-of-32-bytes-for-signing".getBytes());
    static final String SECRET_B =
            "whsec_" + Base64.getEncoder().encodeToString("b-secret-of-32-bytes-for-signing".getBytes());

    @Inject
    SinkDispatcher dispatcher;

    @Inject
    DeliveryWorkers workers;

    SinkFixtures fx;
    Receiver receiver;

    @BeforeEach
    void setUp() throws Exception {
        fx = new SinkFixtures();
        receiver = new Receiver();
        await().atMost(Duration.ofSeconds(60)).until(dispatcher::assigned);
    }

    @AfterEach
    void tearDown() {
        receiver.close();
        fx.close();
    }

    static List<PointsBatch.Point> points(int n, String metric) {
        List<PointsBatch.Point> out = new ArrayList<>();
        Instant t = Instant.now();
        for (int i = 0; i < n; i++) {
            out.add(SinkFixtures.point(t.plusMillis(i), metric, Map.of("host", "h" + i), i));
        }
        return out;
    }

    String webhook(String path, String secret) {
        return "{\"url\":\"" + receiver.url(path) + "\",\"headers\":{\"X-Team\":\"blue\"}"
                + (secret == null ? "" : ",\"secret\":\"" + secret + "\"") + "}";
    }

    @Test
    void webhooksAreSignedPerStandardWebhooksAndARotationSignsWithBothSecrets() throws Exception {
        Created p = fx.pipeline();
        UUID sink = fx.sink(p.id(), "webhook", webhook("/signed", SECRET_A), "{\"mode\":\"points\"}");
        fx.publish(p, points(2, "cpu"));
        await().atMost(Duration.ofSeconds(40))
                .until(() -> receiver.at("/signed").size() >= 2);
        for (Receiver.Request r : receiver.at("/signed")) {
            assertThat(StandardWebhooksVerifier.verify(
                            SECRET_A,
                            r.header("webhook-id"),
                            r.header("webhook-timestamp"),
                            r.header("webhook-signature"),
                            r.body()))
                    .as("signature with the sink's secret")
                    .isTrue();
            assertThat(StandardWebhooksVerifier.verify(
                            SECRET_B,
                            r.header("webhook-id"),
                            r.header("webhook-timestamp"),
                            r.header("webhook-signature"),
                            r.body()))
                    .isFalse();
            assertThat(r.header("x-team")).isEqualTo("blue");
            assertThat(r.header("webhook-id")).startsWith("msg_");
            JsonNode body = Json.parse(r.body());
            assertThat(body.path("type").asText()).isEqualTo("dash.points");
            assertThat(body.path("data").path("points").get(0).path("metric").asText())
                    .isEqualTo("cpu");
        }
        // Rotation: B is current, A still active for an hour.
        fx.config(
                sink,
                "{\"url\":\"" + receiver.url("/signed") + "\",\"secret\":\"" + SECRET_B
                        + "\",\"previous_secrets\":[{\"secret\":\"" + SECRET_A + "\",\"expires_at\":\""
                        + Instant.now().plusSeconds(3600) + "\"}]}");
        Thread.onSpinWait();
        await().atMost(Duration.ofSeconds(5)).pollDelay(Duration.ofMillis(300)).until(() -> true);
        fx.publish(p, points(1, "mem"));
        await().atMost(Duration.ofSeconds(40))
                .until(() ->
                        receiver.at("/signed").stream().anyMatch(r -> r.text().contains("\"mem\"")));
        Receiver.Request rotated = receiver.at("/signed").stream()
                .filter(r -> r.text().contains("\"mem\""))
                .findFirst()
                .orElseThrow();
        assertThat(rotated.header("webhook-signature").split(" ")).hasSize(2);
        for (String secret : List.of(SECRET_A, SECRET_B)) {
            assertThat(StandardWebhooksVerifier.verify(
                            secret,
                            rotated.header("webhook-id"),
                            rotated.header("webhook-timestamp"),
                            rotated.header("webhook-signature"),
                            rotated.body()))
                    .as("verifies with " + secret.substring(0, 10))
                    .isTrue();
        }
    }

    /** Records written before the binary format (JSON) and after it, on the topic together, are all delivered. */
    @Test
    void pointsOfBothDashPointsFormatsAreDelivered() throws Exception {
        Created p = fx.pipeline();
        fx.sink(p.id(), "webhook", webhook("/formats", null), "{\"mode\":\"points\"}");
        fx.publish(p, points(2, "old"), 1);
        fx.publish(p, points(2, "new"), 2);
        await().atMost(Duration.ofSeconds(40))
                .until(() -> receiver.at("/formats").size() >= 4);
        Map<String, List<String>> hosts = new HashMap<>();
        for (Receiver.Request r : receiver.at("/formats")) {
            JsonNode point = Json.parse(r.body()).path("data").path("points").get(0);
            hosts.computeIfAbsent(point.path("metric").asText(), k -> new ArrayList<>())
                    .add(point.path("labels").path("host").asText());
        }
        assertThat(hosts).containsOnlyKeys("old", "new");
        assertThat(hosts.get("old")).containsExactlyInAnyOrder("h0", "h1");
        assertThat(hosts.get("new")).containsExactlyInAnyOrder("h0", "h1");
    }

    @Test
    void aReceiverFailingWith500sThenRecoveringGetsEveryDeliveryOncePerIdempotencyKey() throws Exception {
        Created p = fx.pipeline();
        Map<String, AtomicInteger> tries = new HashMap<>();
        receiver.script(
                "/flaky",
                r -> tries.computeIfAbsent(r.header("webhook-id"), k -> new AtomicInteger())
                                        .incrementAndGet()
                                <= 2
                        ? new Receiver.Answer(500, Map.of(), "{\"error\":\"down\"}", 0)
                        : Receiver.Answer.of(204));
        UUID sink = fx.sink(p.id(), "webhook", webhook("/flaky", SECRET_A), "{\"mode\":\"points\"}");
        fx.publish(p, points(4, "cpu"));
        await().atMost(Duration.ofSeconds(40))
                .until(() -> fx.deliveries(sink).stream()
                                .filter(d -> d[1].equals("delivered"))
                                .count()
                        == 4);
        Map<String, Integer> delivered = new HashMap<>();
        for (Receiver.Request r : receiver.at("/flaky")) {
            delivered.merge(r.header("webhook-id"), 1, Integer::sum);
        }
        assertThat(delivered).hasSize(4).allSatisfy((id, n) -> assertThat(n).isEqualTo(3));
        assertThat(fx.deliveries(sink)).allSatisfy(d -> assertThat(d[2]).isEqualTo(3));
        assertThat(fx.sinkColumn(sink, "failure_streak")).isEqualTo(0);
    }

    @Test
    void retryAfterIsHonoured() throws Exception {
        Created p = fx.pipeline();
        AtomicInteger n = new AtomicInteger();
        receiver.script(
                "/busy",
                r -> n.incrementAndGet() == 1
                        ? new Receiver.Answer(429, Map.of("Retry-After", "3"), "slow down", 0)
                        : Receiver.Answer.of(200));
        fx.sink(p.id(), "webhook", webhook("/busy", null), "{\"mode\":\"points\"}");
        fx.publish(p, points(1, "cpu"));
        await().atMost(Duration.ofSeconds(30)).until(() -> receiver.at("/busy").size() >= 2);
        List<Receiver.Request> rs = receiver.at("/busy");
        assertThat(rs.get(0).header("webhook-id")).isEqualTo(rs.get(1).header("webhook-id"));
        // The schedule alone would retry after 200 ms.
        assertThat(rs.get(1).receivedMillis() - rs.get(0).receivedMillis()).isGreaterThanOrEqualTo(2900);
    }

    @Test
    void a410SwitchesTheSinkOffWithTheReasonAndTellsTheTeamsAdmins() throws Exception {
        Created p = fx.pipeline();
        String admin = "owner-" + UUID.randomUUID() + "@example.com";
        fx.admin(p.teamId(), admin);
        receiver.script("/gone", r -> new Receiver.Answer(410, Map.of(), "gone for good", 0));
        UUID sink = fx.sink(p.id(), "webhook", webhook("/gone", null), "{\"mode\":\"points\"}");
        fx.publish(p, points(3, "cpu"));
        await().atMost(Duration.ofSeconds(40)).until(() -> Boolean.FALSE.equals(fx.sinkColumn(sink, "enabled")));
        assertThat((String) fx.sinkColumn(sink, "disabled_reason")).contains("410");
        await().atMost(Duration.ofSeconds(40)).until(() -> messagesTo(admin).size() == 1);
        assertThat(messagesTo(admin).get(0).getSubject()).contains("switched off");
        // Nothing more is attempted once it is off; the undelivered stay pending for when it is switched on.
        int seen = receiver.at("/gone").size();
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(receiver.at("/gone")).hasSize(seen);
        assertThat(fx.deliveries(sink)).allSatisfy(d -> assertThat(d[1]).isEqualTo("pending"));
    }

    @Test
    void theBreakerOpensAfterConsecutiveFailuresAndClosesAfterASuccessfulTrial() throws Exception {
        Created p = fx.pipeline();
        java.util.concurrent.atomic.AtomicBoolean down = new java.util.concurrent.atomic.AtomicBoolean(true);
        receiver.script("/breaker", r -> down.get() ? Receiver.Answer.of(503) : Receiver.Answer.of(200));
        UUID sink = fx.sink(p.id(), "webhook", webhook("/breaker", null), "{\"mode\":\"points\"}");
        fx.publish(p, points(5, "cpu"));
        await().atMost(Duration.ofSeconds(40)).until(() -> workers.breaker(sink) == CircuitBreaker.State.OPEN);
        int whileOpen = receiver.at("/breaker").size();
        assertThat(whileOpen).isEqualTo(3);
        down.set(false);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> fx.deliveries(sink).stream().allMatch(d -> d[1].equals("delivered")));
        assertThat(workers.breaker(sink)).isEqualTo(CircuitBreaker.State.CLOSED);
        // Open for 2 s: the trial came no sooner.
        List<Receiver.Request> rs = receiver.at("/breaker");
        assertThat(rs.get(3).receivedMillis() - rs.get(2).receivedMillis()).isGreaterThanOrEqualTo(1900);
    }

    @Test
    void aDeadSinkDoesNotSlowAnother() throws Exception {
        Created p = fx.pipeline();
        // Dead: every request hangs past the 2 s request timeout.
        receiver.script("/dead", r -> new Receiver.Answer(200, Map.of(), "", 5_000));
        fx.sink(p.id(), "webhook", webhook("/dead", null), "{\"mode\":\"points\"}");
        fx.sink(p.id(), "webhook", webhook("/alive", null), "{\"mode\":\"points\"}");
        List<Long> latencies = new ArrayList<>();
        for (int round = 0; round < 5; round++) {
            long sent = System.currentTimeMillis();
            List<PointsBatch.Point> pts = points(2, "round" + round);
            fx.publish(p, pts);
            String metric = "round" + round;
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.at("/alive").stream()
                                    .filter(r -> r.text().contains("\"" + metric + "\""))
                                    .count()
                            == 2);
            long last = receiver.at("/alive").stream()
                    .filter(r -> r.text().contains("\"" + metric + "\""))
                    .mapToLong(Receiver.Request::receivedMillis)
                    .max()
                    .orElseThrow();
            latencies.add(last - sent);
        }
        io.quarkus.logging.Log.infof("Alive sink latencies beside a dead one (ms): %s", latencies);
        // The dead sink's attempts each take the 2 s timeout; the live one's deliveries do not wait for them.
        assertThat(latencies).allSatisfy(l -> assertThat(l).isLessThan(1_500));
        assertThat(receiver.at("/dead")).isNotEmpty();
    }

    @Test
    void slackGetsAReadableMessage() throws Exception {
        Created p = fx.pipeline();
        fx.sink(
                p.id(),
                "slack",
                "{\"webhook_url\":\"" + receiver.url("/services/T000/B000/XXX") + "\"}",
                "{\"mode\":\"alert\",\"metric\":\"cpu\",\"operator\":\"above\",\"threshold\":90,\"hold_seconds\":0}");
        fx.publish(p, List.of(SinkFixtures.point(Instant.now(), "cpu", Map.of("host", "web-1"), 97.5)));
        await().atMost(Duration.ofSeconds(40))
                .until(() -> receiver.at("/services/T000/B000/XXX").size() == 1);
        JsonNode msg = Json.parse(receiver.at("/services/T000/B000/XXX").get(0).body());
        assertThat(msg.path("text").asText()).contains("Alert firing: cpu{host=web-1} above 90 (value 97.5)");
        assertThat(msg.path("blocks").get(1).path("text").path("text").asText())
                .contains("Series: cpu{host=web-1}")
                .contains("Condition: above 90");
        assertThat(receiver.at("/services/T000/B000/XXX").get(0).header("webhook-signature"))
                .isNull();
    }

    @Test
    void emailSinksSendBatchesAsPlainTextAndHtml() throws Exception {
        Created p = fx.pipeline();
        String to = "ops-" + UUID.randomUUID() + "@example.com";
        fx.sink(
                p.id(),
                "email",
                "{\"to\":[\"" + to + "\"]}",
                "{\"mode\":\"batch\",\"max_points\":3,\"max_wait_seconds\":60}");
        fx.publish(p, points(2, "disk"));
        fx.publish(p, points(2, "disk"));
        await().atMost(Duration.ofSeconds(40)).until(() -> messagesTo(to).size() == 1);
        MimeMessage m = messagesTo(to).get(0);
        assertThat(m.getSubject()).contains("3 point(s)");
        String raw = new String(m.getInputStream().readAllBytes());
        String all = com.icegreen.greenmail.util.GreenMailUtil.getWholeMessage(m);
        assertThat(all).contains("text/plain").contains("text/html").contains("disk{host=h0}");
        assertThat(raw).isNotNull();
    }

    @Test
    void anAlertFiresOnceAfterTheHoldDoesNotFlapAndRecoversOnce() throws Exception {
        Created p = fx.pipeline();
        UUID sink = fx.sink(
                p.id(),
                "webhook",
                webhook("/alerts", SECRET_A),
                "{\"mode\":\"alert\",\"metric\":\"temp\",\"labels\":{\"room\":\"a\"},\"operator\":\"above\","
                        + "\"threshold\":30,\"hold_seconds\":5,\"recovery_hold_seconds\":5}");
        Instant t = Instant.now().minusSeconds(600);
        Map<String, String> a = Map.of("room", "a", "floor", "1");
        // Flapping before the hold: never fires.
        publish(p, t, a, 31, 0, 29, 1, 35, 2, 20, 3, 31, 4, 25, 5);
        // Held for 5 s: fires once (at +16), then staying above and brief dips do not fire again.
        publish(p, t, a, 31, 10, 32, 12, 33, 16, 34, 17, 29, 18, 35, 19, 36, 20);
        // Another room is not watched.
        fx.publish(p, List.of(SinkFixtures.point(t.plusSeconds(16), "temp", Map.of("room", "b"), 99)));
        await().atMost(Duration.ofSeconds(40))
                .until(() -> receiver.at("/alerts").size() == 1);
        // Clear for 5 s: recovers once; more clear points send nothing.
        publish(p, t, a, 20, 30, 21, 33, 22, 35, 23, 40);
        await().atMost(Duration.ofSeconds(40))
                .until(() -> receiver.at("/alerts").size() == 2);
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
        List<Receiver.Request> rs = receiver.at("/alerts");
        assertThat(rs).hasSize(2);
        JsonNode fired = Json.parse(rs.get(0).body());
        assertThat(fired.path("type").asText()).isEqualTo("dash.alert.firing");
        assertThat(fired.path("data").path("alert").path("series").asText()).isEqualTo("temp{floor=1,room=a}");
        assertThat(fired.path("data").path("alert").path("fired_at").asText())
                .isEqualTo(t.plusSeconds(16).toString());
        JsonNode resolved = Json.parse(rs.get(1).body());
        assertThat(resolved.path("type").asText()).isEqualTo("dash.alert.resolved");
        assertThat(resolved.path("data").path("alert").path("resolved_at").asText())
                .isEqualTo(t.plusSeconds(35).toString());
        assertThat(fx.deliveries(sink)).extracting(d -> d[3]).containsExactly("alert_firing", "alert_resolved");
        // Re-armed after the recovery: a new breach held again fires again.
        publish(p, t, a, 40, 50, 41, 56);
        await().atMost(Duration.ofSeconds(40))
                .until(() -> receiver.at("/alerts").size() == 3);
        Set<String> ids = new HashSet<>();
        receiver.at("/alerts").forEach(r -> ids.add(r.header("webhook-id")));
        assertThat(ids).hasSize(3);
    }

    /** Publishes (value, seconds after t) pairs as one record. */
    private void publish(Created p, Instant t, Map<String, String> labels, double... valueAndSecond) throws Exception {
        List<PointsBatch.Point> pts = new ArrayList<>();
        for (int i = 0; i < valueAndSecond.length; i += 2) {
            pts.add(SinkFixtures.point(t.plusSeconds((long) valueAndSecond[i + 1]), "temp", labels, valueAndSecond[i]));
        }
        fx.publish(p, pts);
    }

    private static List<MimeMessage> messagesTo(String to) throws Exception {
        List<MimeMessage> out = new ArrayList<>();
        for (MimeMessage m : GreenMailResource.mail.getReceivedMessages()) {
            for (var r : m.getAllRecipients()) {
                if (r.toString().equals(to)) {
                    out.add(m);
                }
            }
        }
        return out;
    }
}
