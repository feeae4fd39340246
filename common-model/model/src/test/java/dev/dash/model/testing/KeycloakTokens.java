package dev.dash.model.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Real access tokens from the project's Keycloak for the realm's demo users (password grant on the public
 * client {@code dash-api}), cached for the run. Their OIDC subjects are fixed in the realm file.
 */
public final class KeycloakTokens {
    /** A demo user of the realm. */
    public enum Demo {
        OWNER("owner@demo.dash", "owner-demo-pw", 1),
        ADMIN("admin@demo.dash", "admin-demo-pw", 2),
        MEMBER("member@demo.dash", "member-demo-pw", 3),
        VIEWER("viewer@demo.dash", "viewer-demo-pw", 4),
        PLATFORM("platform@demo.dash", "platform-demo-pw", 5);

        private final String username;
        private final String password;
        private final UUID subject;

        Demo(String username, String password, int n) {
            this.username = username;
            this.password = password;
            this.subject = UUID.fromString(String.format("0d0e0000-0000-4000-8000-%012d", n));
        }

        /** The user's e-mail address, also their username. */
        public String username() {
            return username;
        }

        /** The OIDC subject of the user's tokens. */
        public UUID subject() {
            return subject;
        }
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Map<Demo, String> CACHE = new ConcurrentHashMap<>();

    private KeycloakTokens() {}

    /** A bearer token of a demo user. */
    public static String of(Demo user) {
        return CACHE.computeIfAbsent(user, KeycloakTokens::fetch);
    }

    private static String fetch(Demo user) {
        String form = "grant_type=password&client_id=dash-api&username="
                + URLEncoder.encode(user.username, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(user.password, StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(LocalServices.ensureStarted().oidcUrl() + "/protocol/openid-connect/token"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                throw new IllegalStateException(
                        "Keycloak refused a token for " + user.username + ": " + response.body());
            }
            return new ObjectMapper()
                    .readTree(response.body())
                    .path("access_token")
                    .asText();
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach Keycloak", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
