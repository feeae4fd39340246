package dev.dash.model.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;

/**
 * What every Dash service answers to a method a path does not take: 405, an {@code Allow} header naming the
 * methods its OpenAPI document lists for the path (with HEAD where GET is, and OPTIONS), and the JSON error
 * body. Every path of the service's {@code /q/openapi} is tried, so a path added later is covered too.
 */
public final class WrongMethodContract {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE");

    private WrongMethodContract() {}

    /**
     * Checks every path of the document.
     *
     * @param base the service's root URL
     * @param bearer a token sent with each call (null for none): the answer must not depend on the caller
     * @return the calls made, e.g. {@code GET /api/replays/{replayId}/cancel}
     */
    public static List<String> assertEveryPath(URI base, String bearer) throws IOException, InterruptedException {
        JsonNode doc =
                JSON.readTree(send(base, "GET", "/q/openapi?format=json", null).body());
        List<String> calls = new ArrayList<>();
        for (Iterator<String> it = doc.path("paths").fieldNames(); it.hasNext(); ) {
            String path = it.next();
            Set<String> documented = new TreeSet<>();
            doc.path("paths").path(path).fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m.toUpperCase(Locale.ROOT))) {
                    documented.add(m.toUpperCase(Locale.ROOT));
                }
            });
            String wrong = METHODS.stream()
                    .filter(m -> !documented.contains(m))
                    .findFirst()
                    .orElse(null);
            if (wrong == null || documented.isEmpty()) {
                continue;
            }
            String url = path.replaceAll("\\{version}", "1")
                    .replaceAll("\\{[^}]+}", UUID.randomUUID().toString());
            HttpResponse<String> r = send(base, wrong, url, bearer);
            String call = wrong + " " + path;
            Set<String> expected = new TreeSet<>(documented);
            if (documented.contains("GET")) {
                expected.add("HEAD");
            }
            expected.add("OPTIONS");
            assertThat(r.statusCode()).as(call).isEqualTo(405);
            Set<String> allow = new TreeSet<>();
            r.headers()
                    .firstValue("Allow")
                    .ifPresent(
                            v -> Arrays.stream(v.split(",")).map(String::trim).forEach(allow::add));
            assertThat(allow).as("Allow of " + call).containsAll(documented).isSubsetOf(expected);
            assertThat(r.headers().firstValue("Content-Type").orElse(""))
                    .as(call)
                    .startsWith("application/json");
            JsonNode body = JSON.readTree(r.body());
            assertThat(body.path("status").asInt()).as(call).isEqualTo(405);
            assertThat(body.path("error").asText()).as(call).isEqualTo("method_not_allowed");
            assertThat(body.path("message").asText()).as(call).isNotBlank();
            assertThat(r.body()).as(call).doesNotContain("Exception");
            calls.add(call);
        }
        assertThat(calls).as("paths of the OpenAPI document checked").isNotEmpty();
        return calls;
    }

    private static HttpResponse<String> send(URI base, String method, String path, String bearer)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(20))
                .header("Accept", "application/json")
                .method(
                        method,
                        method.equals("GET") || method.equals("DELETE")
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofString("{}"));
        if (!method.equals("GET") && !method.equals("DELETE")) {
            b.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            b.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
