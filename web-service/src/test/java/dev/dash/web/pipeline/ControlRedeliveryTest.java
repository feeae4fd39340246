package dev.dash.web.pipeline;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.ControlTopic;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A change committed while Kafka is away still answers 2xx, and its snapshot reaches {@code dash.control}
 * once Kafka is back, without another change.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class ControlRedeliveryTest {
    @Inject
    ControlPublisher publisher;

    @Test
    void aChangeMadeWhileKafkaIsDownIsPublishedWhenKafkaIsBack() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String renamed = Api.unique("renamed");
        try (ControlTopic control = new ControlTopic()) {
            LocalServices.stop("kafka");
            try {
                as(Tokens.OWNER)
                        .body(Map.of("name", renamed))
                        .patch("/api/teams/" + team.id() + "/pipelines/" + pipeline)
                        .then()
                        .statusCode(200);
                assertThat(Db.count(
                                "SELECT count(*) FROM pipelines WHERE id = ?::uuid AND name = ?",
                                pipeline.toString(),
                                renamed))
                        .isEqualTo(1);
                // Not delivered: queued (and the producer gives the record up before Kafka is back, so what
                // arrives below is the redelivery).
                assertThat(publisher.undelivered()).contains(pipeline);
            } finally {
                LocalServices.start("kafka");
            }
            var record = control.await(
                    pipeline.toString(),
                    v -> v != null && ControlCodec.decode(v).name().equals(renamed));
            assertThat(ControlCodec.decode(record.value()).teamId()).isEqualTo(team.id());
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> !publisher.undelivered().contains(pipeline));
        }
    }
}
