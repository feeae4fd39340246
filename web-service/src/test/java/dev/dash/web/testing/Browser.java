package dev.dash.web.testing;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * A minimal browser for the login flow: redirects are not followed (each step is checked), and cookies are
 * kept per host and port by hand. {@link java.net.CookieManager} would not do: it withholds cookies marked
 * {@code Secure} on plain http, which is how Keycloak then fails with "Restart login cookie not found".
 */
public final class Browser {
    private final HttpClient http = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    private final Map<String, Map<String, String>> jars = new LinkedHashMap<>();

    private static final java.util.regex.Pattern FORM_ACTION =
            java.util.regex.Pattern.compile("<form[^>]*id=\"kc-form-login\"[^>]*action=\"([^\"]+)\"");

    /**
     * Logs in through the browser flow (Keycloak's form) at {@code service} and answers the session cookie
     * header ({@code q_session_web...=...}).
     */
    public static String session(String service, String user, String password) {
        Browser browser = new Browser();
        HttpResponse<String> login = browser.get(service + "/login");
        HttpResponse<String> page = browser.get(location(login));
        java.util.regex.Matcher action = FORM_ACTION.matcher(page.body());
        if (!action.find()) {
            throw new AssertionError("no login form in " + page.body());
        }
        HttpResponse<String> posted = browser.postForm(
                action.group(1).replace("&amp;", "&"),
                Map.of("username", user, "password", password, "credentialId", ""));
        browser.get(location(posted));
        Map<String, String> session = browser.cookies(service, n -> n.startsWith("q_session_web"));
        if (session.isEmpty()) {
            throw new AssertionError("no session cookie after logging in as " + user);
        }
        return header(session);
    }

    public HttpResponse<String> get(String url) {
        return send(HttpRequest.newBuilder(URI.create(url)).GET(), url);
    }

    public HttpResponse<String> postForm(String url, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        return send(
                HttpRequest.newBuilder(URI.create(url))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                url);
    }

    /** The cookies this browser holds for the origin of {@code url}. */
    public Map<String, String> cookies(String url) {
        return jars.computeIfAbsent(origin(URI.create(url)), k -> new LinkedHashMap<>());
    }

    /** A GET carrying only the given cookies, e.g. a stolen or kept session cookie; nothing is stored. */
    public HttpResponse<String> getWith(String url, Map<String, String> cookies) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).GET();
        if (!cookies.isEmpty()) {
            b.header("Cookie", header(cookies));
        }
        return exchange(b.build());
    }

    /** Only the cookies whose names match, for the origin of {@code url}. */
    public Map<String, String> cookies(String url, Predicate<String> name) {
        Map<String, String> out = new LinkedHashMap<>();
        cookies(url).forEach((k, v) -> {
            if (name.test(k)) {
                out.put(k, v);
            }
        });
        return out;
    }

    /** The absolute target of a redirect. */
    public static String location(HttpResponse<?> response) {
        String location = response.headers()
                .firstValue("Location")
                .orElseThrow(() -> new AssertionError("no Location in " + response.statusCode() + " "
                        + response.headers().map()));
        return response.uri().resolve(location).toString();
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String url) {
        Map<String, String> jar = cookies(url);
        if (!jar.isEmpty()) {
            b.header("Cookie", header(jar));
        }
        HttpResponse<String> response = exchange(b.build());
        for (String setCookie : response.headers().allValues("Set-Cookie")) {
            store(jar, setCookie);
        }
        return response;
    }

    private HttpResponse<String> exchange(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void store(Map<String, String> jar, String setCookie) {
        String[] parts = setCookie.split(";");
        int eq = parts[0].indexOf('=');
        String name = parts[0].substring(0, eq).strip();
        String value = parts[0].substring(eq + 1).strip();
        boolean expired = value.isEmpty();
        for (int i = 1; i < parts.length; i++) {
            String attr = parts[i].strip().toLowerCase(java.util.Locale.ROOT);
            if (attr.equals("max-age=0") || attr.startsWith("max-age=-") || attr.contains("expires=thu, 01 jan 1970")) {
                expired = true;
            }
        }
        if (expired) {
            jar.remove(name);
        } else {
            jar.put(name, value);
        }
    }

    private static String header(Map<String, String> cookies) {
        return cookies.entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining("; "));
    }

    private static String origin(URI uri) {
        return uri.getHost() + ":" + uri.getPort();
    }
}
