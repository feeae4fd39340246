package dev.dash.ingestor.poll;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Packaged ingestors polling WireMock: two nodes at once poll each pipeline once per slot; the owner killed
 * with {@code kill -9} in the middle of a pagination is replaced, and Silver holds every record exactly once.
 * Needs {@code target/quarkus-app} (run after {@code package}).
 */
class PollingClusterIT {
    static final String MAPPING = """
            {"version":1,"fields":[{"name":"v","path":"/v","type":"number"}],"metrics":["v"]}
            """;
    static WireMockServer api;

    @BeforeAll
    static void startApi() {
        api = new WireMockServer(options().dynamicPort().containerThreads(40));
        api.start();
    }

    @AfterAll
    static void stopApi() {
        api.stop();
    }

    static Process start(Endpoints env, int port, String name) throws IOException {
        Map<String, String> props = PackagedService.withShortKafkaSessions(PackagedService.config(env, port));
        props.remove("quarkus.oidc.auth-server-url");
        props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
        props.put("dash.poll.allowed-destinations", "localhost");
        props.put("dash.poll.node-id", name);
        props.put("dash.poll.lease", "3s");
        props.put("dash.p2p.enabled", "false");
        props.put("dash.bronze.rotate-age", "2s");
        return PackagedService.start(
                "ingestor-service",
                props,
                "384m",
                LocalServices.repoRoot().resolve("ingestor-service/target/polling-it/" + name + ".log"));
    }

