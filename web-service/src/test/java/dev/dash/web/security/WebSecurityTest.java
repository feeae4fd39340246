package dev.dash.web.security;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.Browser;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.net.URL;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The security findings of issue 18 on web-service, each against the real Keycloak and PostgreSQL: CSRF on
 * cookie-authenticated changes, service tokens, unsigned push pipelines, sink and source URLs, security headers,
 * JSON bodies of 401/431. Every refusal shows its status, its ApiError body and that nothing was stored.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebSecurityTest {
    @TestHTTPResource("/")
    URL base;

    String service;
    String ownerCookie;
    Api.Team team;
    UUID pipeline;

    // Not @BeforeAll: RestAssured is pointed at the test port only once Quarkus runs the test methods.
    @BeforeEach
    void setUp() {
        if (team != null) {
            return;
        }
        service = "http://127.0.0.1:" + base.getPort();
        team = Api.team(Tokens.OWNER, Map.of());
        pipeline = Api.pipeline(team);
        ownerCookie = Browser.session(service, Tokens.OWNER, "owner-demo-pw");
    }

    private io.restassured.specification.RequestSpecification cookie() {
        return given().header("Cookie", ownerCookie)
                .contentType(ContentType.JSON)
                .accept(ContentType.JSON);
    }

    private static void refusal(Response r, int status, String error, String field) {
        r.then()
                .statusCode(status)
                .contentType(ContentType.JSON)
                .body("status", equalTo(status))
                .body("error", equalTo(error))
                .body("message", not(nullValue()))
                .body("fields[0].field", equalTo(field));
    }

    private String status() {
        return Api.as(Tokens.OWNER)
                .get("/api/teams/" + team.id() + "/pipelines/" + pipeline)
                .then()
                .statusCode(200)
                .extract()
                .path("status");
    }

    // ---- CSRF ----

    @Test
    void aCookieAuthenticatedChangeFromAnotherSiteIsRefusedAndChangesNothing() {
        String pause = "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/pause";
        // This site as RestAssured addresses it (its Host header); the session cookie works on either name.
        String site = io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port;
        for (String origin : List.of("http://evil.example", "null", site + ".evil.example")) {
            refusal(cookie().header("Origin", origin).post(pause), 403, "forbidden", "Origin");
        }
        // Neither Origin nor fetch metadata: refused too (every browser sends one of them).
        refusal(cookie().post(pause), 403, "forbidden", "Origin");
        refusal(cookie().header("Sec-Fetch-Site", "cross-site").post(pause), 403, "forbidden", "Origin");
        assertThat(status()).isEqualTo("active");

        String slug = Api.unique("csrf");
        refusal(
                cookie().header("Origin", "http://evil.example")
                        .body(Map.of("name", "Evil", "slug", slug))
                        .post("/api/teams"),
                403,
                "forbidden",
                "Origin");
        assertThat(Db.count("SELECT count(*) FROM teams WHERE slug = ?", slug)).isZero();

        // The same requests from this site's own page go through.
        cookie().header("Origin", site).post(pause).then().statusCode(200);
        assertThat(status()).isEqualTo("paused");
        cookie().header("Sec-Fetch-Site", "same-origin")
                .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/resume")
                .then()
                .statusCode(200);
        assertThat(status()).isEqualTo("active");
        // Reads with the cookie are not changes; bearer calls carry no ambient credentials.
        cookie().header("Origin", "http://evil.example").get("/api/me").then().statusCode(200);
        Api.as(Tokens.OWNER)
                .header("Origin", "http://evil.example")
                .post(pause)
                .then()
                .statusCode(200);
        Api.as(Tokens.OWNER).post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/resume");
    }

    // ---- service tokens ----

    @Test
    void aClientCredentialsTokenGetsNoUserRowAndCannotCreateTeams() {
        Response token = given().contentType(ContentType.URLENC)
                .formParam("grant_type", "client_credentials")
                .formParam("client_id", "dash-service")
                .formParam("client_secret", "dash-service-secret")
                .post(LocalServices.ensureStarted().oidcUrl() + "/protocol/openid-connect/token");
        String access = token.then().statusCode(200).extract().path("access_token");
        String subject = new String(java.util.Base64.getUrlDecoder().decode(access.split("\\.")[1]))
                .replaceAll(".*\"sub\":\"([^\"]+)\".*", "$1");
        String slug = Api.unique("svc");
        refusal(
                given().auth()
                        .oauth2(access)
                        .contentType(ContentType.JSON)
                        .body(Map.of("name", "Service team", "slug", slug))
                        .post("/api/teams"),
                403,
                "forbidden",
                null);
        given().auth().oauth2(access).get("/api/me").then().statusCode(403).body("error", equalTo("forbidden"));
        given().auth()
                .oauth2(access)
                .get("/api/teams/" + team.id() + "/pipelines")
                .then()
                .statusCode(403);
        assertThat(Db.count("SELECT count(*) FROM teams WHERE slug = ?", slug)).isZero();
        assertThat(Db.count("SELECT count(*) FROM users WHERE oidc_subject = ?", subject))
                .isZero();
    }

    // ---- unsigned push pipelines ----

    @Test
    void anUnsignedPushPipelineNeedsAnAdminsExplicitPermission() {
        String name = Api.unique("unsigned");
        refusal(
                Api.createPipeline(
                                team.id(),
                                Tokens.OWNER,
                                Map.of("name", name, "type", "realtime", "signature_preset", "none"))
                        .extract()
                        .response(),
                400,
                "invalid_request",
                "allow_unsigned");
        assertThat(Db.count("SELECT count(*) FROM pipelines WHERE team_id = ? AND name = ?", team.id(), name))
                .isZero();
        Api.createPipeline(
                        team.id(),
                        Tokens.OWNER,
                        Map.of("name", name, "type", "realtime", "signature_preset", "none", "allow_unsigned", true))
                .statusCode(201)
                .body("pipeline.allow_unsigned", equalTo(true));
        // A signed pipeline turned unsigned by PATCH needs the permission as well.
        refusal(
                Api.as(Tokens.OWNER)
                        .body(Map.of("signature_preset", "none"))
                        .patch("/api/teams/" + team.id() + "/pipelines/" + pipeline),
                400,
                "invalid_request",
                "allow_unsigned");
        Api.as(Tokens.OWNER)
                .get("/api/teams/" + team.id() + "/pipelines/" + pipeline)
                .then()
                .body("signature_preset", equalTo("standard_webhooks"));
    }

    // ---- server-side request forgery on save ----

    @ParameterizedTest
    @ValueSource(
            strings = {
                "http://127.0.0.1/hook",
                "http://app.localhost:8080/hook",
                "http://[::1]/hook",
                "http://[::ffff:127.0.0.1]/hook",
                "http://169.254.169.254/latest/meta-data/",
                "http://metadata.google.internal/computeMetadata/v1/",
                "http://2130706433/hook",
                "http://0x7f000001/hook",
                "http://0177.0.0.1/hook",
                "http://127.1/hook",
                "http://10.0.0.5/hook",
                "http://user:pw@hooks.example.com/hook",
                "https://hooks.example.com@127.0.0.1/hook",
                "ftp://hooks.example.com/hook",
                "file:///etc/passwd",
                "gopher://127.0.0.1:6379/_INFO",
                "not a url at all"
            })
    void sinkAndSourceUrlsThatPointInsideAreRefusedWhenSaved(String url) {
        String sinks = "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/sinks";
        refusal(
                Api.as(Tokens.OWNER)
                        .body(Map.of("type", "webhook", "config", Map.of("url", url)))
                        .post(sinks),
                400,
                "invalid_request",
                "config.url");
        refusal(
                Api.as(Tokens.OWNER)
                        .body(Map.of("type", "slack", "config", Map.of("webhook_url", url)))
                        .post(sinks),
                400,
                "invalid_request",
                "config.webhook_url");
        assertThat(Db.count("SELECT count(*) FROM pipeline_sinks WHERE pipeline_id = ?", pipeline))
                .isZero();
        String name = Api.unique("polled");
        refusal(
                Api.createPipeline(
                                team.id(),
                                Tokens.OWNER,
                                Map.of(
                                        "name",
                                        name,
                                        "type",
                                        "polling",
                                        "interval_seconds",
                                        60,
                                        "source_type",
                                        "http",
                                        "source_config",
                                        Map.of("url", url)))
                        .extract()
                        .response(),
                400,
                "invalid_request",
                "source_config.url");
        assertThat(Db.count("SELECT count(*) FROM pipelines WHERE team_id = ? AND name = ?", team.id(), name))
                .isZero();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {"Host", "host", "Content-Length", "Transfer-Encoding", "webhook-signature", "Proxy-Authorization"
            })
    void aSinkCannotOverrideHostOrTransportHeaders(String header) {
        refusal(
                Api.as(Tokens.OWNER)
                        .body(Map.of(
                                "type",
                                "webhook",
                                "config",
                                Map.of("url", "https://hooks.example.com/in", "headers", Map.of(header, "x"))))
                        .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/sinks"),
                400,
                "invalid_request",
                "config.headers." + header);
        assertThat(Db.count("SELECT count(*) FROM pipeline_sinks WHERE pipeline_id = ?", pipeline))
                .isZero();
    }

    // ---- headers and JSON refusals ----

    @Test
    void everyResponseCarriesTheSecurityHeaders() {
        List<Response> answers = List.of(
                given().get("/"),
                given().get("/api/me"),
                Api.as(Tokens.OWNER).get("/api/me"),
                Api.as(Tokens.OWNER).get("/api/teams/" + UUID.randomUUID()),
                given().get("/q/health/live"),
                given().get("/nowhere/at/all"),
                given().header("Authorization", "Bearer not-a-token").get("/api/me"));
        for (Response r : answers) {
            r.then()
                    .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                    .header("Content-Security-Policy", containsString("script-src 'self'"))
                    .header("X-Frame-Options", "DENY")
                    .header("X-Content-Type-Options", "nosniff")
                    .header("Referrer-Policy", "same-origin")
                    .header("Strict-Transport-Security", nullValue());
        }
        given().header("X-Forwarded-Proto", "https")
                .get("/q/health/live")
                .then()
                .header("Strict-Transport-Security", containsString("max-age="));
    }

    @Test
    void behindTlsTheLoginCookiesAreSecure() {
        List<String> cookies = given().redirects()
                .follow(false)
                .header("X-Forwarded-Proto", "https")
                .get("/login")
                .then()
                .statusCode(302)
                .extract()
                .headers()
                .getValues("Set-Cookie");
        assertThat(cookies).isNotEmpty().allSatisfy(c -> assertThat(c).containsIgnoringCase("Secure"));
    }

    @Test
    void anInvalidTokenAndOversizedHeadersGetJsonBodies() {
        given().header("Authorization", "Bearer not-a-token")
                .get("/api/me")
                .then()
                .statusCode(401)
                .contentType(ContentType.JSON)
                .body("status", equalTo(401))
                .body("error", equalTo("unauthorized"));
        String forged = Tokens.of(Tokens.OWNER);
        forged = forged.substring(0, forged.length() - 4) + "AAAA";
        given().header("Authorization", "Bearer " + forged)
                .post("/api/teams")
                .then()
                .statusCode(401)
                .contentType(ContentType.JSON)
                .body("error", equalTo("unauthorized"));
        refusal(given().header("X-Padding", "a".repeat(20_000)).get("/api/me"), 431, "headers_too_large", "headers");
    }
}
