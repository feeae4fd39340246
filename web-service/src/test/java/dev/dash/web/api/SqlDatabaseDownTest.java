package dev.dash.web.api;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.testing.RefusingPgPool;
import java.net.ConnectException;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Reliability finding 8 on web-service: while PostgreSQL refused connections, every statement web-service ran on
 * its reactive pool ({@link Sql#run}, which every repository and service of web-service goes through) failed, and
 * a connection timeout later Vert.x logged {@code IllegalStateException: Result is already complete} at ERROR (the
 * pool's own execute path failed the result, then its acquisition timer failed it again). Statements against a
 * pool whose server refuses connections ({@link RefusingPgPool}): each fails with the connection error, and
 * nothing completes twice afterwards.
 */
class SqlDatabaseDownTest {
    @RegisterExtension
    final RefusingPgPool db = new RefusingPgPool();

    @Test
    void statementsOnThePoolFailOnceEachWhilePostgresRefusesConnections() {
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> Sql.run(db.pool(), "SELECT name FROM teams WHERE id = $1", UUID.randomUUID())
                            .await()
                            .atMost(Duration.ofSeconds(10)))
                    .hasRootCauseInstanceOf(ConnectException.class);
            assertThatThrownBy(() -> Sql.one(db.pool(), r -> r.getString(0), "SELECT $1::text", "x")
                            .await()
                            .atMost(Duration.ofSeconds(10)))
                    .hasRootCauseInstanceOf(ConnectException.class);
        }
        db.assertNothingCompletesTwice();
    }
}
