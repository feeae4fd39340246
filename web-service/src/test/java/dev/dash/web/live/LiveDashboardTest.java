package dev.dash.web.live;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.live.cache.HotCache;
import dev.dash.web.live.points.PointsFeed;
import dev.dash.web.live.stream.LiveStreams;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.logging.Log;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Live dashboards end to end on the real services: Keycloak tokens on the upgrade, points the way the Silver
 * writer publishes them (rows committed to Silver, then the batch on {@code dash.points} through the real
 * broker), and every widget compared with what the data endpoint answers.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class LiveDashboardTest {
    private static final Duration WAIT = LiveClient.WAIT;
    private static KafkaProducer<String, byte[]> producer;

    @TestHTTPResource("/")
    URI base;

    @Inject
    PointsFeed feed;

    @Inject
    LiveStreams streams;

    @Inject
    HotCache cache;

    private final List<LiveClient> clients = new ArrayList<>();

    record Fixture(Api.Team team, UUID pipeline, String dashboard, List<String> widgets) {
        String widget() {
            return widgets.get(0);
        }
    }

    @BeforeAll
    static void openProducer() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.LINGER_MS_CONFIG, "0");
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
    void closeClients() {
        clients.forEach(LiveClient::close);
    }

    // ---- snapshot, deltas, late joiner ----

    @Test
    void theSnapshotIsTheDataEndpointsAnswerAndDeltasKeepEveryViewerEqualToItIncludingALateJoiner() {
        Fixture f = fixture(1, "sum");
        String range = absoluteRange();
        LiveClient early = viewer(f);
        early.subscribe(range);
        JsonNode snapshot = early.awaitType("snapshot");
        assertThat(snapshot.path("widget_id").asText()).isEqualTo(f.widget());
        assertThat(snapshot.path("epoch").asText()).isNotEmpty();
        JsonNode api = data(f, f.widget(), snapshot.path("range"));
        assertThat(snapshot.path("data")).isEqualTo(api);
        assertThat(api.path("series").size()).isEqualTo(2);

        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        write(f, 1, List.of(point(now, "a", 5), point(now.minusSeconds(60), "b", 7)));
        early.awaitType("delta");
        Awaitility.await()
                .atMost(WAIT)
                .untilAsserted(() -> assertThat(WidgetModel.of(early.all(), f.widget()))
                        .isEqualTo(WidgetModel.ofResult(data(f, f.widget(), snapshot.path("range")))));

        LiveClient late = viewer(f);
        late.subscribe(range);
        late.awaitType("snapshot");
        write(f, 1, List.of(point(now.plusMillis(1), "a", 11), point(now, "c", 1)));
        Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            WidgetModel expected = WidgetModel.ofResult(data(f, f.widget(), snapshot.path("range")));
            assertThat(expected.series).containsKey("{room=c}");
            assertThat(WidgetModel.of(early.all(), f.widget())).isEqualTo(expected);
            assertThat(WidgetModel.of(late.all(), f.widget())).isEqualTo(expected);
        });
        // One stream for both viewers: the same epoch, and frames numbered by one counter.
        assertThat(late.of("delta").get(0).path("epoch")).isEqualTo(snapshot.path("epoch"));
        JsonNode delta = early.of("delta").get(0);
        assertThat(delta.path("mapping_version").asInt()).isEqualTo(1);
        assertThat(delta.path("seq").asLong())
                .isGreaterThan(snapshot.path("seq").asLong());
    }

    @Test
    void aRelativeRangeSlidesOldBucketsOutWithDropBeforeAndStaysEqualToTheDataEndpoint() {
        Fixture f = fixture(1, "sum");
        LiveClient c = viewer(f);
        c.subscribe("{\"last\":\"PT1M\"}");
        JsonNode snapshot = c.awaitType("snapshot");
        Instant from = Instant.parse(snapshot.path("range").path("from").asText());
        // 10-second buckets: the first slide comes within ten seconds.
        JsonNode drop = c.awaitType("drop_before");
        Instant t = Instant.parse(drop.path("t").asText());
        assertThat(t).isAfter(from);
        assertThat(drop.path("seq").asLong()).isGreaterThan(snapshot.path("seq").asLong());
        WidgetModel shown = WidgetModel.of(c.all(), f.widget());
        shown.series.values().forEach(points -> assertThat(points.firstKey()).isAfterOrEqualTo(t));
        JsonNode now = LiveClient.JSON
                .createObjectNode()
                .put("from", t.toString())
                .put("to", snapshot.path("range").path("to").asText());
        assertThat(shown).isEqualTo(WidgetModel.ofResult(data(f, f.widget(), now)));
    }

    @Test
    void underTrafficASlideIsFoldedIntoTheNextDeltaAndAResumingClientGetsThatDeltaFromTheRingBuffer() {
        Fixture f = fixture(1, "sum");
        String range = "{\"last\":\"PT1M\"}";
        LiveClient c = viewer(f);
        c.subscribe(range);
        LiveClient leaving = viewer(f);
        leaving.subscribe(range);
        JsonNode snapshot = c.awaitType("snapshot");
        leaving.awaitType("snapshot");
        String epoch = leaving.of("snapshot").get(0).path("epoch").asText();
        long last = leaving.lastSeq();
        leaving.close();

        // Points more often than the coalescing interval until a slide (10-second buckets: within ten seconds)
        // goes out in a delta rather than in a frame of its own.
        long deadline = System.nanoTime() + WAIT.toNanos();
        int n = 0;
        while (c.all().stream().noneMatch(fr -> "delta".equals(fr.path("type").asText()) && fr.has("drop_before"))) {
            assertThat(System.nanoTime()).as("a delta carrying a slide").isLessThan(deadline);
            write(f, 1, List.of(point(Instant.now(), n % 2 == 0 ? "a" : "b", ++n)));
        }
        JsonNode folded = c.await(fr -> "delta".equals(fr.path("type").asText()) && fr.has("drop_before"));
        Instant t = Instant.parse(folded.path("drop_before").asText());
        assertThat(t).isAfter(Instant.parse(snapshot.path("range").path("from").asText()));
        assertThat(folded.path("widget_id").asText()).isEqualTo(f.widget());
        assertThat(folded.path("series")).isNotEmpty();
        // Frames number up by one without a gap: the slide took no number of its own.
        List<Long> seqs = c.all().stream()
                .filter(fr ->
                        fr.has("seq") && !"snapshot".equals(fr.path("type").asText()))
                .map(fr -> fr.path("seq").asLong())
                .toList();
        for (int i = 1; i < seqs.size(); i++) {
            assertThat(seqs.get(i)).isEqualTo(seqs.get(i - 1) + 1);
        }
        // The client merged the buckets, then dropped those before the slide; it equals the data endpoint.
        awaitEqual(f, List.of(c));
        WidgetModel.of(c.all(), f.widget())
                .series
                .values()
                .forEach(points -> assertThat(points.firstKey()).isAfterOrEqualTo(t));

        // A client that left before it resumes with its sequence: exactly the frames it missed, the folded delta
        // among them byte for byte, and no snapshot.
        List<JsonNode> missed = c.after(last).stream()
                .filter(fr -> !"snapshot".equals(fr.path("type").asText()))
                .toList();
        LiveClient back = viewer(f);
        back.resume(range, epoch, last);
        Awaitility.await()
                .atMost(WAIT)
                .until(() -> back.lastSeq()
                        >= missed.get(missed.size() - 1).path("seq").asLong());
        assertThat(back.of("snapshot")).isEmpty();
        assertThat(back.all().subList(0, missed.size())).isEqualTo(missed);
        assertThat(back.all()).contains(folded);
    }

    @Test
    void deltasComeFromTheHotCacheWithoutASilverReadPerStreamOrViewer() {
        Fixture f = fixture(1, "avg");
        String range = absoluteRange();
        // Two streams of the dashboard (two ranges), three viewers: one widget query, so one cache entry.
        List<LiveClient> viewers = List.of(viewer(f), viewer(f), viewer(f));
        viewers.get(0).subscribe(range);
        viewers.get(1).subscribe(range);
        viewers.get(2).subscribe("{\"last\":\"PT15M\"}");
        viewers.forEach(v -> v.awaitType("snapshot"));
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        write(f, 1, List.of(point(now, "a", 5)));
        awaitEqual(f, viewers);

        long cacheReads = cache.reads();
        long readBacks = streams.readBacks();
        int batches = 6;
        for (int b = 1; b <= batches; b++) {
            write(f, 1, List.of(point(now.plusMillis(b), "a", 10 * b), point(now.minusSeconds(20 * b), "c", b)));
            awaitEqual(f, viewers);
        }
        long deltaReads = cache.reads() - cacheReads;
        Log.infof(
                "%d batches to 3 viewers on 2 streams: %d cache reads, %d read-backs",
                batches, deltaReads, streams.readBacks() - readBacks);
        assertThat(streams.readBacks() - readBacks).isZero();
        // At most one read of a bucket whose point was committed while another read ran; none per viewer.
        assertThat(deltaReads).isLessThan(batches);
    }

    /** Every viewer shows what the data endpoint answers for the range of its first snapshot. */
    private static void awaitEqual(Fixture f, List<LiveClient> viewers) {
        Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            for (LiveClient v : viewers) {
                JsonNode snapshot = v.of("snapshot").get(0);
                WidgetModel shown = WidgetModel.of(v.all(), f.widget());
                // A relative range slides: from its last slide (a drop_before frame, or one folded into a delta), to
                // now (buckets after the snapshot's end are appended by deltas).
                String from = snapshot.path("range").path("from").asText();
                for (JsonNode frame : v.all()) {
                    Instant slide = WidgetModel.slide(frame);
                    if (slide != null && frame.path("widget_id").asText().equals(f.widget())) {
                        from = slide.toString();
                    }
                }
                Instant to = Instant.parse(snapshot.path("range").path("to").asText());
                if (to.isBefore(Instant.now())) {
                    to = Instant.now();
                }
                JsonNode range =
                        LiveClient.JSON.createObjectNode().put("from", from).put("to", to.toString());
                assertThat(shown).isEqualTo(WidgetModel.ofResult(data(f, f.widget(), range)));
            }
        });
    }

    // ---- resume ----

    @Test
    void aClientResumingWithItsLastSequenceGetsExactlyTheFramesItMissedAndASnapshotOnceTheBufferIsGone() {
        Fixture f = fixture(2, "max");
        String range = absoluteRange();
        LiveClient witness = viewer(f);
        witness.subscribe(range);
        LiveClient leaving = viewer(f);
        leaving.subscribe(range);
        Awaitility.await().atMost(WAIT).until(() -> leaving.of("snapshot").size() == 2);
        Awaitility.await().atMost(WAIT).until(() -> witness.of("snapshot").size() == 2);
        String epoch = leaving.of("snapshot").get(0).path("epoch").asText();
        long last = leaving.lastSeq();
        leaving.close();

        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        write(f, 1, List.of(point(now, "a", 50)));
        Awaitility.await().atMost(WAIT).until(() -> witness.of("delta").size() >= 2);
        write(f, 1, List.of(point(now, "b", 60)));
        Awaitility.await().atMost(WAIT).until(() -> witness.of("delta").size() >= 4);
        List<JsonNode> missed = witness.after(last);

        LiveClient back = viewer(f);
        back.resume(range, epoch, last);
        Awaitility.await()
                .atMost(WAIT)
                .until(() -> back.lastSeq()
                        >= missed.get(missed.size() - 1).path("seq").asLong());
        // Exactly the missed frames, in order (a heartbeat may follow them).
        assertThat(back.all().subList(0, missed.size())).isEqualTo(missed);
        assertThat(back.of("snapshot")).isEmpty();
        for (String w : f.widgets()) {
            assertThat(WidgetModel.of(concat(leavingFrames(witness, last), back.all()), w))
                    .isEqualTo(WidgetModel.ofResult(
                            data(f, w, witness.of("snapshot").get(0).path("range"))));
        }

        // Everyone leaves; the stream lingers, then goes with its ring buffer: resuming now gets a snapshot.
        witness.close();
        back.close();
        Awaitility.await().atMost(WAIT).until(() -> streams.streams() == 0);
        LiveClient again = viewer(f);
        again.resume(range, epoch, back.lastSeq());
        Awaitility.await().atMost(WAIT).until(() -> again.of("snapshot").size() == 2);
        JsonNode fresh = again.of("snapshot").get(0);
        assertThat(fresh.path("epoch").asText()).isNotEqualTo(epoch);
        assertThat(fresh.path("data")).isEqualTo(data(f, fresh.path("widget_id").asText(), fresh.path("range")));
    }

    private static List<JsonNode> leavingFrames(LiveClient witness, long last) {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode fr : witness.all()) {
            if (!fr.has("seq") || fr.path("seq").asLong() <= last) {
                out.add(fr);
            }
        }
        return out;
    }

    private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
        List<JsonNode> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    // ---- who may connect ----

    @Test
    void theUpgradeIsRefusedWith401Or404AndEveryTeamRoleMayWatch() {
        Fixture f = fixture(1, "avg");
        Fixture other = fixture(1, "avg");
        assertThat(LiveClient.refusal(live(f), Map.of())).isEqualTo(401);
        String forged =
                Tokens.of(Tokens.VIEWER).substring(0, Tokens.of(Tokens.VIEWER).lastIndexOf('.')) + ".forged";
        assertThat(LiveClient.refusal(live(f), Map.of("Authorization", "Bearer " + forged)))
                .isEqualTo(401);
        // Not in the team; a dashboard of another team under this team's id; no such dashboard; not an id.
        assertThat(LiveClient.refusal(live(f), bearer(Tokens.PLATFORM))).isEqualTo(404);
        assertThat(LiveClient.refusal(
                        wsUri("/api/teams/" + f.team().id() + "/dashboards/" + other.dashboard() + "/live"),
                        bearer(Tokens.VIEWER)))
                .isEqualTo(404);
        assertThat(LiveClient.refusal(
                        wsUri("/api/teams/" + f.team().id() + "/dashboards/" + UUID.randomUUID() + "/live"),
                        bearer(Tokens.VIEWER)))
                .isEqualTo(404);
        assertThat(LiveClient.refusal(
                        wsUri("/api/teams/" + f.team().id() + "/dashboards/nope/live"), bearer(Tokens.VIEWER)))
                .isEqualTo(404);
        for (String user : List.of(Tokens.VIEWER, Tokens.MEMBER, Tokens.ADMIN, Tokens.OWNER)) {
            LiveClient c = track(LiveClient.connect(live(f), bearer(user)));
            c.subscribe(absoluteRange());
            assertThat(c.awaitType("snapshot").path("widget_id").asText()).isEqualTo(f.widget());
        }
    }

    @Test
    void aViewerWhoLeavesTheTeamIsClosedWith1008AndAnotherStaysConnected() {
        Fixture f = fixture(1, "avg");
        LiveClient viewer = viewer(f);
        LiveClient member = track(LiveClient.connect(live(f), bearer(Tokens.MEMBER)));
        viewer.subscribe(absoluteRange());
        member.subscribe(absoluteRange());
        viewer.awaitType("snapshot");
        member.awaitType("snapshot");
        Db.update(
                "UPDATE memberships SET active = false WHERE team_id = ? AND user_id = (SELECT id FROM users WHERE email = ?)",
                f.team().id(),
                Tokens.VIEWER);
        assertThat(viewer.closeCode()).isEqualTo(1008);
        assertThat(member.closed).isNotDone();
    }

    @Test
    void aBadMessageGetsAnErrorFrameNamingTheFieldAndTheConnectionStays() {
        Fixture f = fixture(1, "avg");
        LiveClient c = viewer(f);
        c.send("{\"type\":\"subscribe\",\"range\":{\"last\":\"fifteen minutes\"}}");
        JsonNode error = c.awaitType("error");
        assertThat(error.path("error").asText()).isEqualTo("invalid_request");
        assertThat(error.path("fields").get(0).path("field").asText()).isEqualTo("range.last");
        c.frames.clear();
        c.send("{\"type\":\"subscribe\",\"range\":{\"from\":\"2026-12-05T11:00:00Z\",\"to\":\"2026-12-05T10:00:00Z\"},"
                + "\"resume\":{\"epoch\":3}}");
        JsonNode twice = c.awaitType("error");
        assertThat(twice.path("fields").findValuesAsText("field"))
                .containsExactlyInAnyOrder("range.from", "resume.epoch", "resume.seq");
        c.frames.clear();
        c.send("{\"type\":\"write\"}");
        assertThat(c.awaitType("error").path("fields").get(0).path("field").asText())
                .isEqualTo("type");
        c.frames.clear();
        c.send("not json");
        assertThat(c.awaitType("error").path("message").asText()).contains("not JSON");
        // Nothing was subscribed by the bad messages; a ping is answered, then a good subscription works.
        assertThat(c.of("snapshot")).isEmpty();
        c.send("{\"type\":\"ping\"}");
        c.awaitType("pong");
        c.subscribe("{\"last\":\"PT15M\"}");
        assertThat(c.awaitType("snapshot").path("widget_id").asText()).isEqualTo(f.widget());
    }

    @Test
    void aPublicLinkWatchesReadOnlyAndIsClosedWith4403WithinSecondsOfItsRevocation() {
        Fixture f = fixture(1, "sum");
        String token = as(Tokens.ADMIN)
                .body(Map.of())
                .post("/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard() + "/public-link")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
        assertThat(LiveClient.refusal(wsUri("/public/dashboards/not-a-token/live"), Map.of()))
                .isEqualTo(404);
        LiveClient c = track(LiveClient.connect(wsUri("/public/dashboards/" + token + "/live"), Map.of()));
        c.subscribe(absoluteRange());
        JsonNode snapshot = c.awaitType("snapshot");
        assertThat(snapshot.path("data")).isEqualTo(data(f, f.widget(), snapshot.path("range")));
        write(f, 1, List.of(point(Instant.now(), "a", 3)));
        c.awaitType("delta");
        // Read-only: there is nothing to send but subscribe and ping.
        c.send("{\"type\":\"delete\"}");
        c.awaitType("error");

        long revoked = System.nanoTime();
        as(Tokens.ADMIN)
                .delete("/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard() + "/public-link")
                .then()
                .statusCode(204);
        assertThat(c.closeCode()).isEqualTo(4403);
        Duration took = Duration.ofNanos(System.nanoTime() - revoked);
        Log.infof("Public live connection closed %d ms after its link was revoked", took.toMillis());
        assertThat(took).isLessThan(Duration.ofSeconds(5));
        assertThat(LiveClient.refusal(wsUri("/public/dashboards/" + token + "/live"), Map.of()))
                .isEqualTo(404);
    }

    // ---- slow clients ----

    @Test
    void aSlowClientDoesNotDelayAFastOneAndIsClosedWith1013OverItsLimit() {
        // Ten widgets whose deltas carry 1,000 label sets each: about 600 KB of frames per batch.
        Fixture f = fixture(10, "max");
        String range = absoluteRange();
        LiveClient fast = viewer(f);
        fast.subscribe(range);
        Awaitility.await().atMost(WAIT).until(() -> fast.of("snapshot").size() == 10);
        int[] batch = {0};

        // The fast client alone first, for its latency without the slow one; then with it stalled beside.
        List<Long> alone = new ArrayList<>();
        while (alone.size() < 10) {
            alone.add(batchLatency(f, fast, ++batch[0]));
        }
        // Counted before the slow client connects: its snapshots alone may take it over its limit, and a close
        // during the subscribe, read as the starting count, would never be seen.
        long slowBefore = streams.closedAsSlow();
        LiveClient slow = track(LiveClient.connectSlow(live(f), bearer(Tokens.VIEWER)));
        slow.subscribe(range);
        List<Long> beside = new ArrayList<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (streams.closedAsSlow() == slowBefore || beside.size() < 10) {
            assertThat(System.nanoTime())
                    .as("the slow client is closed in time")
                    .isLessThan(deadline);
            beside.add(batchLatency(f, fast, ++batch[0]));
        }
        long aloneP50 = median(alone);
        long besideP50 = median(beside);
        Log.infof(
                "Fast client write-to-frame median: %d ms alone (%d batches), %d ms beside a stalled client (%d batches,"
                        + " max %d ms)",
                aloneP50,
                alone.size(),
                besideP50,
                beside.size(),
                beside.stream().mapToLong(Long::longValue).max().orElse(0));
        // The machine is shared and noisy: a generous bound, far below what waiting for the slow client would take.
        assertThat(besideP50).isLessThan(2 * aloneP50 + 300);
        slow.drain();
        assertThat(slow.closeCode()).isEqualTo(1013);
        assertThat(fast.closed).isNotDone();
    }

    /** Writes batch {@code b} (1,000 label sets) and answers the ms until the fast client shows it. */
    private long batchLatency(Fixture f, LiveClient fast, int b) {
        Instant t = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        List<PointsBatch.Point> points = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            points.add(point(t, "r" + i, b));
        }
        write(f, 1, points);
        long sent = System.nanoTime();
        Awaitility.await().atMost(WAIT).until(() -> firstWith(fast, f.widget(), b) > 0);
        return (firstWith(fast, f.widget(), b) - sent) / 1_000_000;
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        sorted.sort(Long::compare);
        return sorted.get(sorted.size() / 2);
    }

    /** When the fast client first had a frame showing batch {@code b} in the widget, or 0. */
    private static long firstWith(LiveClient c, String widget, int b) {
        for (LiveClient.Received r : c.frames) {
            JsonNode f = r.frame();
            if (f.path("type").asText().equals("delta")
                    && f.path("widget_id").asText().equals(widget)) {
                for (JsonNode s : f.path("series")) {
                    for (JsonNode p : s.path("points")) {
                        if (p.path("v").asDouble() >= b) {
                            return r.nanos();
                        }
                    }
                }
            }
        }
        return 0;
    }

    // ---- versions ----

    @Test
    void aCutOverSwitchesEveryWidgetToTheNewVersionAfterItsAnnotationWithoutMixingVersions() throws Exception {
        Fixture f = fixture(2, "sum");
        String range = absoluteRange();
        LiveClient c = viewer(f);
        c.subscribe(range);
        Awaitility.await().atMost(WAIT).until(() -> c.of("snapshot").size() == 2);
        JsonNode first = c.of("snapshot").get(0);
        assertThat(first.path("data").path("mapping_version").asInt()).isEqualTo(1);

        // replay-service reports the replay running; it writes version 2 (doubled values), cuts over and reports
        // success. The node hears of the cut-over from that message or from its access check (1 s in tests), which
        // may come first: the order of those two annotations is not promised, the switch after them is.
        UUID replay = UUID.randomUUID();
        sendReplay(f, replay, "running");
        c.await(fr -> fr.path("kind").asText().equals("replay_started"));
        Db.update("""
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                SELECT time, pipeline_id, team_id, metric, labels, value * 2, event_id, 2, seq FROM metrics
                WHERE pipeline_id = ? AND mapping_version = 1
                """, f.pipeline());
        Db.update("UPDATE pipelines SET active_mapping_version = 2 WHERE id = ?", f.pipeline());
        sendReplay(f, replay, "succeeded");
        JsonNode activated = c.await(fr -> fr.path("kind").asText().equals("mapping_activated"));
        assertThat(activated.path("pipeline_id").asText())
                .isEqualTo(f.pipeline().toString());
        assertThat(activated.path("mapping_version").asInt()).isEqualTo(2);
        Awaitility.await()
                .atMost(WAIT)
                .until(() -> c.after(activated.path("seq").asLong()).stream()
                                .filter(fr -> fr.path("type").asText().equals("snapshot"))
                                .count()
                        == 2);
        List<String> kinds = c.all().stream()
                .filter(fr -> fr.path("type").asText().equals("annotation"))
                .map(fr -> fr.path("kind").asText())
                .toList();
        assertThat(kinds).containsSubsequence("replay_started", "mapping_activated");
        Awaitility.await()
                .atMost(WAIT)
                .until(() ->
                        c.all().stream().anyMatch(fr -> fr.path("kind").asText().equals("replay_succeeded")));

        // A live point of version 2 after the cut-over: deltas of version 2 only; every widget equals the API.
        write(f, 2, List.of(point(Instant.now(), "a", 100)));
        Awaitility.await().atMost(WAIT).untilAsserted(() -> {
            for (String w : f.widgets()) {
                WidgetModel expected = WidgetModel.ofResult(data(f, w, first.path("range")));
                assertThat(expected.version).isEqualTo(2);
                assertThat(WidgetModel.of(c.all(), w)).isEqualTo(expected);
            }
        });
        for (JsonNode fr : c.after(activated.path("seq").asLong())) {
            if (fr.path("type").asText().equals("delta")) {
                assertThat(fr.path("mapping_version").asInt()).isEqualTo(2);
            } else if (fr.path("type").asText().equals("snapshot")) {
                assertThat(fr.path("data").path("mapping_version").asInt()).isEqualTo(2);
            }
        }
    }

    private static void sendReplay(Fixture f, UUID replay, String state) throws Exception {
        String message = "{\"id\":\"" + replay + "\",\"pipeline_id\":\"" + f.pipeline() + "\",\"team_id\":\""
                + f.team().id() + "\",\"kind\":\"mapping\",\"from_version\":1,\"target_version\":2,\"state\":\""
                + state + "\"}";
        producer.send(new ProducerRecord<>(LocalServices.topics().replays(), replay.toString(), message.getBytes()))
                .get(10, TimeUnit.SECONDS);
    }

    @Test
    void aCutOverWithoutAReplayMessageReachesOpenWidgetsWithinTheAccessCheck() {
        Fixture f = fixture(1, "sum");
        LiveClient c = viewer(f);
        c.subscribe(absoluteRange());
        JsonNode snapshot = c.awaitType("snapshot");
        assertThat(snapshot.path("data").path("mapping_version").asInt()).isEqualTo(1);
        // A cut-over this node hears nothing of: no dash.replays message, no point of the pipeline.
        Db.update("""
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                SELECT time, pipeline_id, team_id, metric, labels, value * 2, event_id, 2, seq FROM metrics
                WHERE pipeline_id = ? AND mapping_version = 1
                """, f.pipeline());
        Db.update("UPDATE pipelines SET active_mapping_version = 2 WHERE id = ?", f.pipeline());
        // dash.live.access-check is 1 s in tests; before, only the hot cache's refresh (60 s) or a read noticed it.
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() ->
                        c.all().stream().anyMatch(fr -> fr.path("kind").asText().equals("mapping_activated")));
        JsonNode activated = c.await(fr -> fr.path("kind").asText().equals("mapping_activated"));
        assertThat(activated.path("mapping_version").asInt()).isEqualTo(2);
        JsonNode fresh = c.await(fr -> fr.path("type").asText().equals("snapshot")
                && fr.path("seq").asLong() > activated.path("seq").asLong());
        assertThat(fresh.path("data").path("mapping_version").asInt()).isEqualTo(2);
        assertThat(fresh.path("data")).isEqualTo(data(f, f.widget(), fresh.path("range")));
    }

    @Test
    void aMessageOverTheSizeLimitIsClosedWith1009AndNeitherItNorADroppedConnectionLogsAnError() {
        Fixture f = fixture(1, "avg");
        List<LogRecord> errors = new CopyOnWriteArrayList<>();
        Handler watch = new Handler() {
            @Override
            public void publish(LogRecord r) {
                if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                    errors.add(r);
                }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger root = Logger.getLogger("");
        root.addHandler(watch);
        try {
            LiveClient c = viewer(f);
            c.send("{\"type\":\"subscribe\",\"pad\":\"" + "x".repeat(300 * 1024) + "\"}");
            assertThat(c.closeCode()).isEqualTo(1009);
            // A client that drops its connection without a close handshake is no server error either.
            LiveClient dropped = viewer(f);
            dropped.subscribe("{\"last\":\"PT15M\"}");
            dropped.awaitType("snapshot");
            dropped.abort();
            // The next connection is served as usual, and gets the delta the dropped one no longer could.
            LiveClient again = viewer(f);
            again.subscribe("{\"last\":\"PT15M\"}");
            again.awaitType("snapshot");
            write(f, 1, List.of(point(Instant.now(), "a", 3)));
            again.awaitType("delta");
        } finally {
            root.removeHandler(watch);
        }
        assertThat(errors).extracting(LogRecord::getMessage).isEmpty();
    }

    // ---- fixtures ----

    /** A pipeline (version 1 active) with 30 points over the last five minutes, and a dashboard of widgets. */
    static Fixture fixture(int widgets, String aggregation) {
        Api.Team team =
                Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN, "member", Tokens.MEMBER, "viewer", Tokens.VIEWER));
        UUID pipeline = Api.pipeline(team);
        Db.update("UPDATE pipelines SET active_mapping_version = 1 WHERE id = ?", pipeline);
        Db.update("""
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                SELECT date_trunc('milliseconds', now()) - make_interval(secs => i * 10), ?, ?, 'temp',
                       jsonb_build_object('room', CASE WHEN i % 2 = 0 THEN 'a' ELSE 'b' END), i, gen_random_uuid(), 1, 0
                FROM generate_series(1, 30) i
                """, pipeline, team.id());
        String dashboard = as(Tokens.MEMBER)
                .body(Map.of("name", "Live", "slug", Api.unique("live")))
                .post("/api/teams/" + team.id() + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < widgets; i++) {
            ids.add(as(Tokens.MEMBER)
                    .body(Map.of(
                            "type",
                            "line_chart",
                            "title",
                            "Temperature " + i,
                            "data_query",
                            Map.of(
                                    "pipeline_id",
                                    pipeline.toString(),
                                    "metric",
                                    "temp",
                                    "aggregation",
                                    aggregation,
                                    "bucket",
                                    "PT10S")))
                    .post("/api/teams/" + team.id() + "/dashboards/" + dashboard + "/widgets")
                    .then()
                    .statusCode(201)
                    .extract()
                    .path("id"));
        }
        return new Fixture(team, pipeline, dashboard, ids);
    }

    static PointsBatch.Point point(Instant t, String room, double v) {
        return new PointsBatch.Point(
                t.truncatedTo(ChronoUnit.MILLIS), "temp", Map.of("room", room), v, UUID.randomUUID(), 0, 1, t);
    }

    /** What the Silver writer does: commit the rows, then publish the batch on dash.points. */
    static void write(Fixture f, int version, List<PointsBatch.Point> points) {
        List<PointsBatch.Point> versioned = points.stream()
                .map(p -> new PointsBatch.Point(
                        p.time(), p.metric(), p.labels(), p.value(), p.eventId(), p.seq(), version, p.receivedAt()))
                .toList();
        StringBuilder values = new StringBuilder();
        List<Object> params = new ArrayList<>();
        for (PointsBatch.Point p : versioned) {
            values.append(values.length() == 0 ? "" : ",")
                    .append("(?::timestamptz, ?::uuid, ?::uuid, ?, ?::jsonb, ?, ?::uuid, ?, ?)");
            params.addAll(List.of(
                    p.time().toString(),
                    f.pipeline().toString(),
                    f.team().id().toString(),
                    p.metric(),
                    "{\"room\":\"" + p.labels().get("room") + "\"}",
                    p.value(),
                    p.eventId().toString(),
                    p.mappingVersion(),
                    p.seq()));
        }
        Db.update(
                "INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq) VALUES "
                        + values,
                params.toArray());
        publish(f, versioned);
    }

    /** The batch on dash.points only, its rows not in Silver. */
    static void publish(Fixture f, List<PointsBatch.Point> versioned) {
        byte[] value = PointsCodec.encode(new PointsBatch(f.pipeline(), f.team().id(), Instant.now(), versioned));
        try {
            producer.send(new ProducerRecord<>(
                            LocalServices.topics().points(), f.pipeline().toString(), value))
                    .get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The data endpoint's answer for a widget over a frame's range. */
    static JsonNode data(Fixture f, String widget, JsonNode range) {
        String body = as(Tokens.VIEWER)
                .body(Map.of(
                        "from",
                        range.path("from").asText(),
                        "to",
                        range.path("to").asText()))
                .post("/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard() + "/widgets/" + widget + "/data")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        try {
            return LiveClient.JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String absoluteRange() {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return "{\"from\":\"" + now.minus(Duration.ofMinutes(10)) + "\",\"to\":\"" + now.plus(Duration.ofMinutes(10))
                + "\"}";
    }

    private LiveClient viewer(Fixture f) {
        return track(LiveClient.connect(live(f), bearer(Tokens.VIEWER)));
    }

    private LiveClient track(LiveClient c) {
        clients.add(c);
        return c;
    }

    private URI live(Fixture f) {
        return wsUri("/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard() + "/live");
    }

    private URI wsUri(String path) {
        return URI.create("ws://" + base.getHost() + ":" + base.getPort() + path);
    }

    static Map<String, String> bearer(String user) {
        return Map.of("Authorization", "Bearer " + Tokens.of(user));
    }
}
