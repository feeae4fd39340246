package dev.dash.model.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * What every Dash service's readiness must do: UP with its dependencies, DOWN when PostgreSQL or Kafka
 * stops, UP again when it is back. A service's test extends this with {@code @QuarkusTest}. It stops the
 * shared services for real, so it restarts them before it returns, whatever happens.
 */
public abstract class ReadinessContract {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @TestHTTPResource("/q/health/live")
    URI live;

    @Test
    void readyWhileDependenciesRun() {
        awaitReadiness(200, "UP");
    }

    @Test
    void downWhilePostgresIsStoppedAndUpWhenBack() throws Exception {
        Assumptions.assumeFalse(LocalServices.externalPostgres(), "the external PostgreSQL is not ours to stop");
        awaitReadiness(200, "UP");
        LocalServices.stop("postgres");
        try {
            JsonNode down = awaitReadiness(503, "DOWN");
            assertThat(downChecks(down))
                    .anyMatch(name -> name.toLowerCase().contains("postgres")
                            || name.toLowerCase().contains("database")
                            || name.toLowerCase().contains("schema"));
            assertThat(status(live))
                    .as("liveness does not depend on PostgreSQL")
                    .isEqualTo(200);
        } finally {
            LocalServices.start("postgres");
        }
        awaitReadiness(200, "UP");
    }

    @Test
    void downWhileKafkaIsStoppedAndUpWhenBack() throws Exception {
        awaitReadiness(200, "UP");
        LocalServices.stop("kafka");
        try {
            JsonNode down = awaitReadiness(503, "DOWN");
            assertThat(downChecks(down)).anyMatch(name -> name.toLowerCase().contains("kafka"));
            assertThat(status(live)).as("liveness does not depend on Kafka").isEqualTo(200);
        } finally {
            LocalServices.start("kafka");
        }
        awaitReadiness(200, "UP");
    }

    private JsonNode awaitReadiness(int httpStatus, String status) {
        JsonNode[] last = new JsonNode[1];
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> {
                    HttpResponse<String> r = get(ready);
                    last[0] = JSON.readTree(r.body());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(httpStatus);
                    assertThat(last[0].path("status").asText()).isEqualTo(status);
                });
        return last[0];
    }

    private static List<String> downChecks(JsonNode health) {
        List<String> names = new ArrayList<>();
        health.path("checks").forEach(c -> {
            if ("DOWN".equals(c.path("status").asText())) {
                names.add(c.path("name").asText());
            }
        });
        return names;
    }

    private static int status(URI uri) throws IOException, InterruptedException {
        return get(uri).statusCode();
    }

    private static HttpResponse<String> get(URI uri) throws IOException, InterruptedException {
        return HTTP.send(
                HttpRequest.newBuilder(uri)
                        .timeout(Duration.ofSeconds(20))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
