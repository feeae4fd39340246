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
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A live stream's reads other than its snapshots that fail through the real database ({@link Statements}): reading a
 * pipeline's active version. None leaves a viewer on a stale version.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class LiveRecoveryTest {
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
