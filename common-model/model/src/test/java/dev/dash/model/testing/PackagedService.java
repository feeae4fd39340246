package dev.dash.model.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;

/**
 * A packaged service ({@code <module>/target/quarkus-app}) run as its own process by an integration test, so
 * the test can kill it with {@code kill -9} or run several services side by side.
 */
public final class PackagedService {
    /** The key ring the services' test profiles use, for packaged services that open secrets. */
    public static final String TEST_CRYPTO_KEYS =
            "test-old:jGIDyZYyhFHBT58r5XLU8XkFECLKXxhexxCfFBxoEjs=,test-new:ncBSYP1QfZ7n9m5/XW5ANJQWORBIAfiVkR7UvnPg/f0=";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private PackagedService() {}

    /** The shared services' settings plus an HTTP port on 127.0.0.1: what every packaged service needs. */
    public static Map<String, String> config(Endpoints env, int port) {
        Map<String, String> props = new HashMap<>(env.quarkusConfig());
        props.put("quarkus.http.port", String.valueOf(port));
        props.put("quarkus.http.host", "127.0.0.1");
        return props;
    }

    /**
     * Adds Kafka consumer sessions of 10 s (heartbeat every 2.5 s) to {@code props}, for tests that kill a node with
     * {@code kill -9}: the dead member keeps its group's partitions until its session expires, so with Kafka's
     * default of 45 s the node started again waited about 40 s for them. The rebalance, the uncommitted offsets
     * read again and the duplicates it must not store are the same, only sooner (the fault suite, ChaosRun, uses
     * the same 10 s).
     */
    public static Map<String, String> withShortKafkaSessions(Map<String, String> props) {
        props.put("dash.kafka.consumer.session.timeout.ms", "10000");
        props.put("dash.kafka.consumer.heartbeat.interval.ms", "2500");
        return props;
    }

    /**
     * Starts {@code module}'s packaged jar with the given settings (as system properties) and heap, its
     * output in {@code log}; fails when the module was not packaged.
     */
    public static Process start(String module, Map<String, String> props, String maxHeap, Path log) throws IOException {
        Path jar = LocalServices.repoRoot().resolve(module + "/target/quarkus-app/quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("package " + module + " first: " + jar + " is missing");
        }
        // C1 only, as the fault suite's nodes (docs/reliability.md): a test's service lives for seconds to a minute,
        // where C2's compiler threads take the shared two cores from its start and from the tests' load.
        List<String> cmd = new ArrayList<>(List.of("java", "-Xmx" + maxHeap, "-XX:TieredStopAtLevel=1"));
        props.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar.toString());
        Files.createDirectories(log.getParent());
        return new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
    }

    /** Waits until the service on {@code port} answers its readiness probe with 200. */
    public static void awaitReady(int port, Duration atMost) {
        Awaitility.await()
                .atMost(atMost)
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> HTTP.send(
                                        HttpRequest.newBuilder(
                                                        URI.create("http://127.0.0.1:" + port + "/q/health/ready"))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200);
    }

    /** A TCP port free at the moment of asking. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