    @Test
    void twoIngestorsPollEachPipelineOncePerSlot() throws Exception {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        int interval = 2;
        List<Created> created = new ArrayList<>();
        List<Process> nodes = new ArrayList<>();
        try (TestPipelines pipelines = new TestPipelines()) {
            int[] ports = {PackagedService.freePort(), PackagedService.freePort()};
            nodes.add(start(env, ports[0], "poll-a"));
            nodes.add(start(env, ports[1], "poll-b"));
            for (int port : ports) {
                PackagedService.awaitReady(port, Duration.ofSeconds(180));
            }
            for (int i = 0; i < 12; i++) {
                String path = "/two-" + java.util.UUID.randomUUID();
                api.stubFor(get(urlEqualTo(path))
                        .willReturn(aResponse().withFixedDelay(300).withBody("[{\"v\":1}]")));
                created.add(pipelines.createSourced(
                        "polling",
                        "http",
                        "{\"url\":\"http://localhost:%d%s\"}".formatted(api.port(), path),
                        interval,
                        null,
                        MAPPING));
            }
            // Let both nodes poll for a while, noting which node holds each running poll.
            Map<String, Integer> claimsBy = new java.util.HashMap<>();
            long end = System.nanoTime() + Duration.ofSeconds(16).toNanos();
            try (Connection c = pipelines.connect();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT owner_node FROM poll_state WHERE owner_node IS NOT NULL AND pipeline_id = ANY(?)")) {
                ps.setArray(
                        1,
                        c.createArrayOf(
                                "uuid", created.stream().map(Created::id).toArray()));
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(50))
                        .until(() -> {
                            try (ResultSet rs = ps.executeQuery()) {
                                while (rs.next()) {
                                    claimsBy.merge(rs.getString(1), 1, Integer::sum);
                                }
                            }
                            return System.nanoTime() > end;
                        });
            }
            for (Process p : nodes) {
                p.destroy();
            }
            for (Process p : nodes) {
                p.waitFor(30, TimeUnit.SECONDS);
            }
            try (Connection c = pipelines.connect()) {
                for (Created p : created) {
                    try (PreparedStatement ps = c.prepareStatement(
                            "SELECT total_polls, late_polls FROM poll_state WHERE pipeline_id = ?")) {
                        ps.setObject(1, p.id());
                        try (ResultSet rs = ps.executeQuery()) {
                            assertThat(rs.next()).isTrue();
                            long polls = rs.getLong(1);
                            List<LoggedRequest> seen = requestsOf(p);
                            assertThat(seen).as("requests of %s", p.id()).hasSize((int) polls);
                            // One poll at creation, then one per 2 s slot over the ~16 s and the shutdown.
                            assertThat(polls).isBetween(6L, 14L);
                            List<Long> times = seen.stream()
                                    .map(r -> r.getLoggedDate().getTime())
                                    .sorted(Comparator.naturalOrder())
                                    .toList();
                            // The first poll runs at creation, the next at the pipeline's first slot, which may
                            // come at once; from then on one poll per slot, never two in one. A second poll in the
                            // same slot would start within the source's 300 ms answer of the first; a poll that a
                            // busy 2-core machine starts up to a second late shortens only the gap after it.
                            for (int i = 2; i < times.size(); i++) {
                                assertThat(times.get(i) - times.get(i - 1))
                                        .as("gap between polls of %s", p.id())
                                        .isGreaterThan(interval * 1000L / 2);
                            }
                        }
                    }
                }
                // Both nodes took part: each logged polls it ran (a debug line is not on by default, so the
                // schedule's claims are counted from the lease owner column while they ran instead).
                assertThat(claimsBy).containsKeys("poll-a", "poll-b");
            }
        } finally {
            for (Process p : nodes) {
                p.destroyForcibly();
            }
            pause(created);
        }
    }

    static List<LoggedRequest> requestsOf(Created p) throws Exception {
        String url = sourceUrl(p);
        return api.findAll(getRequestedFor(urlEqualTo(url)));
    }

    static String sourceUrl(Created p) throws Exception {
        try (TestPipelines t = new TestPipelines();
                Connection c = t.connect();
                PreparedStatement ps = c.prepareStatement("SELECT source_config FROM pipelines WHERE id = ?")) {
            ps.setObject(1, p.id());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                String json = TestPipelines.KEYS.decryptString(rs.getBytes(1), "pipeline_source:" + p.id());
                String u = dev.dash.model.json.Json.parse(json).path("url").asText();
                return u.substring(u.indexOf('/', "http://".length()));
            }
        }
    }

    /** Stops the schedule of the test's pipelines, so later runs of other tests do not poll them. */
    static void pause(List<Created> created) throws Exception {
        try (TestPipelines t = new TestPipelines();
                Connection c = t.connect()) {
            for (Created p : created) {
                TestPipelines.exec(c, "UPDATE pipelines SET status = 'paused' WHERE id = ?", p.id());
            }
        }
    }

    @Test
    void theOwnerKilledMidPaginationIsReplacedWithNoRecordSkippedOrRepeatedInSilver() throws Exception {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        int pages = 30;
        int perPage = 10;
        String path = "/crash-" + java.util.UUID.randomUUID();
        for (int page = 0; page < pages; page++) {
            String body = "{\"data\":["
                    + IntStream.range(page * perPage, (page + 1) * perPage)
                            .mapToObj(i -> "{\"id\":" + i + ",\"v\":" + i + "}")
                            .collect(Collectors.joining(","))
                    + "],\"next\":" + (page + 1 < pages ? "\"p" + (page + 1) + "\"" : "null") + "}";
            api.stubFor(get(urlEqualTo(path + (page == 0 ? "" : "?cursor=p" + page)))
                    .willReturn(aResponse().withFixedDelay(250).withBody(body)));
        }
        List<Created> created = new ArrayList<>();
        Process node = null;
        try (TestPipelines pipelines = new TestPipelines()) {
            int port = PackagedService.freePort();
            node = start(env, port, "crash-first");
            PackagedService.awaitReady(port, Duration.ofSeconds(180));
            Created p =
                    pipelines.createSourced("polling", "http", """
                    {"url":"http://localhost:%d%s","records":"$.data[*]","dedupe_key":"$.id",
                     "pagination":{"type":"cursor","cursor_path":"$.next","param":"cursor"}}""".formatted(api.port(), path), 3600, null, MAPPING);
            created.add(p);
            // Killed once a third of the pages are published.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() ->
                            api.findAll(getRequestedFor(urlPathEqualTo(path))).size() >= pages / 3);
            node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            int before = api.findAll(getRequestedFor(urlPathEqualTo(path))).size();
            assertThat(before).isLessThan(pages);

            int port2 = PackagedService.freePort();
            node = start(env, port2, "crash-second");
            PackagedService.awaitReady(port2, Duration.ofSeconds(180));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> {
                        try (Connection c = pipelines.connect();
                                PreparedStatement ps = c.prepareStatement(
                                        "SELECT last_status FROM poll_state WHERE pipeline_id = ?")) {
                            ps.setObject(1, p.id());
                            try (ResultSet rs = ps.executeQuery()) {
                                return rs.next() && "ok".equals(rs.getString(1));
                            }
                        }
                    });
            // The second owner continued after the last saved page: at most one page fetched twice.
            int total = api.findAll(getRequestedFor(urlPathEqualTo(path))).size();
            assertThat(total).isBetween(pages, pages + 1);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        try (Connection c = pipelines.connect();
                                PreparedStatement ps = c.prepareStatement(
                                        "SELECT count(*), count(DISTINCT value), count(DISTINCT event_id), min(value), max(value)"
                                                + " FROM metrics WHERE pipeline_id = ?")) {
                            ps.setObject(1, p.id());
                            try (ResultSet rs = ps.executeQuery()) {
                                rs.next();
                                assertThat(rs.getLong(1)).as("rows").isEqualTo(pages * perPage);
                                assertThat(rs.getLong(2)).as("distinct values").isEqualTo(pages * perPage);
                                assertThat(rs.getLong(3)).as("distinct events").isEqualTo(pages * perPage);
                                assertThat(rs.getDouble(4)).isEqualTo(0);
                                assertThat(rs.getDouble(5)).isEqualTo(pages * perPage - 1);
                            }
                        }
                    });
        } finally {
            if (node != null) {
                node.destroyForcibly();
            }
            pause(created);
        }
    }
}
