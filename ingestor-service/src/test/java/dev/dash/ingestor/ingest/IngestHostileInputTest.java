package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.RawTopic;
import dev.dash.ingestor.testing.ShortTimings;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.testing.DashTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile input at the ingest door over real HTTP, against the real Kafka and PostgreSQL (docs/reliability.md,
 * "Hostile input and security"): pushes to pipelines that are not push-fed or not allowed to be unsigned,
 * invalid UTF-8, fuzzed signature headers, malformed, deep, huge and compressed-bomb bodies, NDJSON with one
 * bad line, oversized headers, idle and slow connections. Every case gets its documented status and JSON
 * reason; nothing reaches {@code dash.raw}; the node answers a normal request afterwards.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(ShortTimings.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestHostileInputTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> VERIFIER_REASONS =
            Set.of("missing_header", "malformed_header", "bad_signature", "timestamp_out_of_tolerance");

    @Inject
    PipelineRepository repository;

    @TestHTTPResource("/")
    URI base;

    TestPipelines pipelines;
    RawTopic raw;
    Created signed;
    Created open;
    Created locked;
    Created polled;
    Created fed;
    final Map<UUID, Long> marks = new HashMap<>();
    final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    @BeforeAll
    void setUp() throws Exception {
        pipelines = new TestPipelines();
        raw = new RawTopic();
        signed = pipelines.create(Spec.of("standard_webhooks"));
        open = pipelines.create(Spec.of("none"));
        locked = pipelines.create(Spec.of("none"));
        try (Connection c = pipelines.connect()) {
            // As a row written before the rule, or by hand: unsigned without an admin's permission.
            c.createStatement()
                    .executeUpdate("UPDATE pipelines SET allow_unsigned = false WHERE id = '" + locked.id() + "'");
        }
        polled =
                pipelines.createSourced("polling", "http", "{\"url\":\"https://api.example.com/x\"}", 3600, null, null);
        fed = pipelines.createSourced("p2p", null, null, null, open.id(), null);
        for (Created p : List.of(signed, open, locked, polled, fed)) {
            pipelines.publish(repository.load(p.id()));
            marks.put(p.id(), raw.mark(p.id()));
        }
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .until(() -> post(open.id(), "{\"ready\":true}", Map.of()).statusCode() == 202);
        Awaitility.await()
                .atMost(Duration.ofSeconds(15))
                .until(() -> post(fed.id(), "{}", Map.of()).statusCode() == 409);
        marks.put(open.id(), raw.mark(open.id()));
    }

    @AfterAll
    void tearDown() throws Exception {
        try {
            // Nothing any hostile case sent reached the durable log, and the node still answers normally.
            for (Created p : List.of(signed, open, locked, polled, fed)) {
                assertThat(raw.since(p.id(), marks.get(p.id())))
                        .as("events of %s on dash.raw", p.id())
                        .isEmpty();
            }
            assertThat(post(open.id(), "{\"after\":true}", Map.of()).statusCode())
                    .isEqualTo(202);
        } finally {
            pipelines.close();
            raw.close();
        }
    }

    @Test
    void pushesToPolledOrP2pPipelinesAreRefused() throws Exception {
        for (Created p : List.of(polled, fed)) {
            HttpResponse<String> r = post(p.id(), "{\"x\":1}", Map.of());
            assertRefusal(r, 409, "pipeline_not_push_fed", "type");
        }
    }

    @Test
    void anUnsignedPipelineNoAdminAllowedRefusesPushes() throws Exception {
        HttpResponse<String> r = post(locked.id(), "{\"x\":1}", Map.of());
        assertRefusal(r, 409, "pipeline_misconfigured", "signature_config");
        assertThat(JSON.readTree(r.body()).path("message").asText()).contains("allow_unsigned");
    }

    @ParameterizedTest
    @ValueSource(strings = {"C0AF", "C1BF", "E080AF", "F08080AF", "EDA080", "EDBFBF", "F4908080", "FF", "80"})
    void overlongSurrogateAndMalformedUtf8AreRefusedAtTheDoor(String hex) throws Exception {
        byte[] seq = java.util.HexFormat.of().parseHex(hex);
        ByteArrayOutputStream single = new ByteArrayOutputStream();
        single.writeBytes("{\"v\":\"".getBytes());
        single.writeBytes(seq);
        single.writeBytes("\"}".getBytes());
        assertRefusal(send(open.id(), single.toByteArray(), Map.of()), 400, "invalid_json", "body");
        ByteArrayOutputStream batch = new ByteArrayOutputStream();
        batch.writeBytes("{\"ok\":1}\n".getBytes());
        batch.writeBytes(single.toByteArray());
        batch.writeBytes("\n{\"ok\":3}\n".getBytes());
        HttpResponse<String> r = send(open.id(), batch.toByteArray(), Map.of("Content-Type", "application/x-ndjson"));
        assertRefusal(r, 400, "invalid_json", "body");
        assertThat(JSON.readTree(r.body()).path("line").asInt()).isEqualTo(2);
        assertThat(JSON.readTree(r.body()).path("message").asText()).contains("UTF-8");
    }

    @Test
    void fuzzedSignatureHeadersGetTheVerifiersReason() throws Exception {
        Arbitrary<String> value = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(120);
        Arbitrary<String> signature = Arbitraries.oneOf(
                value,
                value.map(v -> "v1," + v),
                Arbitraries.strings().withCharRange('a', 'z').ofLength(43).map(v -> "v1," + v + "="));
        Arbitrary<String> timestamp = Arbitraries.oneOf(
                value,
                Arbitraries.longs().map(String::valueOf),
                Arbitraries.just(String.valueOf(System.currentTimeMillis() / 1000)));
        List<Map<String, String>> cases = new ArrayList<>();
        cases.add(Map.of());
        var ids = value.sampleStream().iterator();
        var stamps = timestamp.sampleStream().iterator();
        var sigs = signature.sampleStream().iterator();
        for (int i = 0; i < 150; i++) {
            Map<String, String> h = new HashMap<>();
            if (i % 7 != 0) {
                h.put("webhook-id", "msg_" + ids.next().strip().replaceAll("[^A-Za-z0-9_-]", ""));
            }
            if (i % 5 != 0) {
                h.put("webhook-timestamp", stamps.next().strip());
            }
            if (i % 3 != 0) {
                h.put("webhook-signature", sigs.next().strip());
            }
            cases.add(h);
        }
        for (Map<String, String> h : cases) {
            Map<String, String> headers = new HashMap<>();
            h.forEach((k, v) -> {
                if (!v.isEmpty()) {
                    headers.put(k, v);
                }
            });
            HttpResponse<String> r = post(signed.id(), "{\"amount\":1}", headers);
            assertThat(r.statusCode()).as("%s -> %s", headers, r.body()).isEqualTo(401);
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("error").asText()).as(r.body()).isIn(VERIFIER_REASONS);
            assertThat(body.path("fields").path(0).path("field").asText()).isEqualTo("signature");
        }
    }

    @Test
    void malformedJsonFromTheFuzzerIsRefusedWhole() throws Exception {
        Arbitrary<String> broken = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(40).map(s -> "{\"a\": " + s),
                Arbitraries.strings()
                        .withChars("{}[]\",:0123456789 tfnaelsru")
                        .ofMinLength(1)
                        .ofMaxLength(30),
                Arbitraries.just("{\"a\":1}{\"b\":2}"),
                Arbitraries.just("NaN"),
                Arbitraries.just("{\"a\":01}"));
        var it = broken.sampleStream().iterator();
        int refused = 0;
        for (int i = 0; i < 150; i++) {
            String body = it.next();
            HttpResponse<String> r = post(open.id(), body, Map.of());
            if (r.statusCode() == 202) {
                // The fuzzer may produce valid JSON; the door must then agree with a strict parser.
                assertThat(JSON.readTree(body)).as(body).isNotNull();
                marks.put(open.id(), raw.mark(open.id()));
                continue;
            }
            assertRefusal(r, 400, "invalid_json", "body");
            refused++;
        }
        assertThat(refused).isGreaterThan(100);
    }

    @Test
    void deepNestingHugeBodiesAndGzipBombsGetTheirStatus() throws Exception {
        String deep = "[".repeat(5_000) + "]".repeat(5_000);
        assertRefusal(post(open.id(), deep, Map.of()), 400, "invalid_json", "body");
        String ndjson = "{\"a\":1}\n{\"a\":2}\n{\"a\":3,\n{\"a\":4}\n";
        HttpResponse<String> bad = post(open.id(), ndjson, Map.of("Content-Type", "application/x-ndjson"));
        assertRefusal(bad, 400, "invalid_json", "body");
        assertThat(JSON.readTree(bad.body()).path("line").asInt()).isEqualTo(3);
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(packed)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < 100; i++) {
                gz.write(zeros);
            }
        }
        assertRefusal(
                send(open.id(), packed.toByteArray(), Map.of("Content-Encoding", "gzip")),
                413,
                "body_too_large",
                "body");
        assertRefusal(
                send(open.id(), "not gzip".getBytes(), Map.of("Content-Encoding", "gzip")),
                400,
                "invalid_encoding",
                "content-encoding");
        assertRefusal(
                send(open.id(), "{}".getBytes(), Map.of("Content-Encoding", "br")),
                415,
                "unsupported_encoding",
                "content-encoding");
        long hundredMb = 100L * 1024 * 1024;
        HttpResponse<String> huge = http.send(
                HttpRequest.newBuilder(base.resolve("/ingest/" + open.id()))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> zeros(hundredMb)))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertRefusal(huge, 413, "body_too_large", "body");
    }

    @Test
    void everyAnswerCarriesTheSecurityHeaders() throws Exception {
        List<HttpResponse<String>> answers = List.of(
                post(open.id(), "{\"h\":1}", Map.of()),
                post(open.id(), "{", Map.of()),
                post(UUID.randomUUID(), "{}", Map.of()),
                http.send(
                        HttpRequest.newBuilder(base.resolve("/ingest/" + open.id()))
                                .GET()
                                .build(),
                        ofString()),
                http.send(
                        HttpRequest.newBuilder(base.resolve("/q/health/live"))
                                .GET()
                                .build(),
                        ofString()),
                http.send(HttpRequest.newBuilder(base.resolve("/nowhere")).GET().build(), ofString()));
        marks.put(open.id(), raw.mark(open.id()));
        for (HttpResponse<String> r : answers) {
            assertThat(r.headers().firstValue("Content-Security-Policy"))
                    .as("%s %s", r.uri(), r.statusCode())
                    .hasValueSatisfying(v -> assertThat(v).contains("frame-ancestors 'none'"));
            assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("same-origin");
            assertThat(r.headers().firstValue("Strict-Transport-Security"))
                    .as("plain http")
                    .isEmpty();
        }
        HttpResponse<String> behindTls = post(open.id(), "{\"tls\":1}", Map.of("X-Forwarded-Proto", "https"));
        marks.put(open.id(), raw.mark(open.id()));
        assertThat(behindTls.headers().firstValue("Strict-Transport-Security"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("max-age="));
    }

    @Test
    void oversizedHeadersGetAJson431() throws Exception {
        HttpResponse<String> r = post(open.id(), "{}", Map.of("X-Padding", "a".repeat(20_000)));
        assertRefusal(r, 431, "headers_too_large", "headers");
    }

    /**
     * 2,000 connections at once: half open and silent, half sending a POST's headers and then a byte of its
     * body every second. The server closes all of them within 10 s of its idle timeout and body deadline (20 s
     * each in production, so within 30 s; {@link ShortTimings#DOOR_TIMEOUT} here); the slow ones get a JSON 408
     * first.
     */
    @Test
    void idleAndSlowConnectionsAreClosedWithin10SecondsOfTheTimeouts() throws Exception {
        Duration bound = ShortTimings.DOOR_TIMEOUT.plusSeconds(10);
        int n = 2_000;
        long start = System.nanoTime();
        Map<SocketChannel, ByteArrayOutputStream> received = new HashMap<>();
        Map<SocketChannel, Long> closedAt = new HashMap<>();
        List<SocketChannel> slow = new ArrayList<>();
        try (Selector selector = Selector.open()) {
            InetSocketAddress address = new InetSocketAddress(base.getHost(), base.getPort());
            for (int i = 0; i < n; i++) {
                SocketChannel ch = SocketChannel.open(address);
                if (i % 2 == 1) {
                    ch.write(ByteBuffer.wrap(("POST /ingest/" + open.id() + " HTTP/1.1\r\nHost: x\r\n"
                                    + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
                            .getBytes(StandardCharsets.US_ASCII)));
                    slow.add(ch);
                }
                ch.configureBlocking(false);
                ch.register(selector, SelectionKey.OP_READ);
                received.put(ch, new ByteArrayOutputStream());
            }
            long lastTrickle = System.nanoTime();
            ByteBuffer buf = ByteBuffer.allocate(4096);
            while (closedAt.size() < n
                    && Duration.ofNanos(System.nanoTime() - start).compareTo(bound.plusSeconds(15)) < 0) {
                selector.select(200);
                for (SelectionKey key : selector.selectedKeys()) {
                    SocketChannel ch = (SocketChannel) key.channel();
                    buf.clear();
                    int read;
                    try {
                        read = ch.read(buf);
                    } catch (java.io.IOException reset) {
                        read = -1;
                    }
                    if (read > 0) {
                        received.get(ch).write(buf.array(), 0, read);
                    } else if (read < 0) {
                        closedAt.put(ch, System.nanoTime());
                        key.cancel();
                        ch.close();
                    }
                }
                selector.selectedKeys().clear();
                if (System.nanoTime() - lastTrickle > 1_000_000_000L) {
                    lastTrickle = System.nanoTime();
                    for (SocketChannel ch : slow) {
                        if (ch.isOpen()) {
                            try {
                                ch.write(ByteBuffer.wrap(new byte[] {' '}));
                            } catch (java.io.IOException closed) {
                                // Closed by the server meanwhile; the selector sees it.
                            }
                        }
                    }
                }
            }
            for (SocketChannel ch : received.keySet()) {
                ch.close();
            }
        }
        assertThat(closedAt).as("connections the server closed").hasSize(n);
        long latest = closedAt.values().stream().mapToLong(t -> t - start).max().orElseThrow();
        assertThat(Duration.ofNanos(latest)).isLessThanOrEqualTo(bound);
        for (SocketChannel ch : slow) {
            String answer = received.get(ch).toString(StandardCharsets.UTF_8);
            assertThat(answer).startsWith("HTTP/1.1 408").contains("\"error\":\"request_timeout\"");
        }
    }

    private static InputStream zeros(long size) {
        return new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? 0 : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) 0);
                left -= n;
                return n;
            }
        };
    }

    private static HttpResponse.BodyHandler<String> ofString() {
        return HttpResponse.BodyHandlers.ofString();
    }

    private HttpResponse<String> post(UUID pipeline, String body, Map<String, String> headers) throws Exception {
        return send(pipeline, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    private HttpResponse<String> send(UUID pipeline, byte[] body, Map<String, String> headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve("/ingest/" + pipeline))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", headers.getOrDefault("Content-Type", "application/json"))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach((k, v) -> {
            if (!k.equals("Content-Type")) {
                b.header(k, v);
            }
        });
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void assertRefusal(HttpResponse<String> r, int status, String error, String field) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode json = JSON.readTree(r.body());
        assertThat(json.path("status").asInt()).isEqualTo(status);
        assertThat(json.path("error").asText()).as(r.body()).isEqualTo(error);
        assertThat(json.path("message").asText()).isNotBlank();
        assertThat(json.path("fields").path(0).path("field").asText()).isEqualTo(field);
    }
}
