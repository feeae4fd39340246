package dev.dash.web.auth;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.KeycloakTokens;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.testing.Browser;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The browser login and logout end to end against the real Keycloak, as a browser does it: the service's
 * redirect, Keycloak's login form posted with Keycloak's own cookies, the callback with the service's state
 * cookie, then the API with nothing but the session cookie. Tests run on the fixed port 18090, which the
 * realm's {@code dash-web} client allows as a redirect target.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class BrowserLoginTest {
    private static final Pattern FORM_ACTION =
            Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");

    @TestHTTPResource("/")
    URL base;

    @Test
    void aUserLogsInThroughKeycloakUsesTheApiWithTheSessionCookieAndLogsOut() {
        String service = "http://127.0.0.1:" + base.getPort();
        String keycloak = LocalServices.ensureStarted().oidcUrl();
        Browser browser = new Browser();

        // 1. The service sends the browser to Keycloak, with a state cookie of its own.
        HttpResponse<String> login = browser.get(service + "/login");
        assertThat(login.statusCode()).isEqualTo(302);
        String authorize = Browser.location(login);
        assertThat(authorize)
                .startsWith(keycloak + "/protocol/openid-connect/auth")
                .contains("client_id=dash-web");
        assertThat(browser.cookies(service)).isNotEmpty();

        // 2. Keycloak's login page; its form is posted with the cookies Keycloak set on the GET.
        HttpResponse<String> page = browser.get(authorize);
        assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
        Matcher action = FORM_ACTION.matcher(page.body());
        assertThat(action.find()).as("login form in " + page.body()).isTrue();
        HttpResponse<String> posted = browser.postForm(
                action.group(1).replace("&amp;", "&"),
                Map.of("username", Tokens.MEMBER, "password", "member-demo-pw", "credentialId", ""));
        assertThat(posted.statusCode()).as(posted.body()).isEqualTo(302);
        String callback = Browser.location(posted);
        assertThat(callback).startsWith(service + "/login/callback").contains("code=");

        // 3. The callback exchanges the code and sets the session cookie, then the login path goes to the UI.
        HttpResponse<String> back = browser.get(callback);
        assertThat(back.statusCode()).as(back.body()).isIn(302, 303);
        Map<String, String> session = browser.cookies(service, n -> n.startsWith("q_session_web"));
        assertThat(session).isNotEmpty();
        HttpResponse<String> landing = browser.get(Browser.location(back));
        assertThat(landing.statusCode()).isIn(302, 303);
        assertThat(Browser.location(landing)).isEqualTo(service + "/");

        // 4. The session cookie alone is enough for the API, and the user row exists.
        HttpResponse<String> me = browser.getWith(service + "/api/me", session);
        assertThat(me.statusCode()).as(me.body()).isEqualTo(200);
        assertThat(me.body()).contains("\"email\":\"" + Tokens.MEMBER + "\"");
        String subject = KeycloakTokens.Demo.MEMBER.subject().toString();
        assertThat(Db.count("SELECT count(*) FROM users WHERE oidc_subject = ? AND last_login_at IS NOT NULL", subject))
                .isEqualTo(1);

        // 5. Logout clears the session cookie and ends the session at Keycloak.
        HttpResponse<String> logout = browser.get(service + "/logout");
        assertThat(logout.statusCode()).isEqualTo(302);
        assertThat(browser.cookies(service, n -> n.startsWith("q_session_web"))).isEmpty();
        String endSession = Browser.location(logout);
        assertThat(endSession)
                .startsWith(keycloak + "/protocol/openid-connect/logout")
                .contains("post_logout_redirect_uri=");
        HttpResponse<String> ended = browser.get(endSession);
        assertThat(ended.statusCode()).as(ended.body()).isEqualTo(302);
        assertThat(Browser.location(ended)).startsWith(service + "/");

        // 6. The old session cookie, replayed, no longer opens the API.
        HttpResponse<String> replay = browser.getWith(service + "/api/me", session);
        assertThat(replay.statusCode()).as(replay.body()).isNotEqualTo(200);
        assertThat(replay.body()).doesNotContain(Tokens.MEMBER);
    }
}
