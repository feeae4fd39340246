package dev.dash.web.auth;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import dev.dash.web.testing.Browser;
import io.restassured.http.ContentType;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The browser login through Keycloak with the web service on a port nobody listed ({@code DASH_WEB_PORT}
 * moved): the realm file's {@code dash-web} redirect and post-logout URIs must accept it. The realm file of
 * this checkout is imported into the running Keycloak under a throw-away name (the shared realm {@code dash}
 * is left alone) and a packaged web node on a free port logs a user in and out against it. With the realm as
 * it was (ports 8080 and 18090 only) Keycloak refused the authorization request with "Invalid parameter:
 * redirect_uri".
 */
class MovedPortLoginIT {
    private static final Pattern FORM_ACTION =
            Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PASSWORD = "moved-port-pw";

    @Test
    void aBrowserLogsInAndOutWithTheWebServiceOnAnyLocalPort() throws Exception {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        String realm = "dash-port-" + UUID.randomUUID().toString().substring(0, 8);
        // A user of its own: the demo users' e-mail addresses already belong to the shared realm's subjects.
        String email = realm + "@demo.dash";
        importRealm(env, adminToken(env), realm, email);
        int port = PackagedService.freePort();
        Process web = null;
        try {
            Map<String, String> props = PackagedService.config(env, port);
            props.put("quarkus.oidc.auth-server-url", env.keycloakUrl() + "/realms/" + realm);
            props.put("dash.crypto.keys", PackagedService.TEST_CRYPTO_KEYS);
            props.put("quarkus.oidc.web.credentials.secret", "dash-web-secret");
            props.put(
                    "quarkus.oidc.web.token-state-manager.encryption-secret",
                    "port-it-session-secret-0123456789abcdef");
            web = PackagedService.start(
                    "web-service",
                    props,
                    "256m",
                    LocalServices.repoRoot().resolve("web-service/target/moved-port-it/web.log"));
            PackagedService.awaitReady(port, Duration.ofSeconds(180));

            String service = "http://127.0.0.1:" + port;
            String issuer = env.keycloakUrl() + "/realms/" + realm;
            Browser browser = new Browser();
            HttpResponse<String> login = browser.get(service + "/login");
            assertThat(login.statusCode()).isEqualTo(302);
            String authorize = Browser.location(login);
            String redirect = URLEncoder.encode(service + "/login/callback", StandardCharsets.UTF_8);
            assertThat(authorize)
                    .startsWith(issuer + "/protocol/openid-connect/auth")
                    .contains("redirect_uri=" + redirect);

            // Keycloak takes the port it was never told about: its login page, not "Invalid parameter: redirect_uri".
            HttpResponse<String> page = browser.get(authorize);
            assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
            Matcher action = FORM_ACTION.matcher(page.body());
            assertThat(action.find()).as("login form in " + page.body()).isTrue();
            HttpResponse<String> posted = browser.postForm(
                    action.group(1).replace("&amp;", "&"),
                    Map.of("username", email, "password", PASSWORD, "credentialId", ""));
            assertThat(posted.statusCode()).as(posted.body()).isEqualTo(302);
            String callback = Browser.location(posted);
            assertThat(callback).startsWith(service + "/login/callback").contains("code=");
            HttpResponse<String> back = browser.get(callback);
            assertThat(back.statusCode()).as(back.body()).isIn(302, 303);
            Map<String, String> session = browser.cookies(service, n -> n.startsWith("q_session_web"));
            assertThat(session).isNotEmpty();
            HttpResponse<String> me = browser.getWith(service + "/api/me", session);
            assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
            assertThat(me.body()).contains("\"email\":\"" + email + "\"");

            // The way back after logout is accepted on that port too.
            HttpResponse<String> logout = browser.get(service + "/logout");
            assertThat(logout.statusCode()).isEqualTo(302);
            HttpResponse<String> ended = browser.get(Browser.location(logout));
            assertThat(ended.statusCode()).as(ended.body()).isEqualTo(302);
            assertThat(Browser.location(ended)).startsWith(service + "/");

            // The other loopback names with yet another port: accepted; a foreign host still is not.
            int other = PackagedService.freePort();
            assertThat(authorizeStatus(authorize, redirect, "http://localhost:" + other + "/login/callback"))
                    .isEqualTo(200);
            assertThat(authorizeStatus(authorize, redirect, "http://evil.example:" + port + "/login/callback"))
                    .isEqualTo(400);
        } finally {
            if (web != null) {
                web.destroy();
                if (!web.waitFor(30, TimeUnit.SECONDS)) {
                    web.destroyForcibly();
                }
            }
            given().auth()
                    .oauth2(adminToken(env))
                    .delete(env.keycloakUrl() + "/admin/realms/" + realm)
                    .then()
                    .statusCode(204);
        }
    }

    /** Keycloak's answer to the same authorization request with another redirect URI. */
    private static int authorizeStatus(String authorize, String redirect, String instead) {
        return new Browser()
                .get(authorize.replace(
                        "redirect_uri=" + redirect,
                        "redirect_uri=" + URLEncoder.encode(instead, StandardCharsets.UTF_8)))
                .statusCode();
    }

    private static String adminToken(Endpoints e) {
        return given().contentType(ContentType.URLENC)
                .formParam("grant_type", "password")
                .formParam("client_id", "admin-cli")
                .formParam("username", e.keycloakAdminUser())
                .formParam("password", e.keycloakAdminPassword())
                .post(e.keycloakUrl() + "/realms/master/protocol/openid-connect/token")
                .then()
                .statusCode(200)
                .extract()
                .path("access_token");
    }

    /**
     * The checkout's realm file under another name, without its ids (ids are unique across realms) and with one
     * user of its own instead of the demo users.
     */
    private static void importRealm(Endpoints e, String token, String name, String email) throws Exception {
        JsonNode file =
                JSON.readTree(Files.readString(LocalServices.repoRoot().resolve("deploy/keycloak/dash-realm.json")));
        ObjectNode copy = (ObjectNode) file.deepCopy();
        stripIds(copy);
        copy.put("realm", name);
        ObjectNode user = copy.putArray("users").addObject();
        user.put("username", email)
                .put("email", email)
                .put("emailVerified", true)
                .put("enabled", true);
        user.put("firstName", "Moved").put("lastName", "Port");
        user.putArray("credentials")
                .addObject()
                .put("type", "password")
                .put("value", PASSWORD)
                .put("temporary", false);
        given().auth()
                .oauth2(token)
                .contentType(ContentType.JSON)
                .body(JSON.writeValueAsString(copy))
                .post(e.keycloakUrl() + "/admin/realms")
                .then()
                .statusCode(201);
    }

    private static void stripIds(JsonNode node) {
        if (node instanceof ObjectNode o) {
            o.remove("id");
            o.remove("containerId");
            o.elements().forEachRemaining(MovedPortLoginIT::stripIds);
        } else if (node.isArray()) {
            node.elements().forEachRemaining(MovedPortLoginIT::stripIds);
        }
    }
}
