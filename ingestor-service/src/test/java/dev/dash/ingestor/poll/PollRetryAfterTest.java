package dev.dash.ingestor.poll;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.dash.ingestor.poll.PollingTest.Polled;
import dev.dash.ingestor.testing.ShortTimings;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * A polled source that answers 429 with {@code Retry-After}: the run waits that long within itself before it asks
 * again, then ends ok with the record.
 *
 * <p>Under {@link ShortTimings}, whose poll request timeout (30 s) and lease (30 s) no loaded machine reaches: with
 * {@code %test}'s 2 s, a 429 that reached the client after its timeout was retried by the guard 100 ms later (it
 * never saw the header), and a poll whose lease ran out while it waited was claimed again; either asked the source
 * once more, which this test cannot tell from ignoring the header. Both were seen at a load average of about 20: a
 * third request where two were expected, and a second 429. So here every extra request is the poller's doing.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(ShortTimings.class)
class PollRetryAfterTest {
    /**
     * The source: the first request gets 429 with {@code Retry-After: 2}, and so does every request that arrives
     * before those 2 s have run out since that answer; later ones get one record. Arrivals and the answer are timed
     * on this JVM's monotonic clock, which a loaded machine can only make later, never earlier. Not WireMock: its
     * logged dates are wall-clock times, skewed by a second or more under load (a gap of -962 ms was seen).
     */
    static final class RateLimitedApi implements AutoCloseable {
        static final Duration RETRY_AFTER = Duration.ofSeconds(2);
        private final HttpServer server;
        /** When each request arrived (nanoTime), in order. */
        final List<Long> arrivals = new CopyOnWriteArrayList<>();
        /** The status each request got, in order. */
        final List<Integer> statuses = new CopyOnWriteArrayList<>();
        /** When the first 429 was about to be sent (nanoTime), or 0. */
        volatile long firstRefusal;

        RateLimitedApi() throws IOException {
            server = HttpServer.create(new InetSocketAddress(0), 0);
            server.createContext("/limited", exchange -> {
                long arrived = System.nanoTime();
                exchange.getRequestBody().readAllBytes();
                synchronized (this) {
                    arrivals.add(arrived);
                    if (firstRefusal == 0 || arrived - firstRefusal < RETRY_AFTER.toNanos()) {
                        // Noted before it is sent: the client cannot have read the answer any earlier.
                        if (firstRefusal == 0) {
                            firstRefusal = System.nanoTime();
                        }
                        exchange.getResponseHeaders().add("Retry-After", String.valueOf(RETRY_AFTER.toSeconds()));
                        exchange.sendResponseHeaders(429, -1);
                        statuses.add(429);
                    } else {
                        byte[] body = "[{\"v\":1}]".getBytes(StandardCharsets.UTF_8);
                        exchange.sendResponseHeaders(200, body.length);
                        exchange.getResponseBody().write(body);
                        statuses.add(200);
                    }
                }
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://localhost:" + server.getAddress().getPort() + "/limited";
        }

        /** Milliseconds from the first 429 to each request, for a failure's message. */
        List<Long> offsetsMillis() {
            return arrivals.stream()
                    .map(a -> Duration.ofNanos(a - firstRefusal).toMillis())
                    .toList();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    /**
     * After the 429 the source is not asked again before its 2 s ran out (a second 429 would show it), then the run
     * ends ok with the record. Ignoring the header (asking at once, or after the 1 s used when there is none) puts a
     * request inside the 2 s and fails.
     */
    @Test
    void tooManyRequestsWaitsForRetryAfter() throws Exception {
        try (RateLimitedApi limited = new RateLimitedApi()) {
            Polled r = PollingTest.poll("http", "{\"url\":\"%s\"}".formatted(limited.url()), 1);
            assertThat(r.state().get("last_status")).isEqualTo("ok");
            assertThat(r.raw()).hasSize(1);
            assertThat(limited.statuses)
                    .as(
                            "statuses of the requests, in order (arrivals in ms after the 429: %s)",
                            limited.offsetsMillis())
                    .containsExactly(429, 200);
            assertThat(Duration.ofNanos(limited.arrivals.get(1) - limited.firstRefusal))
                    .as("from the 429 to the next request")
                    .isGreaterThanOrEqualTo(RateLimitedApi.RETRY_AFTER);
        }
    }
}
