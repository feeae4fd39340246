package dev.dash.ingestor.poll;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.dash.ingestor.testing.RawTopic;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Polling pipelines against WireMock standing in for the polled APIs: every pagination style and auth kind,
 * incremental state, re-polled records deduplicated (429 with Retry-After: {@link PollRetryAfterTest}), a timeout, a circuit breaker that
 * opens and later closes, the response size cap and refused destinations. Each pipeline polls once at
 * creation (interval one hour); "poll now" is a {@code next_poll_at} in the past, as the web API sets it.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class PollingTest {
    static final String MAPPING = """
            {"version":1,"fields":[{"name":"v","path":"/v","type":"number"}],"metrics":["v"]}
            """;
    static WireMockServer api;

    @Inject
    PollScheduler scheduler;

    @BeforeAll
    static void startApi() {
        api = new WireMockServer(options().dynamicPort());
        api.start();
    }

    @AfterAll
    static void stopApi() {
        api.stop();
    }

    static String base() {
        return "http://localhost:" + api.port();
    }

    static String prefix() {
        return "/" + UUID.randomUUID();
    }

    static String records(int from, int to) {
        return IntStream.range(from, to)
                .mapToObj(i -> "{\"id\":" + i + ",\"v\":" + i + "}")
                .collect(Collectors.joining(","));
    }

    record Polled(Created pipeline, Map<String, Object> state, List<RawEnvelope> raw) {}

    /** Creates a polling pipeline, waits for {@code polls} finished polls, and returns its state and raw events. */
    static Polled poll(String type, String config, int polls) throws Exception {
        try (TestPipelines pipelines = new TestPipelines();
                RawTopic raw = new RawTopic()) {
            Created p = pipelines.createSourced("polling", type, config, 3600, null, MAPPING);
            long mark = raw.mark(p.id());
            Map<String, Object> state = awaitPolls(p.id(), 1);
            for (int i = 1; i < polls; i++) {
                pollNow(p.id());
                state = awaitPolls(p.id(), i + 1);
            }
            return new Polled(p, state, raw.since(p.id(), mark));
        }
    }

    static Map<String, Object> awaitPolls(UUID id, long n) {
        return Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> state(id), s -> s != null && ((Number) s.get("total_polls")).longValue() >= n);
    }

    static Map<String, Object> state(UUID id) throws Exception {
        try (TestPipelines t = new TestPipelines();
                Connection c = t.connect();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT total_polls, last_status, last_error, last_records, last_pages, total_records, cursor::text AS cursor,"
                                + " owner_node, next_poll_at FROM poll_state WHERE pipeline_id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Map<String, Object> m = new HashMap<>();
                for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                    m.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                }
                return m;
            }
        }
    }

    static void pollNow(UUID id) throws Exception {
        try (TestPipelines t = new TestPipelines();
                Connection c = t.connect()) {
            TestPipelines.exec(c, "UPDATE poll_state SET next_poll_at = now() WHERE pipeline_id = ?", id);
        }
    }

    static List<String> bodies(List<RawEnvelope> raw) {
        return raw.stream()
                .map(e -> new String(e.body(), StandardCharsets.UTF_8))
                .toList();
    }

    @Test
    void cursorInTheBodyWithABearerToken() throws Exception {
        String p = prefix();
        api.stubFor(get(urlEqualTo(p + "/items"))
                .withHeader("Authorization", equalTo("Bearer tok-1"))
                .willReturn(aResponse()
                        .withHeader("Content-Type", "application/json")
                        .withBody("{\"data\":[" + records(0, 3) + "],\"next\":\"c2\"}")));
        api.stubFor(get(urlEqualTo(p + "/items?cursor=c2"))
                .withHeader("Authorization", equalTo("Bearer tok-1"))
                .willReturn(aResponse().withBody("{\"data\":[" + records(3, 5) + "],\"next\":null}")));
        Polled r = poll("http", """
                {"url":"%s/items","records":"$.data[*]","auth":{"type":"bearer","token":"tok-1"},
                 "pagination":{"type":"cursor","cursor_path":"$.next","param":"cursor"}}""".formatted(base() + p), 1);
        assertThat(r.state().get("last_status")).isEqualTo("ok");
        assertThat(r.state().get("last_pages")).isEqualTo(2);
        assertThat(r.raw())
                .hasSize(5)
                .allMatch(e -> e.source() == Source.POLL && e.deliveryId().startsWith("poll:sha256:"));
        assertThat(bodies(r.raw()))
                .containsExactly(
                        "{\"id\":0,\"v\":0}",
                        "{\"id\":1,\"v\":1}",
                        "{\"id\":2,\"v\":2}",
                        "{\"id\":3,\"v\":3}",
                        "{\"id\":4,\"v\":4}");
    }

    @Test
    void linkHeaderWithBasicAuth() throws Exception {
        String p = prefix();
        api.stubFor(get(urlEqualTo(p + "/v1/things"))
                .withBasicAuth("ann", "pw")
                .willReturn(aResponse()
                        .withHeader("Link", "<" + p + "/v1/things?page=2>; rel=\"next\"")
                        .withBody("[" + records(0, 2) + "]")));
        api.stubFor(get(urlEqualTo(p + "/v1/things?page=2"))
                .withBasicAuth("ann", "pw")
                .willReturn(aResponse()
                        .withHeader("Link", "<" + p + "/v1/things?page=1>; rel=\"prev\"")
                        .withBody("[" + records(2, 3) + "]")));
        Polled r = poll("http", """
                {"url":"%s/v1/things","auth":{"type":"basic","username":"ann","password":"pw"},
                 "pagination":{"type":"link_header"}}""".formatted(base() + p), 1);
        assertThat(r.state().get("last_status")).isEqualTo("ok");
        assertThat(r.raw()).hasSize(3);
    }

    @Test
    void pageNumberWithAnApiKeyHeader() throws Exception {
        String p = prefix();
        for (int page = 1; page <= 3; page++) {
            api.stubFor(get(urlEqualTo(p + "/list?page=" + page + "&per_page=2"))
                    .withHeader("X-Api-Key", equalTo("k1"))
                    .willReturn(aResponse()
                            .withBody("{\"items\":[" + records((page - 1) * 2, Math.min(5, page * 2)) + "]}")));
        }
        Polled r = poll("http", """
                {"url":"%s/list","records":"$.items","auth":{"type":"api_key","in":"header","name":"X-Api-Key","value":"k1"},
                 "pagination":{"type":"page_number","param":"page","start":1,"size_param":"per_page","size":2}}""".formatted(base() + p), 1);
        assertThat(r.state().get("last_pages")).isEqualTo(3);
        assertThat(r.raw()).hasSize(5);
    }

    @Test
    void offsetWithAnApiKeyInTheQueryAndIncrementalState() throws Exception {
        String p = prefix();
        api.stubFor(get(urlEqualTo(p + "/rows?offset=0&limit=2&key=k2"))
                .willReturn(aResponse().withBody("{\"rows\":[{\"v\":1,\"ts\":10},{\"v\":2,\"ts\":12}]}")));
        api.stubFor(get(urlEqualTo(p + "/rows?offset=2&limit=2&key=k2"))
                .willReturn(aResponse().withBody("{\"rows\":[{\"v\":3,\"ts\":11}]}")));
        api.stubFor(get(urlEqualTo(p + "/rows?since=12&offset=0&limit=2&key=k2"))
                .willReturn(aResponse().withBody("{\"rows\":[{\"v\":4,\"ts\":13}]}")));
        Polled r = poll("http", """
                {"url":"%s/rows","records":"$.rows[*]","auth":{"type":"api_key","in":"query","name":"key","value":"k2"},
                 "pagination":{"type":"offset","param":"offset","limit_param":"limit","limit":2},
                 "incremental":{"field":"$.ts","param":"since"}}""".formatted(base() + p), 2);
        assertThat(r.state().get("last_status")).isEqualTo("ok");
        assertThat(r.state().get("total_records")).isEqualTo(4L);
        assertThat((String) r.state().get("cursor")).contains("\"watermark\": 13");
        assertThat(r.raw()).hasSize(4);
    }

    @Test
    void graphqlPageInfoWithOAuthClientCredentialsTokenCached() throws Exception {
        String p = prefix();
        api.stubFor(post(urlEqualTo(p + "/token"))
                .willReturn(aResponse()
                        .withBody("{\"access_token\":\"at-1\",\"token_type\":\"Bearer\",\"expires_in\":3600}")));
        api.stubFor(post(urlEqualTo(p + "/graphql"))
                .withHeader("Authorization", equalTo("Bearer at-1"))
                .withRequestBody(matchingJsonPath("$.variables.after", equalTo("e1")))
                .willReturn(aResponse().withBody("""
                        {"data":{"items":{"nodes":[{"v":3}],"pageInfo":{"hasNextPage":false,"endCursor":"e2"}}}}""")));
        api.stubFor(post(urlEqualTo(p + "/graphql"))
                .atPriority(10)
                .withHeader("Authorization", equalTo("Bearer at-1"))
                .willReturn(aResponse().withBody("""
                        {"data":{"items":{"nodes":[{"v":1},{"v":2}],"pageInfo":{"hasNextPage":true,"endCursor":"e1"}}}}""")));
        Polled r = poll("graphql", """
                {"url":"%s/graphql","graphql_query":"query($after:String){items(first:2,after:$after){nodes{v} pageInfo{hasNextPage endCursor}}}",
                 "records":"$.data.items.nodes[*]",
                 "auth":{"type":"oauth2_client_credentials","token_url":"%s/token","client_id":"c","client_secret":"s","scope":"read"},
                 "pagination":{"type":"graphql","page_info":"$.data.items.pageInfo","variable":"after"}}""".formatted(base() + p, base() + p), 2);
        assertThat(r.state().get("last_status")).isEqualTo("ok");
        // Two polls of two pages; the second poll's records are the first's again: deduplicated.
        assertThat(r.state().get("total_records")).isEqualTo(6L);
        assertThat(r.raw()).hasSize(3);
        assertThat(api.findAll(postRequestedFor(urlEqualTo(p + "/token")))).hasSize(1);
        LoggedRequest token =
                api.findAll(postRequestedFor(urlEqualTo(p + "/token"))).get(0);
        assertThat(token.getBodyAsString()).contains("grant_type=client_credentials", "client_id=c", "scope=read");
    }

    @Test
    void aSourceThatTimesOutIsAnErrorWithItsReason() throws Exception {
        String p = prefix();
        api.stubFor(get(urlEqualTo(p + "/slow"))
                .willReturn(aResponse().withFixedDelay(4000).withBody("[{\"v\":1}]")));
        Polled r = poll("http", "{\"url\":\"%s/slow\"}".formatted(base() + p), 1);
        assertThat(r.state().get("last_status")).isEqualTo("error");
        // Either timer may fire first on a loaded machine: the client's own wait or Vert.x's request timeout.
        assertThat((String) r.state().get("last_error")).containsAnyOf("within 2000 ms", "timeout period of 2000ms");
        assertThat(r.raw()).isEmpty();
        // Retried once (dash.poll.retries=1 in tests).
        assertThat(api.findAll(getRequestedFor(urlEqualTo(p + "/slow")))).hasSize(2);
    }

    @Test
    void theBreakerOpensOnAFailingSourceAndClosesWhenItRecovers() throws Exception {
        String p = prefix();
        api.stubFor(get(urlEqualTo(p + "/flaky"))
                .willReturn(aResponse().withStatus(503).withBody("down")));
        try (TestPipelines pipelines = new TestPipelines();
                RawTopic raw = new RawTopic()) {
            Created c = pipelines.createSourced(
                    "polling", "http", "{\"url\":\"%s/flaky\"}".formatted(base() + p), 3600, null, MAPPING);
            long mark = raw.mark(c.id());
            Map<String, Object> s = awaitPolls(c.id(), 1);
            assertThat((String) s.get("last_error")).contains("HTTP 503");
            pollNow(c.id());
            awaitPolls(c.id(), 2);
            // Two polls of two attempts each: four failures, the breaker's volume, so it is open now.
            int calls = api.findAll(getRequestedFor(urlEqualTo(p + "/flaky"))).size();
            assertThat(calls).isEqualTo(4);
            pollNow(c.id());
            s = awaitPolls(c.id(), 3);
            assertThat((String) s.get("last_error")).contains("circuit breaker open");
            assertThat(api.findAll(getRequestedFor(urlEqualTo(p + "/flaky")))).hasSize(calls);
            api.stubFor(get(urlEqualTo(p + "/flaky")).willReturn(aResponse().withBody("[{\"v\":7}]")));
            // After the breaker's delay (3 s in tests) a trial call goes through and closes it.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(20))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        pollNow(c.id());
                        Map<String, Object> now = state(c.id());
                        assertThat(now.get("last_status")).isEqualTo("ok");
                    });
            assertThat(raw.since(c.id(), mark)).hasSize(1);
        }
    }

    @Test
    void aResponseOverTheSizeCapIsRefused() throws Exception {
        String p = prefix();
        String big = "["
                + IntStream.range(0, 20_000)
                        .mapToObj(i -> "{\"v\":" + i + ",\"pad\":\"" + "x".repeat(20) + "\"}")
                        .collect(Collectors.joining(","))
                + "]";
        api.stubFor(get(urlEqualTo(p + "/big")).willReturn(aResponse().withBody(big)));
        api.stubFor(get(urlEqualTo(p + "/chunked"))
                .willReturn(aResponse().withBody(big).withChunkedDribbleDelay(4, 50)));
        Polled r = poll("http", "{\"url\":\"%s/big\"}".formatted(base() + p), 1);
        assertThat((String) r.state().get("last_error")).contains("exceeds 262144 bytes");
        assertThat(r.raw()).isEmpty();
        Polled chunked = poll("http", "{\"url\":\"%s/chunked\"}".formatted(base() + p), 1);
        assertThat((String) chunked.state().get("last_error")).contains("exceeds 262144 bytes");
    }

    @Test
    void privateDestinationsAreRefusedAtConnectionTime() throws Exception {
        String p = prefix();
        api.stubFor(get(urlPathEqualTo(p + "/secret")).willReturn(aResponse().withBody("[{\"v\":1}]")));
        // The allow-list names "localhost"; the same server by its loopback address is refused.
        Polled r = poll("http", "{\"url\":\"http://127.0.0.1:%d%s/secret\"}".formatted(api.port(), p), 1);
        assertThat(r.state().get("last_status")).isEqualTo("error");
        assertThat((String) r.state().get("last_error")).contains("loopback");
        assertThat(r.raw()).isEmpty();
        assertThat(api.findAll(getRequestedFor(urlPathEqualTo(p + "/secret")))).isEmpty();
        // A Link header that points at a private address is refused as well.
        api.stubFor(get(urlEqualTo(p + "/start"))
                .willReturn(aResponse()
                        .withHeader("Link", "<http://169.254.169.254/latest/meta-data/>; rel=\"next\"")
                        .withBody("[{\"v\":1}]")));
        Polled link = poll(
                "http", "{\"url\":\"%s/start\",\"pagination\":{\"type\":\"link_header\"}}".formatted(base() + p), 1);
        assertThat((String) link.state().get("last_error")).contains("169.254.169.254");
        assertThat(link.raw()).hasSize(1);
    }

    @Test
    void aPostBodyAndHeadersAreSent() throws Exception {
        String p = prefix();
        api.stubFor(post(urlEqualTo(p + "/search?q=1"))
                .withHeader("X-Tenant", equalTo("acme"))
                .withRequestBody(equalToJson("{\"filter\":{\"kind\":\"a\"}}"))
                .willReturn(aResponse().withBody("{\"hits\":[{\"v\":5}]}")));
        Polled r = poll("http", """
                {"url":"%s/search","method":"POST","query":{"q":"1"},"headers":{"X-Tenant":"acme"},
                 "body":{"filter":{"kind":"a"}},"records":"$.hits[*]"}""".formatted(base() + p), 1);
        assertThat(r.state().get("last_status")).isEqualTo("ok");
        assertThat(r.raw()).hasSize(1);
    }

    /**
     * The schedule is looked at every {@code dash.poll.tick} (250 ms), not once a second. Quarkus' {@code @Scheduled}
     * checks its triggers once a second whatever {@code every} says; the tick ran at 1 s and held a node to
     * {@code max-concurrent} (32) claims a second, so 1,000 pipelines at a 10 s interval (100 polls a second) fell
     * further behind every slot (bench/poll: 31 polls a second, nearly every poll late).
     */
    @Test
    void theScheduleIsCheckedEveryTickNotOnceASecond() {
        long first = scheduler.ticks();
        long start = System.nanoTime();
        // Eight ticks of 250 ms (each plus a random phase of up to 125 ms and the claim) take about 3 s; at one
        // tick a second they would take 8 s.
        Awaitility.await()
                .atMost(Duration.ofSeconds(6))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> scheduler.ticks() - first >= 8);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(6));
    }
}
