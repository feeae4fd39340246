package dev.dash.web.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Browser;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * No secret or token in any log line of a test run. The test profile writes every log record of the run to
 * {@code target/dash-web-test.log} (application.properties); this test adds the operations that handle the most
 * secrets (a pipeline's first secret, a rotation, a signed webhook sink with headers, a polling source with a
 * bearer credential, bearer and session-cookie calls, a forged token), then greps the whole file: everything
 * logged by every test class that ran before it in this JVM, and its own calls.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class LogSecretsTest {
    private static final Path LOG = Path.of("target/dash-web-test.log");
    /** Anything shaped like a JWT, a Standard Webhooks secret or a bearer credential. */
    private static final List<Pattern> SHAPES = List.of(
            Pattern.compile("eyJ[A-Za-z0-9_-]{10,}\\.eyJ[A-Za-z0-9_-]{10,}"),
            Pattern.compile("whsec_[A-Za-z0-9+/=]{16,}"),
            Pattern.compile("(?i)bearer\\s+[A-Za-z0-9._~+/-]{20,}"),
            Pattern.compile("(?i)(client[_-]secret|password)\\s*[=:]\\s*[^\\s,*]{6,}"));

    @TestHTTPResource("/")
    URL base;

    @Test
    void noSecretOrTokenIsLogged() throws Exception {
        String service = "http://127.0.0.1:" + base.getPort();
        List<String> secrets = new ArrayList<>();
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        var created = Api.createPipeline(team.id(), Tokens.OWNER, Map.of("name", Api.unique("p"), "type", "realtime"))
                .statusCode(201)
                .extract();
        secrets.add(created.path("secret.value"));
        UUID pipeline = UUID.fromString(created.path("pipeline.id"));
        secrets.add(Api.as(Tokens.OWNER)
                .body(Map.of("overlap_seconds", 60))
                .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/secrets")
                .then()
                .statusCode(200)
                .extract()
                .path("value"));
        String sinkSecret = "sink-secret-" + UUID.randomUUID();
        String headerValue = "Token hdr-" + UUID.randomUUID();
        secrets.add(sinkSecret);
        secrets.add(headerValue);
        Api.as(Tokens.OWNER)
                .body(Map.of(
                        "type",
                        "webhook",
                        "config",
                        Map.of(
                                "url",
                                "https://hooks.example.com/in?token=url-" + UUID.randomUUID(),
                                "headers",
                                Map.of("Authorization", headerValue),
                                "secret",
                                sinkSecret)))
                .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/sinks")
                .then()
                .statusCode(201);
        String sourceToken = "src-" + UUID.randomUUID();
        secrets.add(sourceToken);
        Api.createPipeline(
                        team.id(),
                        Tokens.OWNER,
                        Map.of(
                                "name",
                                Api.unique("polled"),
                                "type",
                                "polling",
                                "interval_seconds",
                                3600,
                                "source_type",
                                "http",
                                "source_config",
                                Map.of(
                                        "url",
                                        "https://api.example.com/v1",
                                        "auth",
                                        Map.of("type", "bearer", "token", sourceToken))))
                .statusCode(201);
        String cookie = Browser.session(service, Tokens.MEMBER, "member-demo-pw");
        secrets.add(cookie.substring(cookie.indexOf('=') + 1));
        io.restassured.RestAssured.given()
                .header("Cookie", cookie)
                .get("/api/me")
                .then()
                .statusCode(200);
        String token = Tokens.of(Tokens.OWNER);
        secrets.add(token);
        String forged = token.substring(0, token.length() - 6) + "AAAAAA";
        secrets.add(forged);
        io.restassured.RestAssured.given()
                .header("Authorization", "Bearer " + forged)
                .get("/api/me")
                .then()
                .statusCode(401);
        secrets.addAll(List.of(
                "dash-web-secret",
                "dash-service-secret",
                "test-only-session-secret-0123456789abcdef",
                "jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs=",
                "ncBSYP1QfZ7n9m5/XW5ANJQWORBIAfiVkR7UvnPg/f0="));

        assertThat(LOG).as("the test run's log file").exists();
        List<String> lines = Files.readAllLines(LOG, StandardCharsets.UTF_8);
        assertThat(lines).as("log lines of the run").isNotEmpty();
        List<String> leaks = new ArrayList<>();
        for (String line : lines) {
            for (String s : secrets) {
                if (s != null && s.length() >= 8 && line.contains(s)) {
                    leaks.add("secret " + s.substring(0, 4) + "…: " + line);
                }
            }
            for (Pattern p : SHAPES) {
                Matcher m = p.matcher(line);
                if (m.find()) {
                    leaks.add("shape " + p + ": " + line);
                }
            }
        }
        assertThat(leaks).as("log lines with a secret or token").isEmpty();
    }
}
