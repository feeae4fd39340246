package dev.dash.ingestor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineCache;
import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.kafka.TopicNames;
import dev.dash.model.signature.VerificationResult;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.platform.kafka.TopicProvisioner;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two installations on one broker, told apart by {@code dash.kafka.topic-prefix}: this ingestor is installation A
 * (the test run's prefix), and B is another prefix whose topics this test writes to. A does not learn B's pipelines
 * from B's control topic, and its Silver writer does not write the events on B's raw topic, while it does both for
 * its own topics (so the test fails as well when the prefix is ignored and A reads the unprefixed topics).
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class TopicPrefixIsolationTest {
    static final String MAPPING = """
            {"version":1,"fields":[{"name":"n","path":"/n","type":"number"}],"metrics":["n"],"labels":[]}
            """;
    static final TopicNames A = LocalServices.topics();
    static final TopicNames B = new TopicNames(LocalServices.topicPrefix() + "other.");

    static KafkaProducer<String, byte[]> producer;

    @Inject
    PipelineCache cache;

    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

    @BeforeAll
    static void installationB() {
        String bootstrap = LocalServices.ensureStarted().kafkaBootstrap();
        TopicProvisioner.ensureTopics(bootstrap, B.specs(), (short) 1, 30_000);
        producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new ByteArraySerializer());
    }

    @AfterAll
    static void removeB() throws Exception {
        producer.close();
        try (Admin admin = Admin.create(
                Map.of("bootstrap.servers", LocalServices.ensureStarted().kafkaBootstrap()))) {
            admin.deleteTopics(B.specs().stream().map(s -> s.name()).toList())
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void aPipelineOnAnotherInstallationsControlTopicIsNotLearned() throws Exception {
        try (TestPipelines pipelines = new TestPipelines()) {
            // Known only through B's control topic (not in the database, so no reload can teach it to A).
            PipelineConfig onlyB =
                    repository.load(pipelines.create(Spec.of("none")).id());
            UUID theirs = UUID.randomUUID();
            send(B.control(), theirs.toString(), ControlCodec.encode(withId(onlyB, theirs)));
            // A's own pipeline, on A's control topic, sent after B's.
            PipelineConfig ours =
                    repository.load(pipelines.create(Spec.of("none")).id());
            send(A.control(), ours.id().toString(), ControlCodec.encode(ours));

            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> cache.get(ours.id()) != null);
            assertThat(cache.get(theirs)).as("B's pipeline in A's cache").isNull();
        }
    }

    @Test
    void anEventOnAnotherInstallationsRawTopicIsNotWritten() throws Exception {
        try (TestPipelines pipelines = new TestPipelines()) {
            Created p = pipelines.create(Spec.of("none").withMapping(MAPPING));
            pipelines.publish(repository.load(p.id()));
            send(B.raw(), p.id().toString(), p, 1);
            send(A.raw(), p.id().toString(), p, 2);

            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> written(p, 2));
            assertThat(written(p, 1)).as("B's event in A's Silver").isFalse();
            String group = LocalServices.groupPrefix() + "-silver";
            try (Admin admin = Admin.create(
                    Map.of("bootstrap.servers", LocalServices.ensureStarted().kafkaBootstrap()))) {
                Map<TopicPartition, ?> committed = admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS);
                assertThat(committed.keySet()).extracting(TopicPartition::topic).containsOnly(A.raw());
            }
        }
    }

    private static PipelineConfig withId(PipelineConfig c, UUID id) {
        return new PipelineConfig(
                id,
                c.teamId(),
                c.name(),
                c.type(),
                c.status(),
                c.signaturePreset(),
                c.signatureConfig(),
                c.timestampToleranceSeconds(),
                c.dedupeWindowSeconds(),
                c.quotaRequestsPerSecond(),
                c.quotaBytesPerSecond(),
                c.persistData(),
                c.activeMappingVersion(),
                c.mappings(),
                c.secrets(),
                c.revision(),
                c.allowUnsigned());
    }

    private static void send(String topic, String key, byte[] value) throws Exception {
        producer.send(new ProducerRecord<>(topic, key, value)).get(30, TimeUnit.SECONDS);
    }

    private static void send(String topic, String key, Created p, int n) throws Exception {
        RawEnvelope e = new RawEnvelope(
                UuidV7.next(),
                p.id(),
                p.teamId(),
                Instant.now(),
                Source.WEBHOOK,
                "delivery-" + n,
                "application/json",
                Map.of(),
                ("{\"n\":" + n + "}").getBytes(StandardCharsets.UTF_8),
                VerificationResult.notRequired());
        RawRecordCodec.Encoded r = RawRecordCodec.encode(e, RawRecordCodec.VERSION);
        producer.send(new ProducerRecord<>(topic, null, key, r.value(), r.headers()))
                .get(30, TimeUnit.SECONDS);
    }

    private boolean written(Created p, int n) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("SELECT count(*) FROM metrics WHERE pipeline_id = ? AND value = ?")) {
            ps.setObject(1, p.id());
            ps.setDouble(2, n);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1) > 0;
            }
        }
    }
}
