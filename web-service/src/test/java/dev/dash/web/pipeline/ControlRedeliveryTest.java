package dev.dash.web.pipeline;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.testing.DashTestResource;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.ControlTopic;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The {@code control_outbox}: a change queues its pipeline in its own transaction, the row goes once Kafka
 * acknowledged the snapshot, and a change whose publication never happened (the node stopped right after the
 * commit) is published by the relay, deletions included. Kafka away across a restart: {@code ControlOutboxIT}.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class ControlRedeliveryTest {
    static long queued(UUID pipeline) {
        return Db.count("SELECT count(*) FROM control_outbox WHERE pipeline_id = ?::uuid", pipeline.toString());
    }

    @Test
    void aChangeIsQueuedInItsTransactionAndLeavesTheOutboxOnceKafkaAcknowledgedIt() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String renamed = Api.unique("renamed");
        try (ControlTopic control = new ControlTopic()) {
            as(Tokens.OWNER)
                    .body(Map.of("name", renamed))
                    .patch("/api/teams/" + team.id() + "/pipelines/" + pipeline)
                    .then()
                    .statusCode(200);
            var record = control.await(
                    pipeline.toString(),
                    v -> v != null && ControlCodec.decode(v).name().equals(renamed));
            assertThat(ControlCodec.decode(record.value()).teamId()).isEqualTo(team.id());
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queued(pipeline) == 0);
        }
    }

    @Test
    void changesCommittedWithoutTheirPublicationAreRelayedFromTheOutbox() throws Exception {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID changed = Api.pipeline(team);
        UUID deleted = Api.pipeline(team);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queued(changed) == 0 && queued(deleted) == 0);
        String renamed = Api.unique("behind-the-api");
        try (ControlTopic control = new ControlTopic()) {
            // As a node that stopped right after its commit: the rows change, nobody publishes after them.
            try (Connection c = Db.connect()) {
                c.setAutoCommit(false);
                try (PreparedStatement rename = c.prepareStatement(
                                "UPDATE pipelines SET name = ?, updated_at = clock_timestamp() WHERE id = ?");
                        PreparedStatement delete = c.prepareStatement("DELETE FROM pipelines WHERE id = ?")) {
                    rename.setString(1, renamed);
                    rename.setObject(2, changed);
                    rename.executeUpdate();
                    delete.setObject(1, deleted);
                    delete.executeUpdate();
                }
                c.commit();
            }
            var snapshot = control.await(
                    changed.toString(),
                    v -> v != null && ControlCodec.decode(v).name().equals(renamed));
            assertThat(ControlCodec.decode(snapshot.value()).id()).isEqualTo(changed);
            assertThat(control.await(deleted.toString(), v -> v == null).value())
                    .isNull();
            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queued(changed) == 0 && queued(deleted) == 0);
        }
    }

    @Test
    void anUpdateThatLeavesTheRevisionAloneQueuesNothing() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> queued(pipeline) == 0);
        Db.update("UPDATE pipelines SET name = name WHERE id = ?::uuid", pipeline.toString());
        assertThat(queued(pipeline)).isZero();
    }
}
