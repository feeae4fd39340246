package dev.dash.web.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.live.LiveDashboardTest.Fixture;
import dev.dash.web.live.points.PointsFeed;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Coalescing with a leading edge (docs/live.md, "How it works"): a widget that sent nothing for a coalescing
 * interval sends the delta of a new point at once, not at the next regular tick; one that sent less than an
 * interval ago sends when the interval is over, so it still sends at most one delta per interval. The interval is
 * 10 s here and a heartbeat goes out at every regular tick (heartbeat 1 s): the first point is written right after
 * a heartbeat, so a delta waiting for the regular tick would come about 10 s later, never within the 3 s allowed
 * (with a 30 s interval and a point written at a random moment, as before, one in ten such deltas passed).
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(LiveCoalesceTest.LongCoalescing.class)
class LiveCoalesceTest {
    static final Duration INTERVAL = Duration.ofSeconds(10);

    public static class LongCoalescing implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("dash.live.coalesce", INTERVAL.toSeconds() + "s", "dash.live.heartbeat", "1s");
        }
    }

    @TestHTTPResource("/")
    URI base;

    @Inject
    PointsFeed feed;

    @BeforeAll
    static void openProducer() {
        LiveDashboardTest.openProducer();
    }

    @AfterAll
    static void closeProducer() {
        LiveDashboardTest.closeProducer();
    }

    @Test
    void anIdleWidgetSendsAtOnceAndABusyOneWhenItsIntervalIsOver() {
        Awaitility.await().atMost(LiveClient.WAIT).until(feed::reading);
        Fixture f = LiveDashboardTest.fixture(1, "sum");
        LiveClient c = LiveClient.connect(
                URI.create("ws://" + base.getHost() + ":" + base.getPort() + "/api/teams/"
                        + f.team().id() + "/dashboards/" + f.dashboard() + "/live"),
                LiveDashboardTest.bearer(Tokens.VIEWER));
        try {
            c.subscribe(LiveDashboardTest.absoluteRange());
            c.awaitType("snapshot");
            Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

            // A regular tick (no point written yet, so no other tick): the next one is an interval away.
            int beats = c.of("heartbeat").size();
            Awaitility.await()
                    .atMost(INTERVAL.multipliedBy(2))
                    .pollInterval(Duration.ofMillis(10))
                    .until(() -> c.of("heartbeat").size() > beats);
            long sent = System.nanoTime();
            LiveDashboardTest.write(f, 1, List.of(LiveDashboardTest.point(now, "a", 5)));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(3))
                    .until(() -> !c.of("delta").isEmpty());
            long first = received(c, 0);
            assertThat(Duration.ofNanos(first - sent)).isLessThan(Duration.ofSeconds(3));

            // Within the interval: the second point's delta waits for its end (10 s after the first delta).
            LiveDashboardTest.write(f, 1, List.of(LiveDashboardTest.point(now.plusMillis(1), "a", 7)));
            Awaitility.await()
                    .atMost(INTERVAL.plusSeconds(15))
                    .until(() -> c.of("delta").size() == 2);
            Duration gap = Duration.ofNanos(received(c, 1) - first);
            assertThat(gap).isBetween(INTERVAL.minusSeconds(1), INTERVAL.plusSeconds(10));
            JsonNode second = c.of("delta").get(1);
            assertThat(second.path("series").findValues("v"))
                    .extracting(JsonNode::asDouble)
                    .contains(12.0);
        } finally {
            c.close();
        }
    }

    /** When the {@code i}-th delta arrived (System.nanoTime). */
    private static long received(LiveClient c, int i) {
        return c.frames.stream()
                .filter(r -> r.frame().path("type").asText().equals("delta"))
                .skip(i)
                .findFirst()
                .orElseThrow()
                .nanos();
    }
}
