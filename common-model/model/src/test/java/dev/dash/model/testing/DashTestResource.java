package dev.dash.model.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;

/**
 * Points a {@code @QuarkusTest} at the shared real services ({@link LocalServices}). Where a Docker engine
 * exists, {@code DASH_TEST_DEVSERVICES=true} leaves the configuration empty so that Quarkus Dev Services
 * (Testcontainers) provide the services instead.
 */
public class DashTestResource implements QuarkusTestResourceLifecycleManager {
    @Override
    public Map<String, String> start() {
        if (Boolean.parseBoolean(System.getenv("DASH_TEST_DEVSERVICES"))) {
            return Map.of();
        }
        return LocalServices.ensureStartedAndMigrated().quarkusConfig();
    }

    @Override
    public void stop() {
        // The services outlive the test class: they are shared by the whole build.
    }
}
