package dev.dash.web.testing;

import static io.restassured.RestAssured.given;

import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import io.restassured.http.ContentType;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real tokens from the real Keycloak: the realm's demo users, and users created per run through the admin
 * REST API (unique names, so runs and engineers do not collide).
 */
public final class Tokens {
    public static final String OWNER = "owner@demo.dash";
    public static final String ADMIN = "admin@demo.dash";
    public static final String MEMBER = "member@demo.dash";
    public static final String VIEWER = "viewer@demo.dash";
    public static final String PLATFORM = "platform@demo.dash";

    private static final Map<String, String> PASSWORDS = new ConcurrentHashMap<>(Map.of(
            OWNER, "owner-demo-pw",
            ADMIN, "admin-demo-pw",
            MEMBER, "member-demo-pw",
            VIEWER, "viewer-demo-pw",
            PLATFORM, "platform-demo-pw"));
    private static final Map<String, String> TOKENS = new ConcurrentHashMap<>();

    private Tokens() {}

    static Endpoints endpoints() {
        return LocalServices.ensureStarted();
    }

    /** A bearer token of the user (password grant on the public client dash-api), cached for the run. */
    public static String of(String username) {
        return TOKENS.computeIfAbsent(
                username,
                u -> given().contentType(ContentType.URLENC)
                        .formParam("grant_type", "password")
                        .formParam("client_id", "dash-api")
                        .formParam("username", u)
                        .formParam("password", PASSWORDS.get(u))
                        .post(endpoints().oidcUrl() + "/protocol/openid-connect/token")
                        .then()
                        .statusCode(200)
                        .extract()
                        .path("access_token"));
    }

    private static String adminToken() {
        Endpoints e = endpoints();
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

    /** Creates a new Keycloak user with a unique, verified e-mail address and returns that address. */
    public static String newUser(String prefix) {
        return newUser(prefix, true);
    }

    /**
     * Creates a new Keycloak user with a unique e-mail address, verified or not (the token's
     * {@code email_verified}), and returns that address.
     */
    public static String newUser(String prefix, boolean emailVerified) {
        String email = prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@test.dash";
        String password = "pw-" + UUID.randomUUID();
        Endpoints e = endpoints();
        String admin = adminToken();
        given().auth()
                .oauth2(admin)
                .contentType(ContentType.JSON)
                .body(Map.of(
                        "username",
                        email,
                        "email",
                        email,
                        "emailVerified",
                        emailVerified,
                        "enabled",
                        true,
                        "firstName",
                        prefix,
                        "lastName",
                        "Test",
                        "credentials",
                        List.of(Map.of("type", "password", "value", password, "temporary", false))))
                .post(e.keycloakUrl() + "/admin/realms/dash/users")
                .then()
                .statusCode(201);
        PASSWORDS.put(email, password);
        return email;
    }
}
