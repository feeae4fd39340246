package dev.dash.ingestor.ingest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.RawTopic;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.PresetConfig;
import dev.dash.model.signature.SecretMaterial;
import dev.dash.model.signature.SignatureSigner;
import dev.dash.model.testing.LocalServices;
import dev.dash.model.testing.OwnOutages;
import dev.dash.model.testing.ThrowawayServices;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Kafka down for the ingest door: 503 {@code kafka_unavailable} with {@code Retry-After}, and the retry of the
 * same delivery is accepted once Kafka is back, stored once. The node's durable publish (client {@code ingest})
 * goes to a private broker of this test's own ({@link ThrowawayServices}), which the test stops and starts;
 * everything else stays on the shared services, which are never stopped (other test runs and installations use
 * them). Before, the test stopped the shared broker.
 */
@QuarkusTest
@TestProfile(IngestKafkaDownTest.PrivateIngestBroker.class)
class IngestKafkaDownTest {
    /** The shared services, except that the ingest producer writes to a private broker. */
    public static class PrivateIngestBroker extends OwnOutages.Profile {
        public PrivateIngestBroker() {
            super(PrivateIngestBrokerResource.class);
        }
    }

    /** Starts the private broker with a {@code dash.raw} of its own, and points the ingest producer at it. */
    public static class PrivateIngestBrokerResource extends OwnOutages.Resource {
        @Override
        protected void open(Map<String, String> config) {
            ThrowawayServices kafka = keep(ThrowawayServices.start(Path.of("target", "ingest-kafka-down"), "kafka"));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.kafkaBootstrap()))) {
                admin.createTopics(List.of(new NewTopic(LocalServices.topics().raw(), 3, (short) 1)))
                        .all()
                        .get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("cannot create dash.raw on the private broker: " + e, e);
            }
            config.put("dash.kafka.client.ingest.bootstrap.servers", kafka.kafkaBootstrap());
        }
    }

    @Inject
    PipelineRepository repository;

    /** The broker {@link PrivateIngestBrokerResource} started, injected by type. */
    ThrowawayServices kafka;

    private static RequestSpecification signed(Created p, byte[] body, String deliveryId) {
        Map<String, String> headers = SignatureSigner.forPreset(PresetConfig.of(Preset.GITHUB))
                .sign(body, SecretMaterial.of(p.secretId().toString(), p.secret()), Instant.now(), deliveryId);
        return given().headers(headers).contentType("application/json").body(body);
    }

    @Test
    void kafkaDownGets503AndTheRetryOfTheSameDeliveryIsAcceptedOnceBack() throws Exception {
        try (TestPipelines pipelines = new TestPipelines();
                RawTopic raw = new RawTopic(kafka.kafkaBootstrap())) {
            Created github = pipelines.create(Spec.of("github"));
            pipelines.publish(repository.load(github.id()));
            byte[] warm = "{\"warm\":true}".getBytes(StandardCharsets.UTF_8);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> signed(github, warm, null)
                                    .post("/ingest/" + github.id())
                                    .statusCode()
                            == 202);

            String delivery = "down-" + UUID.randomUUID();
            byte[] body = "{\"kafka\":\"down\"}".getBytes(StandardCharsets.UTF_8);
            long mark = raw.mark(github.id());
            kafka.stop("kafka");
            try {
                signed(github, body, delivery)
                        .post("/ingest/" + github.id())
                        .then()
                        .statusCode(503)
                        .header("Retry-After", notNullValue())
                        .body("error", equalTo("kafka_unavailable"));
            } finally {
                kafka.start("kafka");
            }
            // The refused delivery left no claim behind: its retry is not taken for a duplicate.
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .untilAsserted(() -> signed(github, body, delivery)
                            .post("/ingest/" + github.id())
                            .then()
                            .statusCode(202));
            List<RawEnvelope> got = raw.since(github.id(), mark);
            assertThat(got).hasSize(1);
            assertThat(got.get(0).body()).isEqualTo(body);
        }
    }
}
