package dev.dash.web.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.live.LiveDashboardTest.Fixture;
import dev.dash.web.live.points.PointsFeed;
import dev.dash.web.live.stream.LiveStreams;
import dev.dash.web.replay.ReplayWatchers.ReplayMessage;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import java.net.URI;
import java.sql.Connection;
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
 * A live stream's reads other than its snapshots that fail through the real database ({@link Statements}): moving
 * the viewers of a changed dashboard to a new stream, and reading a pipeline's active version (a stream's after a
 * replay, the hot cache's after a point of a newer version). None leaves a viewer waiting in silence or on a stale
 * version.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class LiveRecoveryTest {
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
            AtomicInteger cancelled = new AtomicInteger();
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> cancelled.addAndGet(Statements.cancelWaiting(VERSION_PROBE, 1)) == 1);
            // Tried again.
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> Statements.waiting(VERSION_PROBE) == 1);
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
            AtomicInteger cancelled = new AtomicInteger();
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> cancelled.addAndGet(Statements.cancelWaiting(VERSION_PROBE, 1)) == 1);
            // Made again (a second later).
            Awaitility.await()
                    .atMost(LiveClient.WAIT)
                    .pollInterval(Duration.ofMillis(20))
                    .until(() -> Statements.waiting(VERSION_PROBE) == 1);
            lock.commit();
        }
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
