package dev.dash.chaos;

import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import dev.dash.model.testing.ServicesScript;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A private PostgreSQL, Kafka and S3 server for the fault suite, started with {@code deploy/local/services}
 * under a {@code DASH_HOME} and ports of their own, so that the suite can stop, restart and kill them without
 * touching the set every other test (and every other developer on the machine) uses. Keycloak is not part of
 * it: the suite never stops Keycloak, so web-service is pointed at the harness's one.
 *
 * <p>The set is made afresh on every run (its folder is wiped first) on free ports, and {@link #down()} stops it.
 */
final class PrivateServices implements AutoCloseable {
    private final Path home;
    private final Map<String, String> env = new HashMap<>();
    private final Endpoints endpoints;

    private PrivateServices(Path home, Endpoints keycloakFrom, String timescaledb) throws IOException {
        this.home = home;
        env.put("DASH_HOME", home.toString());
        env.put("DASH_PG_PORT", String.valueOf(PackagedService.freePort()));
        env.put("DASH_KAFKA_PORT", String.valueOf(PackagedService.freePort()));
        env.put("DASH_KAFKA_CONTROLLER_PORT", String.valueOf(PackagedService.freePort()));
        env.put("DASH_S3_PORT", String.valueOf(PackagedService.freePort()));
        // Never the shared Keycloak's ports, even by mistake: nothing here starts Keycloak.
        env.put("DASH_KC_PORT", String.valueOf(PackagedService.freePort()));
        env.put("DASH_KC_MGMT_PORT", String.valueOf(PackagedService.freePort()));
        env.put("DASH_PG_TIMESCALEDB", timescaledb);
        env.put("DASH_PG_DB", "dash");
        env.put("DASH_PG_TEST_DB", "dash_chaos");
        env.put("DASH_STOP_TIMEOUT", "20");
        endpoints = new Endpoints(
                "127.0.0.1",
                Integer.parseInt(env.get("DASH_PG_PORT")),
                "dash",
                "dash",
                "dash",
                false,
                "127.0.0.1:" + env.get("DASH_KAFKA_PORT"),
                "http://127.0.0.1:" + env.get("DASH_S3_PORT"),
                "dash",
                "dash-secret-key",
                "us-east-1",
                keycloakFrom.oidcUrl(),
                keycloakFrom.keycloakUrl(),
                keycloakFrom.keycloakAdminUser(),
                keycloakFrom.keycloakAdminPassword());
    }

    /**
     * Wipes {@code home}, starts PostgreSQL, Kafka and S3Proxy there and waits until they are healthy.
     *
     * @param timescaledb {@code auto} (TimescaleDB when installed) or {@code off}
     */
    static PrivateServices start(Path home, String timescaledb) throws IOException {
        Endpoints shared = LocalServices.ensureStarted(); // Keycloak only; never stopped by the suite
        PrivateServices s = new PrivateServices(home, shared, timescaledb);
        if (Files.exists(home)) {
            s.down(); // a run that died before its clean-up may have left them running
        }
        ServicesScript.wipe(home);
        Files.createDirectories(home);
        s.run(600, "up", "postgres", "kafka", "s3");
        return s;
    }

    Endpoints endpoints() {
        return endpoints;
    }

    Path home() {
        return home;
    }

    /** Stops one service ({@code postgres}, {@code kafka}, {@code s3}). */
    void stop(String service) {
        run(120, "stop", service);
    }

    /** Starts one service and waits until it is healthy. */
    void start(String service) {
        run(300, "start", service);
    }

    /** Stops every private service. */
    void down() {
        run(180, "down", "postgres", "kafka", "s3");
    }

    @Override
    public void close() {
        down();
    }

    private String run(int timeoutSeconds, String... args) {
        return ServicesScript.run(env, timeoutSeconds, List.of(args));
    }
}
