package dev.dash.model.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Services of a test's own (for now Kafka), started with {@code deploy/local/services} under a {@code DASH_HOME}
 * and on free ports of their own, so that a test can stop and start them to inject a fault without touching the
 * shared set that every other test, developer and installation on the machine uses (never stop those). The
 * folder is wiped at every start; {@link #close()} stops everything.
 */
public final class ThrowawayServices implements AutoCloseable {
    private final Path home;
    private final List<String> services;
    private final Map<String, String> env = new HashMap<>();

    private ThrowawayServices(Path home, List<String> services) throws IOException {
        this.home = home;
        this.services = services;
        env.put("DASH_HOME", home.toString());
        for (String port : List.of(
                "DASH_PG_PORT",
                "DASH_KAFKA_PORT",
                "DASH_KAFKA_CONTROLLER_PORT",
                "DASH_S3_PORT",
                "DASH_KC_PORT",
                "DASH_KC_MGMT_PORT")) {
            env.put(port, String.valueOf(PackagedService.freePort()));
        }
        env.put("DASH_STOP_TIMEOUT", "20");
    }

    /**
     * Wipes {@code home} and starts the services there, waiting until they are healthy.
     *
     * @param home a folder of the test's own (e.g. under {@code target/})
     * @param services {@code kafka} (what the services script starts: also {@code s3}, {@code postgres})
     * @return the running set
     */
    public static ThrowawayServices start(Path home, String... services) {
        try {
            ThrowawayServices s = new ThrowawayServices(home.toAbsolutePath(), List.of(services));
            if (Files.exists(home)) {
                s.runQuietly("down");
                ServicesScript.wipe(home);
            }
            Files.createDirectories(home);
            s.run(600, withArgs("up", services));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The private broker's bootstrap address. */
    public String kafkaBootstrap() {
        return "127.0.0.1:" + env.get("DASH_KAFKA_PORT");
    }

    /** Stops one of the services (a fault). */
    public void stop(String service) {
        run(120, "stop", service);
    }

    /** Starts one of the services again and waits until it is healthy. */
    public void start(String service) {
        run(300, "start", service);
    }

    @Override
    public void close() {
        runQuietly("down");
    }

    private void runQuietly(String verb) {
        try {
            run(180, withArgs(verb, services.toArray(String[]::new)));
        } catch (RuntimeException e) {
            // nothing was running
        }
    }

    private static String[] withArgs(String verb, String... services) {
        String[] out = new String[services.length + 1];
        out[0] = verb;
        System.arraycopy(services, 0, out, 1, services.length);
        return out;
    }

    private void run(int timeoutSeconds, String... args) {
        ServicesScript.run(env, timeoutSeconds, List.of(args));
    }
}
