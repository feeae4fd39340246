package dev.dash.web.live;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import org.junit.jupiter.api.Test;

/**
 * Hostile WebSocket frames on a live dashboard (docs/reliability.md, "Hostile input and security"): fuzzed
 * text (random strings, broken and deeply nested JSON, wrong types) each get an {@code error} frame in the
 * ApiError vocabulary; the connection stays open and still answers after them (a ping gets its pong). A 512 KiB
 * frame, beyond the server's message limit, closes its connection; a new one is served at once.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class LiveFramesFuzzTest {
    @TestHTTPResource("/")
    URL base;

    /** Cross-site WebSocket hijacking of a live dashboard with the viewer's session cookie. */
    @Test
    void aCookieUpgradeFromAnotherSiteIsRefused() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String dashboard = Api.as(Tokens.OWNER)
                .body(Map.of("name", "Cookie", "slug", Api.unique("ck"), "layout", Map.of("columns", 12)))
                .post("/api/teams/" + team.id() + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        String service = "http://127.0.0.1:" + base.getPort();
        URI uri = URI.create(
                "ws://127.0.0.1:" + base.getPort() + "/api/teams/" + team.id() + "/dashboards/" + dashboard + "/live");
        String cookie = dev.dash.web.testing.Browser.session(service, Tokens.OWNER, "owner-demo-pw");
        for (String origin : List.of("http://evil.example", "null", service + ".evil.example")) {
            assertThat(LiveClient.refusal(uri, Map.of("Cookie", cookie, "Origin", origin)))
                    .as(origin)
                    .isEqualTo(403);
        }
        LiveClient ok = LiveClient.connect(uri, Map.of("Cookie", cookie, "Origin", service));
        ok.close();
    }

    @Test
    void everyHostileFrameGetsAnErrorFrameAndTheConnectionStillServes() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        String dashboard = Api.as(Tokens.OWNER)
                .body(Map.of("name", "Fuzz", "slug", Api.unique("fuzz"), "layout", Map.of("columns", 12)))
                .post("/api/teams/" + team.id() + "/dashboards")
                .then()
                .statusCode(201)
                .extract()
                .path("id");
        URI uri = URI.create(
                "ws://127.0.0.1:" + base.getPort() + "/api/teams/" + team.id() + "/dashboards/" + dashboard + "/live");
        LiveClient c = LiveClient.connect(uri, Map.of("Authorization", "Bearer " + Tokens.of(Tokens.OWNER)));
        try {
            Arbitrary<String> junk = Arbitraries.oneOf(
                    Arbitraries.strings().ofMaxLength(200),
                    Arbitraries.strings()
                            .withChars("{}[]\":,0123456789 tfnaelsru")
                            .ofMinLength(1)
                            .ofMaxLength(60),
                    Arbitraries.of(
                            "{\"type\":\"subscribe\"}",
                            "{\"type\":\"subscribe\",\"range\":{\"last\":\"forever\"}}",
                            "{\"type\":\"subscribe\",\"range\":{\"last\":\"-PT5M\"}}",
                            "{\"type\":\"subscribe\",\"range\":{\"from\":\"yesterday\",\"to\":1}}",
                            "{\"type\":\"subscribe\",\"range\":{\"last\":\"PT5M\"},\"resume\":{\"epoch\":[],\"seq\":\"x\"}}",
                            "{\"type\":42}",
                            "{\"type\":\"drop_table\"}",
                            "[]",
                            "null",
                            "\"subscribe\""),
                    Arbitraries.integers().between(600, 5000).map(d -> "[".repeat(d) + "]".repeat(d)));
            List<String> frames = new ArrayList<>(junk.sampleStream().limit(120).toList());
            int errorsBefore = c.of("error").size();
            for (String f : frames) {
                c.send(f);
            }
            // One error frame per message: none is dropped, none stops the connection.
            int expected = errorsBefore + frames.size();
            c.await(x -> c.of("error").size() >= expected);
            for (JsonNode e : c.of("error")) {
                assertThat(e.path("error").asText()).isEqualTo("invalid_request");
                assertThat(e.path("message").asText()).isNotBlank();
            }
            assertThat(c.closed).as("connection still open").isNotDone();
            c.send("{\"type\":\"ping\"}");
            c.awaitType("pong");
            // A frame beyond the server's message limit (256 KiB) closes that connection, and only that one.
            c.send("{\"type\":\"subscribe\",\"pad\":\"" + "x".repeat(512 * 1024) + "\"}");
            assertThat(c.closeCode()).isNotEqualTo(1000);
        } finally {
            c.close();
        }
        LiveClient again = LiveClient.connect(uri, Map.of("Authorization", "Bearer " + Tokens.of(Tokens.OWNER)));
        try {
            again.send("{\"type\":\"ping\"}");
            again.awaitType("pong");
        } finally {
            again.close();
        }
    }
}
