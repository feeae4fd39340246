package dev.dash.ingestor.poll;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.dash.ingestor.testing.RawTopic;
import dev.dash.ingestor.testing.ShortTimings;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A pipeline claimed again by the node that still runs an earlier poll of it (that poll's lease ran out while its
 * request hung): the earlier run is no longer the owner and publishes nothing; the new run's page is the one
 * published and recorded. Before, the scheduler kept one flag per pipeline: the new claim set it again, so the
 * earlier run went on as owner and published its page, and its end cleared the new run's flag, which then stopped
 * as if its lease was lost.
 *
 * <p>Under {@link ShortTimings} for its 30 s poll request timeout: both requests are held open by the test.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(ShortTimings.class)
class PollReclaimTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    PollScheduler scheduler;

    @Test
    void aPipelineClaimedAgainWhileItsEarlierRunHangsIsPolledByTheNewRunOnly() throws Exception {
        List<CountDownLatch> answers = List.of(new CountDownLatch(1), new CountDownLatch(1));
        List<Integer> arrivals = new CopyOnWriteArrayList<>();
        ExecutorService threads = Executors.newCachedThreadPool();
        HttpServer api = HttpServer.create(new InetSocketAddress(0), 0);
        api.setExecutor(threads);
        api.createContext("/held", exchange -> {
            int n;
            synchronized (arrivals) {
                n = arrivals.size();
                arrivals.add(n);
            }
            try {
                if (n < answers.size()) {
                    answers.get(n).await(WAIT.toSeconds(), TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            byte[] body = ("[{\"id\":\"run-" + n + "\",\"v\":" + n + "}]").getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        api.start();
        String url = "http://localhost:" + api.getAddress().getPort() + "/held";
        try (TestPipelines pipelines = new TestPipelines();
                RawTopic raw = new RawTopic()) {
            Created p = pipelines.createSourced(
                    "polling", "http", "{\"url\":\"%s\"}".formatted(url), 3600, null, PollingTest.MAPPING);
            long mark = raw.mark(p.id());
            Awaitility.await().atMost(WAIT).until(() -> arrivals.size() == 1);

            // The first run's lease runs out while its request hangs (as on a node that could not renew in
            // time): the row looks expired and due, so this node claims it again.
            try (Connection c = pipelines.connect()) {
                TestPipelines.exec(
                        c,
                        "UPDATE poll_state SET owner_node = 'elsewhere', lease_until = now() - interval '1 second'"
                                + " WHERE pipeline_id = ?",
                        p.id());
            }
            Awaitility.await().atMost(WAIT).until(() -> arrivals.size() == 2);
            assertThat(scheduler.running()).isEqualTo(2);

            // The first run gets its answer while the second still waits for its own.
            answers.get(0).countDown();
            Awaitility.await().atMost(WAIT).until(() -> scheduler.running() == 1);
            answers.get(1).countDown();
            Map<String, Object> state = Awaitility.await()
                    .atMost(WAIT)
                    .until(
                            () -> PollingTest.state(p.id()),
                            s -> s != null
                                    && ((Number) s.get("total_polls")).longValue() >= 1
                                    && s.get("owner_node") == null);
            Awaitility.await().atMost(WAIT).until(() -> scheduler.running() == 0);

            assertThat(PollingTest.bodies(raw.since(p.id(), mark)))
                    .as("pages published: only the run that owns the poll publishes")
                    .containsExactly("{\"id\":\"run-1\",\"v\":1}");
            assertThat(state.get("last_status")).isEqualTo("ok");
            assertThat(((Number) state.get("last_records")).longValue()).isEqualTo(1);
            assertThat(((Number) state.get("total_polls")).longValue()).isEqualTo(1);
            assertThat(arrivals).hasSize(2);
        } finally {
            answers.forEach(CountDownLatch::countDown);
            api.stop(0);
            threads.shutdownNow();
        }
    }
}
