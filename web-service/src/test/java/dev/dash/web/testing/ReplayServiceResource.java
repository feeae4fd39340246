package dev.dash.web.testing;

import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.PackagedService;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real replay-service (its packaged jar, built before web-service's tests by the reactor: web-service's
 * pom names it as a test-scope dependency for the order) on the shared services, and web-service's {@code
 * dash.replay-api.url} pointing at it. Its replay jobs are off: the tests that use it start, list, read and
 * cancel replays through web-service, and a queued replay stays queued until cancelled (the jobs are
 * replay-service's own tests' subject, and would take over the replays other web tests write by hand).
 */
public class ReplayServiceResource implements QuarkusTestResourceLifecycleManager {
    /**
     * The test profile of every class that needs the real replay-service: one profile, so Quarkus builds one
     * application for them and starts one replay-service for all of them (a resource restricted to each class
     * cost each its own build, start and replay-service).
     */
    public static class Profile implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(ReplayServiceResource.class));
        }
    }

    private Process process;

    @Override
    public Map<String, String> start() {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        try {
            int port = PackagedService.freePort();
            Map<String, String> props = PackagedService.config(env, port);
            props.put("dash.replay.enabled", "false");
            process = PackagedService.start(
                    "replay-service",
                    props,
                    "256m",
                    LocalServices.repoRoot().resolve("web-service/target/replay-service/replay-" + port + ".log"));
            PackagedService.awaitReady(port, Duration.ofSeconds(120));
            return Map.of("dash.replay-api.url", "http://127.0.0.1:" + port);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }
}
