package dev.dash.model.testing;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The set-up of a {@code @QuarkusTest} that makes an outage of its own: the shared services are never stopped
 * (other test runs, developers and installations use them), so the test puts something it may cut in front of
 * one of them (a {@link CuttableProxy}) or replaces it with a private one ({@link ThrowawayServices}).
 *
 * <p>A test names a {@link Profile} subclass in {@code @TestProfile}; the profile runs one {@link Resource}
 * instead of the global {@link DashTestResource}; the resource starts the handles, points the service's
 * configuration at them, injects each into the test's fields of its type, and closes them when the service
 * stops.
 */
public final class OwnOutages {
    private OwnOutages() {}

    /** A test profile with only {@code resource} as test resource (the global ones disabled). */
    public abstract static class Profile implements QuarkusTestProfile {
        private final Class<? extends QuarkusTestResourceLifecycleManager> resource;

        protected Profile(Class<? extends QuarkusTestResourceLifecycleManager> resource) {
            this.resource = resource;
        }

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(resource));
        }

        @Override
        public boolean disableGlobalTestResources() {
            return true;
        }
    }

    /** {@link DashTestResource}'s configuration, changed by {@link #open} to reach the handles it starts. */
    public abstract static class Resource extends DashTestResource {
        private final List<AutoCloseable> handles = new ArrayList<>();

        /**
         * Starts the handles (each through {@link #keep}) and points {@code config} at them.
         *
         * @param config the shared services' configuration, to change
         */
        protected abstract void open(Map<String, String> config) throws Exception;

        /** Keeps {@code handle}: injected into the test's fields of its type, closed when the service stops. */
        protected final <T extends AutoCloseable> T keep(T handle) {
            handles.add(handle);
            return handle;
        }

        /** The configuration {@link #open} starts from: {@link DashTestResource}'s. */
        protected Map<String, String> sharedConfig() {
            return super.start();
        }

        @Override
        public final Map<String, String> start() {
            Map<String, String> config = new HashMap<>(sharedConfig());
            try {
                open(config);
            } catch (Exception e) {
                stop();
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e.toString(), e);
            }
            return config;
        }

        @Override
        public void inject(TestInjector testInjector) {
            for (AutoCloseable handle : handles) {
                testInjector.injectIntoFields(handle, new TestInjector.MatchesType(handle.getClass()));
            }
        }

        @Override
        public void stop() {
            IllegalStateException failed = null;
            for (int i = handles.size() - 1; i >= 0; i--) {
                try {
                    handles.get(i).close();
                } catch (Exception e) {
                    if (failed == null) {
                        failed = new IllegalStateException("cannot close " + handles.get(i) + ": " + e, e);
                    } else {
                        failed.addSuppressed(e);
                    }
                }
            }
            handles.clear();
            if (failed != null) {
                throw failed;
            }
        }
    }
}
