package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.RawTopic;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.WrongMethodContract;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Refusals the HTTP layer decides before the ingest flow: a 20 MB body (beyond both dash.ingest.max-body-size
 * and quarkus.http.limits.max-body-size), declared or chunked, gets the JSON 413, stores nothing and logs no
 * ERROR; a method other than POST gets 405 with Allow.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IngestLimitsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int TWENTY_MB = 20 * 1024 * 1024;

    @Inject
    PipelineRepository repository;

    @Inject
    dev.dash.ingestor.config.IngestorConfig config;

    @Inject
    IngestResource resource;

    @TestHTTPResource("/")
    URI base;

    TestPipelines pipelines;
    RawTopic raw;
    Created open;
    final List<LogRecord> errors = new CopyOnWriteArrayList<>();
    final Handler errorLog = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                errors.add(r);
            }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
    };

    @BeforeAll
    void setUp() throws Exception {
        pipelines = new TestPipelines();
        raw = new RawTopic();
        open = pipelines.create(Spec.of("none"));
        pipelines.publish(repository.load(open.id()));
    }

    @AfterAll
    void tearDown() {
        pipelines.close();
        raw.close();
    }

    @BeforeEach
    void watchErrors() {
        errors.clear();
        Logger.getLogger("").addHandler(errorLog);
    }

    @AfterEach
    void stopWatching() {
        Logger.getLogger("").removeHandler(errorLog);
    }

    static Stream<Arguments> bodies() {
        return Stream.of(
                Arguments.of("declared", HttpRequest.BodyPublishers.ofByteArray(new byte[TWENTY_MB])),
                // ofInputStream has no length: HttpClient sends it chunked.
                Arguments.of(
                        "chunked",
                        HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(new byte[TWENTY_MB]))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("bodies")
    void aTwentyMegabyteBodyGetsTheJson413AndNothingIsStored(String name, HttpRequest.BodyPublisher body)
            throws Exception {
        awaitKnown();
        long mark = raw.mark(open.id());
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(base.resolve("/ingest/" + open.id()))
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .POST(body)
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode json = JSON.readTree(r.body());
        assertThat(json.path("status").asInt()).isEqualTo(413);
        assertThat(json.path("error").asText()).isEqualTo("body_too_large");
        assertThat(json.path("message").asText()).contains("exceeds");
        assertThat(json.path("fields").path(0).path("field").asText()).isEqualTo("body");
        assertThat(json.path("fields").path(0).path("reason").asText()).isNotBlank();
        // Not the partition's end offset: other test runs on the shared broker write to dash.raw too.
        assertThat(raw.since(open.id(), mark))
                .as("events of the pipeline on dash.raw")
                .isEmpty();
        // The node still serves the next request (on a new connection if this one was closed).
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> small(http) == 202);
        assertThat(errors)
                .as("ERROR log records")
                .extracting(LogRecord::getMessage)
                .isEmpty();
    }

    /**
     * Bodies being received count against dash.ingest.max-buffered-bytes (32 MiB) from their first byte: with
     * that much in bodies of max-body-size half-sent, one more gets 503 overloaded with Retry-After before it is
     * read, and nothing is stored; once those connections close their room is free again. Without the budget a flood of
     * large bodies filled the heap (OverloadIT: OutOfMemoryError in Vert.x's body handler).
     */
    @Test
    void bodiesBeyondTheNodesBufferGet503WithRetryAfterBeforeBeingRead() throws Exception {
        awaitKnown();
        long mark = raw.mark(open.id());
        int bodySize = (int) config.ingest().maxBodySize().asLongValue();
        long held = config.ingest().maxBufferedBytes().asLongValue() / bodySize;
        List<java.net.Socket> slow = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < held; i++) {
                java.net.Socket s = new java.net.Socket(base.getHost(), base.getPort());
                s.setSoTimeout(20_000);
                s.getOutputStream().write(head(bodySize).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().write("{\"n\":".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                slow.add(s);
                // Each connection may land on another event loop: the next one waits until this one's room
                // is taken, or a busy loop could let the probe below in before it.
                long expected = (i + 1L) * bodySize;
                Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> resource.bufferedBytes() >= expected);
            }
            try (java.net.Socket s = new java.net.Socket(base.getHost(), base.getPort())) {
                s.setSoTimeout(20_000);
                s.getOutputStream().write(head(bodySize).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                java.io.BufferedReader in = new java.io.BufferedReader(
                        new java.io.InputStreamReader(s.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
                String status = in.readLine();
                assertThat(status).startsWith("HTTP/1.1 503");
                java.util.Map<String, String> headers = new java.util.HashMap<>();
                String line;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    int colon = line.indexOf(':');
                    headers.put(
                            line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT),
                            line.substring(colon + 1).trim());
                }
                assertThat(headers).containsKey("retry-after");
                char[] body = new char[Integer.parseInt(headers.get("content-length"))];
                int read = 0;
                while (read < body.length) {
                    read += in.read(body, read, body.length - read);
                }
                JsonNode json = JSON.readTree(new String(body));
                assertThat(json.path("status").asInt()).isEqualTo(503);
                assertThat(json.path("error").asText()).isEqualTo("overloaded");
                assertThat(json.path("message").asText()).contains("retry later");
            }
        } finally {
            for (java.net.Socket s : slow) {
                s.close();
            }
        }
        // Half a body more fits only once the held bodies are released.
        HttpClient http = HttpClient.newHttpClient();
        String big = "{\"pad\":\"" + "x".repeat(bodySize / 2) + "\"}";
        Awaitility.await()
                .atMost(Duration.ofSeconds(10))
                .until(() -> http.send(
                                        HttpRequest.newBuilder(base.resolve("/ingest/" + open.id()))
                                                .header("Content-Type", "application/json")
                                                .POST(HttpRequest.BodyPublishers.ofString(big))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 202);
        assertThat(raw.since(open.id(), mark))
                .as("only the last request stored")
                .hasSize(1);
        assertThat(errors)
                .as("ERROR log records")
                .extracting(LogRecord::getMessage)
                .isEmpty();
    }

    private String head(int length) {
        return "POST /ingest/" + open.id() + " HTTP/1.1\r\nHost: " + base.getHost()
                + "\r\nContent-Type: application/json\r\n" + "Content-Length: " + length + "\r\n\r\n";
    }

    @Test
    void everyOtherMethodGets405WithAllow() throws Exception {
        List<String> calls = WrongMethodContract.assertEveryPath(base, null);
        assertThat(calls).contains("GET /ingest/{pipelineId}");
        HttpResponse<String> r = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(base.resolve("/ingest/" + open.id()))
                                .method("DELETE", HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(405);
        assertThat(r.headers().firstValue("Allow")).hasValue("POST");
        assertThat(JSON.readTree(r.body()).path("fields").path(0).path("field").asText())
                .isEqualTo("method");
    }

    private int small(HttpClient http) throws Exception {
        return http.send(
                        HttpRequest.newBuilder(base.resolve("/ingest/" + open.id()))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"ok\":true}"))
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private void awaitKnown() {
        HttpClient http = HttpClient.newHttpClient();
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> small(http) == 202);
    }
}
