package dev.dash.web.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.live.LiveDashboardTest.Fixture;
import dev.dash.web.live.points.PointsFeed;
import dev.dash.web.live.stream.LiveStreams;
import dev.dash.web.replay.ReplayWatchers.ReplayMessage;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.net.URI;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reads of the live path that fail for a reason that may pass, made to fail through the real database
 * ({@link Statements}): the test holds an exclusive lock on a table, so the reads wait for it, and cancels them there
 * ({@code pg_cancel_backend}: SQLSTATE 57014, as a statement timeout or an operator would). A widget read for a
 * stream's snapshot (docs/live.md, "Snapshots that fail"; the data endpoint's query starts with the pipeline's active
 * version), a public link's lookup, the dashboard read of the new stream a changed dashboard's viewers move to, and a
 * read of a pipeline's active version (a stream's after a replay, the hot cache's after a point of a newer version):
 * none leaves a viewer without data, waiting in silence or on a stale version.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class LiveSnapshotRetryTest {
    /** The first statement of a widget's read (QueryService.series), as pg_stat_activity shows it. */
    private static final String WIDGET_READ =
            "SELECT id, active_mapping_version FROM pipelines WHERE id = $1 AND team_id = $2";
    /** A public link's lookup (DashboardReads.byTokenHash), as pg_stat_activity shows it. */
    private static final String LINK_LOOKUP = "SELECT id, team_id FROM dashboards WHERE public_token_hash = $1";
    /** The node's check of its streams' dashboards and widgets (LiveStreams.checkDashboards). */
    private static final String DASHBOARDS_CHECK = "SELECT d.id, w.id AS wid";
    /** A new stream's read of its dashboard (DashboardReads.load). */
    private static final String DASHBOARD_READ = "SELECT id, team_id, name, slug";
    /** A read of a pipeline's active version: a stream's after a replay succeeded, the hot cache's (same text). */
    private static final String VERSION_PROBE = "SELECT active_mapping_version AS v FROM pipelines WHERE id = $1";

    @TestHTTPResource("/")
    URI base;

    @Inject
    PointsFeed feed;

    @Inject
    Event<ReplayMessage> replays;

    @Inject
    LiveConfig config;

    @Inject
    LiveStreams streams;

    private final List<LiveClient> clients = new ArrayList<>();

    @BeforeAll
    static void openProducer() {
        LiveDashboardTest.openProducer();
    }

    @AfterAll
    static void closeProducer() {
        LiveDashboardTest.closeProducer();
    }

    @BeforeEach
    void feedIsReading() {
        Awaitility.await().atMost(LiveClient.WAIT).until(feed::reading);
    }

    @AfterEach
    void closeClients() {
        clients.forEach(LiveClient::close);
    }

    @Test
    void aSnapshotReadThatFailsIsTriedAgainAndEveryWaitingViewerGetsTheWholeSnapshot() throws Exception {
        Fixture f = LiveDashboardTest.fixture(2, "max");
        String range = LiveDashboardTest.absoluteRange();
        List<LiveClient> viewers = List.of(viewer(f), viewer(f), viewer(f));
        try (Connection lock = Db.connect()) {
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE pipelines IN ACCESS EXCLUSIVE MODE");
            }
            viewers.forEach(v -> v.subscribe(range));
            // Both widgets' reads wait for the lock; the first one seen fails (cancelled), the other goes on.
            AtomicInteger cancelled = new AtomicInteger();
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> cancelled.addAndGet(cancelWaitingReads(1)) == 1);
            lock.commit();
        }
        for (LiveClient v : viewers) {
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .until(() -> v.of("snapshot").size() == 2);
        }
        long seq = viewers.get(0).of("snapshot").get(0).path("seq").asLong();
        for (LiveClient v : viewers) {
            assertThat(v.of("error")).isEmpty();
            assertThat(v.of("snapshot"))
                    .extracting(s -> s.path("widget_id").asText())
                    .containsExactlyInAnyOrderElementsOf(f.widgets());
            for (JsonNode s : v.of("snapshot")) {
                // The snapshot the viewers waited for, not a later stream frame: one position for every widget.
                assertThat(s.path("seq").asLong()).isEqualTo(seq);
                assertThat(s.path("data"))
                        .isEqualTo(LiveDashboardTest.data(f, s.path("widget_id").asText(), s.path("range")));
            }
        }
        // The shared snapshot is whole, so a viewer joining now gets it too, without a read.
        LiveClient late = viewer(f);
        late.subscribe(range);
        Awaitility.await()
                .atMost(LiveClient.WAIT)
                .until(() -> late.of("snapshot").size() == 2);
        assertThat(late.of("snapshot"))
                .allSatisfy(s -> assertThat(s.path("seq").asLong()).isEqualTo(seq));
    }

    @Test
    void whenEveryTryFailsTheViewersGetAnErrorFrameForTheWidgetThenItsSnapshotOnceItCanBeRead() throws Exception {
        Fixture f = LiveDashboardTest.fixture(1, "sum");
        String range = LiveDashboardTest.absoluteRange();
        LiveClient c = viewer(f);
        JsonNode error;
        try (Connection lock = Db.connect()) {
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE pipelines IN ACCESS EXCLUSIVE MODE");
            }
            c.subscribe(range);
            // Every try of the widget's read fails until the viewer is told.
            AtomicInteger cancelled = new AtomicInteger();
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        cancelled.addAndGet(cancelWaitingReads(Integer.MAX_VALUE));
                        return !c.of("error").isEmpty();
                    });
            error = c.of("error").get(0);
            assertThat(cancelled.get()).isGreaterThan(1);
            assertThat(c.of("snapshot")).isEmpty();
            lock.commit();
        }
        assertThat(error.path("error").asText()).isEqualTo("snapshot_unavailable");
        assertThat(error.path("widget_id").asText()).isEqualTo(f.widget());
        assertThat(error.path("epoch").asText()).isNotEmpty();
        assertThat(error.has("seq")).isTrue();

        // The stream goes on reading the widget: its snapshot comes as a stream frame, after the error.
        JsonNode snapshot = c.awaitType("snapshot");
        assertThat(snapshot.path("seq").asLong())
                .isGreaterThan(error.path("seq").asLong());
        assertThat(snapshot.path("epoch")).isEqualTo(error.path("epoch"));
        assertThat(WidgetModel.of(c.all(), f.widget()))
                .isEqualTo(WidgetModel.ofResult(LiveDashboardTest.data(f, f.widget(), snapshot.path("range"))));

        // Nothing partial was kept for later viewers: one joining now gets the widget's snapshot, no error.
        LiveClient late = viewer(f);
        late.subscribe(range);
        JsonNode lateSnapshot = late.awaitType("snapshot");
        assertThat(late.of("error")).isEmpty();
        assertThat(lateSnapshot.path("data"))
                .isEqualTo(LiveDashboardTest.data(f, f.widget(), lateSnapshot.path("range")));
    }

    @Test
    void aPublicLinkWhoseLookupFailsIsRefusedWith503NotAsRevokedAndOpensOnceTheDatabaseAnswers() throws Exception {
        Fixture f = LiveDashboardTest.fixture(1, "sum");
        String token = Api.as(Tokens.ADMIN)
                .body(Map.of())
                .post("/api/teams/" + f.team().id() + "/dashboards/" + f.dashboard() + "/public-link")
                .then()
                .statusCode(200)
                .extract()
                .path("token");
        URI uri = URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/public/dashboards/" + token + "/live");
        try (Connection lock = Db.connect()) {
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE dashboards IN ACCESS EXCLUSIVE MODE");
            }
            // The upgrade's lookup of the link waits for the lock and fails there (cancelled): the link is valid,
            // so the answer is "try again" (503), not "no such link" (404).
            CompletableFuture<Integer> refused = CompletableFuture.supplyAsync(() -> LiveClient.refusal(uri, Map.of()));
            AtomicInteger cancelled = new AtomicInteger();
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> cancelled.addAndGet(Statements.cancelWaiting(LINK_LOOKUP, 1)) == 1);
            assertThat(refused.get(LiveClient.WAIT.toSeconds(), TimeUnit.SECONDS))
                    .isEqualTo(503);
            lock.commit();
        }
        // The failure was not remembered: the same link opens now and the viewer gets its snapshot.
        LiveClient c = LiveClient.connect(uri, Map.of());
        clients.add(c);
        c.subscribe(LiveDashboardTest.absoluteRange());
        JsonNode snapshot = c.awaitType("snapshot");
        assertThat(snapshot.path("data")).isEqualTo(LiveDashboardTest.data(f, f.widget(), snapshot.path("range")));
    }

    @Test
    void aSnapshotReadThatOutlivesTheRingBufferIsReadAgainSoItsViewerMissesNoFrame() throws Exception {
        Fixture f = LiveDashboardTest.fixture(1, "sum");
        String range = LiveDashboardTest.absoluteRange();
        LiveClient first = viewer(f);
        first.subscribe(range);
        first.awaitType("snapshot");
        // The ring buffer rolls past the shared snapshot, so the next viewer's subscribe reads a new one.
        annotate(f, config.ringBuffer() + 1);
        LiveClient late = viewer(f);
        try (Connection lock = Db.connect()) {
            lock.setAutoCommit(false);
            try (Statement st = lock.createStatement()) {
                st.execute("LOCK TABLE pipelines IN ACCESS EXCLUSIVE MODE");
            }
            late.subscribe(range);
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> Statements.waiting(WIDGET_READ) == 1);
            // While the read waits, more frames than the ring buffer holds go out.
            annotate(f, config.ringBuffer() + 1);
            lock.commit();
        }
        JsonNode snapshot = late.awaitType("snapshot");
        annotate(f, 3);
        Awaitility.await()
                .atMost(LiveClient.WAIT)
                .until(() -> late.after(snapshot.path("seq").asLong()).size() >= 3);
        // Every frame after the snapshot, each position once and in order: no gap between the two.
        List<Long> after = late.after(snapshot.path("seq").asLong()).stream()
                .map(LiveSnapshotRetryTest::seqOf)
                .toList();
        assertThat(after.get(0)).isEqualTo(snapshot.path("seq").asLong() + 1);
        for (int i = 1; i < after.size(); i++) {
            assertThat(after.get(i)).isEqualTo(after.get(i - 1) + 1);
        }
        assertThat(late.of("error")).isEmpty();
        assertThat(snapshot.path("data")).isEqualTo(LiveDashboardTest.data(f, f.widget(), snapshot.path("range")));
    }

    /**
     * A widget's query changes, and the dashboard read of the new stream its viewers move to fails every try.
     * Before, the failure was only logged: the viewer stayed on the old stream, which was no longer ticked, and got
     * nothing (no frame, no error) until its client gave up on the silence (45 s in the UI).
     */
    @Test
    void aViewerWhoseMoveToTheChangedDashboardsNewStreamFailsIsToldAndClosedAndGetsTheNewDashboardOnReconnecting()
            throws Exception {
        Fixture f = LiveDashboardTest.fixture(1, "sum");
        String range = LiveDashboardTest.absoluteRange();
        LiveClient c = viewer(f);
        c.subscribe(range);
        JsonNode first = c.awaitType("snapshot");
        AtomicInteger cancelled = new AtomicInteger();
        try (Connection change = Db.connect();
                Connection hold = Db.connect()) {
            change.setAutoCommit(false);
            hold.setAutoCommit(false);
            Statements.run(change, "LOCK TABLE dashboards IN ACCESS EXCLUSIVE MODE");
            // The widget shows the max from now on: the node's next check (1 s in tests) moves its viewers.
            Statements.run(
                    change,
                    "UPDATE widgets SET data_query = jsonb_set(data_query, '{aggregation}', '\"max\"') WHERE id = ?",
                    UUID.fromString(f.widget()));
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> Statements.waiting(DASHBOARDS_CHECK) > 0);
            // A second lock queues behind the waiting check: the check reads the change once the first lock goes, and
            // the new stream's dashboard read, which only starts then, waits for the second.
            CompletableFuture<Void> held = CompletableFuture.runAsync(
                    () -> Statements.run(hold, "LOCK TABLE dashboards IN ACCESS EXCLUSIVE MODE"));
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> Statements.waiting("LOCK TABLE dashboards") == 1);
            change.commit();
            held.get(LiveClient.WAIT.toSeconds(), TimeUnit.SECONDS);
            // Every try of the new stream's dashboard read fails until the viewer is told.
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> {
                        cancelled.addAndGet(Statements.cancelWaiting(DASHBOARD_READ, Integer.MAX_VALUE));
                        return c.closed.isDone();
                    });
            hold.commit();
        }
        assertThat(cancelled.get()).isGreaterThan(1);
        assertThat(c.closeCode()).isEqualTo(1013);
        assertThat(c.of("error"))
                .singleElement()
                .satisfies(e -> assertThat(e.path("error").asText()).isEqualTo("stream_unavailable"));

        // Reconnecting, as the UI does after a 1013, the viewer gets the dashboard as it is now.
        LiveClient again = viewer(f);
        again.subscribe(range);
        JsonNode snapshot = again.awaitType("snapshot");
        assertThat(snapshot.path("epoch")).isNotEqualTo(first.path("epoch"));
        assertThat(snapshot.path("data").path("aggregation").asText()).isEqualTo("max");
        assertThat(snapshot.path("data")).isEqualTo(LiveDashboardTest.data(f, f.widget(), snapshot.path("range")));
    }

    /**
     * A replay cut the pipeline over; the stream's read of the active version after the replay's message fails once.
     * Before, it was never tried again: the stream showed the old version until the node's periodic check noticed
     * (when the stream knew a version at all).
     */
    @Test
    void aFailedReadOfThePipelinesActiveVersionAfterAReplayIsTriedAgainAndTheCutOverReachesTheViewer()
            throws Exception {
        Fixture f = LiveDashboardTest.fixture(1, "sum");
        LiveClient c = viewer(f);
        c.subscribe(LiveDashboardTest.absoluteRange());
        assertThat(c.awaitType("snapshot").path("data").path("mapping_version").asInt())
                .isEqualTo(1);
        Db.update("""
                INSERT INTO metrics (time, pipeline_id, team_id, metric, labels, value, event_id, mapping_version, seq)
                SELECT time, pipeline_id, team_id, metric, labels, value * 2, event_id, 2, seq FROM metrics
                WHERE pipeline_id = ? AND mapping_version = 1
                """, f.pipeline());
        try (Connection lock = Db.connect()) {
            lock.setAutoCommit(false);
            Statements.run(lock, "LOCK TABLE pipelines IN ACCESS EXCLUSIVE MODE");
            // The cut-over, committed when the lock goes; replay-service reports the replay's success.
            Statements.run(lock, "UPDATE pipelines SET active_mapping_version = 2 WHERE id = ?", f.pipeline());
            UUID replay = UUID.randomUUID();
            replays.fire(new ReplayMessage(
                    f.team().id(),
                    "{\"id\":\"" + replay + "\",\"pipeline_id\":\"" + f.pipeline() + "\",\"team_id\":\""
                            + f.team().id()
                            + "\",\"kind\":\"mapping\",\"target_version\":2,\"state\":\"succeeded\"}"));
            c.await(fr -> fr.path("kind").asText().equals("replay_succeeded"));
            // The first read fails; it is tried again.
            Statements.cancelOneAndAwaitAnother(VERSION_PROBE);
            lock.commit();
        }
        JsonNode activated = c.await(fr -> fr.path("kind").asText().equals("mapping_activated"));
        assertThat(activated.path("mapping_version").asInt()).isEqualTo(2);
        JsonNode fresh = c.await(fr -> fr.path("type").asText().equals("snapshot")
                && fr.path("seq").asLong() > activated.path("seq").asLong());
        assertThat(fresh.path("data").path("mapping_version").asInt()).isEqualTo(2);
    }

    /**
     * A point of a newer version makes the hot cache check the pipeline's active version; that check fails once.
     * Before, it was not made again until another such point came: the entry kept the old version meanwhile.
     */
    @Test
    void aFailedCheckOfThePipelinesActiveVersionByTheHotCacheIsMadeAgain() throws Exception {
        Fixture f = LiveDashboardTest.fixture(1, "sum");
        LiveClient c = viewer(f);
        c.subscribe(LiveDashboardTest.absoluteRange());
        c.awaitType("snapshot");
        // Points until one's delta comes from the hot cache (no read-back): its entry holds version 1 by then.
        AtomicInteger n = new AtomicInteger();
        Awaitility.await().atMost(LiveClient.WAIT).until(() -> {
            long readBacks = streams.readBacks();
            int deltas = c.of("delta").size();
            LiveDashboardTest.write(f, 1, List.of(LiveDashboardTest.point(Instant.now(), "a", n.incrementAndGet())));
            Awaitility.await().atMost(LiveClient.WAIT).until(() -> c.of("delta").size() > deltas);
            return streams.readBacks() == readBacks;
        });
        try (Connection lock = Db.connect()) {
            lock.setAutoCommit(false);
            Statements.run(lock, "LOCK TABLE pipelines IN ACCESS EXCLUSIVE MODE");
            // A point of version 2 (as in a replay's dual write), on dash.points only: its row would wait for the lock.
            Instant t = Instant.now();
            LiveDashboardTest.publish(
                    f, List.of(new PointsBatch.Point(t, "temp", Map.of("room", "a"), 1, UUID.randomUUID(), 0, 2, t)));
            // The first read fails; it is tried again (a second later).
            Statements.cancelOneAndAwaitAnother(VERSION_PROBE);
            lock.commit();
        }
    }

    private static long seqOf(JsonNode frame) {
        return frame.path("seq").asLong();
    }

    /** {@code n} replay-started annotations over the fixture's pipeline, one stream frame each. */
    private void annotate(Fixture f, int n) {
        for (int i = 0; i < n; i++) {
            UUID replay = UUID.randomUUID();
            replays.fire(new ReplayMessage(
                    f.team().id(),
                    "{\"id\":\"" + replay + "\",\"pipeline_id\":\"" + f.pipeline() + "\",\"team_id\":\""
                            + f.team().id() + "\",\"kind\":\"mapping\",\"target_version\":2,\"state\":\"running\"}"));
        }
    }

    /** Cancels up to {@code max} widget reads waiting for a lock; answers how many it cancelled. */
    private static int cancelWaitingReads(int max) throws SQLException {
        return Statements.cancelWaiting(WIDGET_READ, max);
    }

    private LiveClient viewer(Fixture f) {
        LiveClient c = LiveClient.connect(
                URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/api/teams/"
                        + f.team().id() + "/dashboards/" + f.dashboard() + "/live"),
                LiveDashboardTest.bearer(Tokens.VIEWER));
        clients.add(c);
        return c;
    }
}
