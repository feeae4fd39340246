package dev.dash.web.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.testing.PackagedService;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgPool;
import io.vertx.sqlclient.PoolOptions;
import java.net.ConnectException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reliability finding 8 on web-service: while PostgreSQL refused connections, every statement web-service ran on
 * its reactive pool ({@link Sql#run}, which every repository and service of web-service goes through) failed, and
 * a connection timeout later Vert.x logged {@code IllegalStateException: Result is already complete} at ERROR (the
 * pool's own execute path failed the result, then its acquisition timer failed it again). Statements against a
 * pool whose server refuses connections (a port nobody listens on; the shared PostgreSQL is not stopped): each
 * fails with the connection error, and nothing completes twice afterwards. The pool's connection timeout is 1 s
 * here, so the stray timer would fire within the 3 s the test watches.
 */
class SqlDatabaseDownTest {
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
    void statementsOnThePoolFailOnceEachWhilePostgresRefusesConnections() {
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> Sql.run(pool, "SELECT name FROM teams WHERE id = $1", UUID.randomUUID())
                            .await()
                            .atMost(Duration.ofSeconds(10)))
                    .hasRootCauseInstanceOf(ConnectException.class);
            assertThatThrownBy(() -> Sql.one(pool, r -> r.getString(0), "SELECT $1::text", "x")
                            .await()
                            .atMost(Duration.ofSeconds(10)))
                    .hasRootCauseInstanceOf(ConnectException.class);
        }
        Awaitility.await()
                .during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(unhandled).isEmpty());
    }
}
