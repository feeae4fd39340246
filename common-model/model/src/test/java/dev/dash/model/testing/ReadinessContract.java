package dev.dash.model.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.common.http.TestHTTPResource;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What every Dash service's readiness must do: UP with its dependencies, DOWN when PostgreSQL or Kafka goes
 * away, UP again when it is back. A service's test extends this with {@code @QuarkusTest} and
 * {@code @TestProfile(ReadinessContract.PrivateOutages.class)}.
 *
 * <p>The outages are the test's own, never the shared services' (several test modules, developers and
 * installations use those at once): the service reaches PostgreSQL through a {@link CuttableProxy} that the
 * test cuts, and Kafka is a private broker ({@link ThrowawayServices}, under {@code target/readiness-kafka})
 * that the test stops and starts. Each outage test also holds a connection of its own to the shared
 * PostgreSQL and the shared broker, and checks that both are still open afterwards.
 */
public abstract class ReadinessContract {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestHTTPResource("/q/health/ready")
    URI ready;

    @TestHTTPResource("/q/health/live")
    URI live;

    /** The shared services, except that PostgreSQL is reached through a proxy and Kafka is a private broker. */
    public static class PrivateOutages extends OwnOutages.Profile {
        public PrivateOutages() {
            super(Resource.class);
        }
    }

    /** Starts the proxy and the private broker, and points the service at them. */
    public static class Resource extends OwnOutages.Resource {
        static volatile CuttableProxy postgres;
        static volatile ThrowawayServices kafka;
        static volatile Endpoints shared;

        @Override
        protected Map<String, String> sharedConfig() {
            shared = LocalServices.ensureStartedAndMigrated();
            return shared.quarkusConfig();
        }

        @Override
        protected void open(Map<String, String> config) {
            postgres = keep(new CuttableProxy(shared.pgHost(), shared.pgPort()));
            String viaProxy = "127.0.0.1:" + postgres.port() + "/" + shared.pgDatabase();
            config.put("quarkus.datasource.jdbc.url", "jdbc:postgresql://" + viaProxy);
            config.put("quarkus.datasource.reactive.url", "postgresql://" + viaProxy);
            kafka = keep(ThrowawayServices.start(Path.of("target", "readiness-kafka"), "kafka"));
            config.put("kafka.bootstrap.servers", kafka.kafkaBootstrap());
        }
    }

    @Test
    void readyWhileDependenciesRun() {
        awaitReadiness(200, "UP");
    }

    @Test
    void downWhilePostgresIsCutAndUpWhenBack() throws Exception {
        awaitReadiness(200, "UP");
        try (SharedServicesWatch watch = new SharedServicesWatch(Resource.shared)) {
            Resource.postgres.cut();
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
                Resource.postgres.restore();
            }
            awaitReadiness(200, "UP");
            watch.assertUntouched();
        }
    }

    @Test
    void downWhileKafkaIsStoppedAndUpWhenBack() throws Exception {
        awaitReadiness(200, "UP");
        try (SharedServicesWatch watch = new SharedServicesWatch(Resource.shared)) {
            Resource.kafka.stop("kafka");
            try {
                JsonNode down = awaitReadiness(503, "DOWN");
                assertThat(downChecks(down)).anyMatch(name -> name.toLowerCase().contains("kafka"));
                assertThat(status(live)).as("liveness does not depend on Kafka").isEqualTo(200);
            } finally {
                Resource.kafka.start("kafka");
            }
            awaitReadiness(200, "UP");
            watch.assertUntouched();
        }
    }

    /**
     * A connection to the shared PostgreSQL and one to the shared broker, held over an outage: both still open
     * after it, and the same PostgreSQL server (start time) as before.
     */
    private static final class SharedServicesWatch implements AutoCloseable {
        private final Connection pg;
        private final Object pgStarted;
        private final Socket broker;

        SharedServicesWatch(Endpoints shared) throws Exception {
            pg = DriverManager.getConnection(shared.jdbcUrl(), shared.pgUser(), shared.pgPassword());
            pgStarted = postmasterStart(pg);
            String[] hostPort = shared.kafkaBootstrap().split(",")[0].split(":");
            broker = new Socket();
            broker.connect(new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), 2000);
        }

        void assertUntouched() throws Exception {
            assertThat(pg.isValid(5)).as("the shared PostgreSQL stayed up").isTrue();
            assertThat(postmasterStart(pg))
                    .as("the shared PostgreSQL was not restarted")
                    .isEqualTo(pgStarted);
            broker.setSoTimeout(200);
            InputStream in = broker.getInputStream();
            boolean open;
            try {
                open = in.read() != -1;
            } catch (SocketTimeoutException e) {
                open = true;
            } catch (IOException e) {
                open = false;
            }
            assertThat(open)
                    .as("the connection to the shared Kafka broker stayed open")
                    .isTrue();
        }

        private static Object postmasterStart(Connection c) throws Exception {
            try (Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT pg_postmaster_start_time()")) {
                rs.next();
                return rs.getObject(1);
            }
        }

        @Override
        public void close() throws Exception {
            try {
                pg.close();
            } finally {
                broker.close();
            }
        }
    }

    private JsonNode awaitReadiness(int httpStatus, String status) {
        JsonNode[] last = new JsonNode[1];
        // The first probe at once: with a fixed poll interval Awaitility waits one interval before it, 0.5 s lost
        // wherever readiness is already as awaited (UP at the start of each case).
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .pollDelay(Duration.ZERO)
                // One probe slower than its 20 s (a loaded machine, a health check waiting on a cut dependency) is
                // asked again; only the 90 s bound fails the wait.
                .ignoreException(HttpTimeoutException.class)
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
