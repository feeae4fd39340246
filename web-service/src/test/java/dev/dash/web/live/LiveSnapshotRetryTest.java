package dev.dash.web.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.live.LiveDashboardTest.Fixture;
import dev.dash.web.live.points.PointsFeed;
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
 * A widget read for a stream's snapshot that fails for a reason that may pass (docs/live.md, "Snapshots that
 * fail"), made to fail through the real database: the test holds an exclusive lock on {@code pipelines}, so the
 * stream's widget reads (the data endpoint's query, which starts with the pipeline's active version) wait for it,
 * and cancels them there ({@code pg_cancel_backend}: SQLSTATE 57014, as a statement timeout or an operator would).
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class LiveSnapshotRetryTest {
    /** The first statement of a widget's read (QueryService.series), as pg_stat_activity shows it. */
    private static final String WIDGET_READ =
            "SELECT id, active_mapping_version FROM pipelines WHERE id = $1 AND team_id = $2";
    /** A public link's lookup (DashboardReads.byTokenHash), as pg_stat_activity shows it. */
    private static final String LINK_LOOKUP = "SELECT id, team_id FROM dashboards WHERE public_token_hash = $1";

    @TestHTTPResource("/")
    URI base;

    @Inject
    PointsFeed feed;

    @Inject
    Event<ReplayMessage> replays;

    @Inject
    LiveConfig config;

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
