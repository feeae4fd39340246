package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.testing.PackagedService;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.PoolOptions;
import java.net.ConnectException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reliability finding 8: while PostgreSQL refused connections, Vert.x logged {@code IllegalStateException: Result
 * is already complete} at ERROR a connection timeout after every failed dedupe statement (the pool's own
 * execute path failed its result, then its acquisition timer failed it again). The dedupe store's statements
 * against a pool whose server refuses connections (a port nobody listens on; the shared PostgreSQL is not
 * stopped): each fails, and nothing completes twice afterwards. The pool's connection timeout is 1 s here, so
 * the stray timer would fire within the 3 s the test watches.
 */
class DedupeDatabaseDownTest {
    Vertx vertx;
    io.vertx.mutiny.sqlclient.Pool pool;
    final List<Throwable> unhandled = new CopyOnWriteArrayList<>();

    @BeforeEach
    void refusingPool() throws Exception {
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
        pool = io.vertx.mutiny.sqlclient.Pool.newInstance(PgPool.pool(vertx, connect, options));
    }

    @AfterEach
    void close() {
        pool.closeAndAwait();
        vertx.close().toCompletionStage().toCompletableFuture().join();
    }

    @Test
    void statementsFailOnceEachWhilePostgresRefusesConnections() {
        DedupeRepository dedupe = new DedupeRepository(pool, null);
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> dedupe.claim(
                                    UUID.randomUUID(),
                                    "d-" + UUID.randomUUID(),
                                    new UUID[] {UUID.randomUUID()},
                                    Instant.now(),
                                    Duration.ofSeconds(30),
                                    Duration.ofDays(1))
                            .await()
                            .atMost(Duration.ofSeconds(10)))
                    .hasRootCauseInstanceOf(ConnectException.class);
            dedupe.commit(UUID.randomUUID(), "c-" + i);
            dedupe.release(UUID.randomUUID(), "r-" + i);
        }
        Awaitility.await()
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(unhandled).isEmpty());
    }
}
