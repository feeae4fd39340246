package dev.dash.web.live.cache;

import dev.dash.web.live.LiveConfig;
import java.time.Duration;

/** {@link LiveConfig} with its documented defaults, for tests without Quarkus. */
final class LiveConfigs {
    private LiveConfigs() {}

    static LiveConfig defaults() {
        return new LiveConfig() {
            @Override
            public Duration coalesce() {
                return Duration.ofMillis(100);
            }

            @Override
            public int ringBuffer() {
                return 1000;
            }

            @Override
            public int maxQueuedFrames() {
                return 500;
            }

            @Override
            public Duration slideWait() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Duration heartbeat() {
                return Duration.ofSeconds(15);
            }

            @Override
            public Duration idleTimeout() {
                return Duration.ofSeconds(60);
            }

            @Override
            public Duration accessCache() {
                return Duration.ofSeconds(1);
            }

            @Override
            public Duration accessCheck() {
                return Duration.ofSeconds(5);
            }

            @Override
            public Duration streamLinger() {
                return Duration.ofSeconds(60);
            }

            @Override
            public Duration snapshotReuse() {
                return Duration.ofSeconds(30);
            }

            @Override
            public int snapshotRetries() {
                return 5;
            }

            @Override
            public Duration snapshotRetryBackoff() {
                return Duration.ofMillis(200);
            }

            @Override
            public Cache cache() {
                return new Cache() {
                    @Override
                    public boolean enabled() {
                        return true;
                    }

                    @Override
                    public int maxBuckets() {
                        return 100_000;
                    }

                    @Override
                    public int dedupePoints() {
                        return 50_000;
                    }

                    @Override
                    public Duration clockMargin() {
                        return Duration.ofMillis(250);
                    }

                    @Override
                    public Duration refresh() {
                        return Duration.ofSeconds(60);
                    }
                };
            }
        };
    }
}
