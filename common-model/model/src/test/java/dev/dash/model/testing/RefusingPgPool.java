package dev.dash.model.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.PoolOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A reactive PostgreSQL pool whose server refuses connections (a port nobody listens on, so the shared
 * PostgreSQL is never stopped), for the tests of reliability finding 8: Vert.x failing a statement's result once
 * from the pool's execute path and again from its acquisition timer ({@code IllegalStateException: Result is
 * already complete}). Whatever the pool's own Vert.x instance reports unhandled is kept, and {@link
 * #assertNothingCompletesTwice()} watches it for 3 s: the pool's connection timeout is 1 s, so a stray timer would
 * fire within that time. Register with {@code @RegisterExtension}; a fresh pool for every test.
 */
public final class RefusingPgPool implements BeforeEachCallback, AfterEachCallback {
    private final List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    private Vertx vertx;
    private Pool pool;

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        unhandled.clear();
        vertx = Vertx.vertx();
        vertx.exceptionHandler(unhandled::add);
        PgConnectOptions connect = new PgConnectOptions()
                .setHost("127.0.0.1")
                .setPort(PackagedService.freePort())
                .setDatabase("dash")
                .setUser("dash")
                .setPassword("dash");
        PoolOptions options =
                new PoolOptions().setMaxSize(2).setConnectionTimeout(1).setConnectionTimeoutUnit(TimeUnit.SECONDS);
        pool = Pool.newInstance(PgPool.pool(vertx, connect, options));
    }

    @Override
    public void afterEach(ExtensionContext context) {
        pool.closeAndAwait();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    /** The pool (Mutiny API), whose every connection attempt is refused. */
    public Pool pool() {
        return pool;
    }

    /** Asserts that for 3 s nothing the pool ran fails or completes a second time (nothing unhandled). */
    public void assertNothingCompletesTwice() {
        Awaitility.await()
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(unhandled).isEmpty());
    }
}
