package dev.dash.ingestor.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import io.agroal.api.AgroalDataSource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.awaitility.Awaitility;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A writer whose group has never committed (a new installation, or a new group prefix, reading from the end of
 * {@code dash.raw}) and that finds a dual-write boundary on partitions without traffic commits the boundary there,
 * not offset 0: before, such a group's committed offsets were moved to the start of the shared topic, its
 * {@code dash_silver_lag} counted every record of those partitions and a restart would have read them all again.
 *
 * <p>Not tagged {@code silver}: a new group's committed offsets do not depend on the Silver variant (the plain
 * variant's writes are {@code SilverWriterTest}'s, which the plain pass runs); tagged, this class cost the plain pass
 * an application build and start of its profile.
 */
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
@TestProfile(SilverNewGroupTest.NewGroupFromTheEnd.class)
class SilverNewGroupTest {
    static final String PREFIX = LocalServices.groupPrefix() + "-new-" + UUID.randomUUID();

    /** A group prefix nobody committed with, reading from the end of dash.raw. */
    public static class NewGroupFromTheEnd implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "dash.kafka.group-prefix", PREFIX,
                    "dash.kafka.client.silver.auto.offset.reset", "latest",
                    "dash.bronze.archiver-enabled", "false");
        }
    }

    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

    @ConfigProperty(name = "dash.kafka.group-prefix")
    String prefix;

    TestPipelines pipelines;

    @BeforeEach
    void setUp() {
        pipelines = new TestPipelines();
    }

    @AfterEach
    void tearDown() {
        pipelines.close();
    }

    @Test
    void aBoundaryOnAPartitionTheGroupNeverCommittedIsCommittedNotZero() throws Exception {
        assertThat(prefix).as("the profile's group prefix").isEqualTo(PREFIX);
        Created p = pipelines.create(Spec.of("none").withMapping(SilverWriterTest.V1));
        fillEveryPartition();
        pipelines.publish(repository.load(p.id()));
        try (SilverGroup group = new SilverGroup();
                Admin admin = Admin.create(Map.of(
                        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                        LocalServices.ensureStarted().kafkaBootstrap()))) {
            try (Connection c = pipelines.connect()) {
                TestPipelines.exec(
                        c,
                        "INSERT INTO data_mappings (id, pipeline_id, version, status, document) VALUES (?, ?, 2, 'pending', ?::jsonb)",
                        UUID.randomUUID(),
                        p.id(),
                        SilverWriterTest.V2);
                TestPipelines.exec(c, "UPDATE pipelines SET updated_at = clock_timestamp() WHERE id = ?", p.id());
            }
            pipelines.publish(repository.load(p.id()));
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .untilAsserted(() -> assertThat(boundaries(p.id())).hasSize(group.partitionCount()));
            Map<Integer, Long> boundaries = boundaries(p.id());
            // The boundaries are recorded after the commit that proved the partitions were held.
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(PREFIX + "-silver")
                    .partitionsToOffsetAndMetadata()
                    .get();
            boundaries.forEach((partition, offset) -> {
                OffsetAndMetadata o =
                        committed.get(new TopicPartition(LocalServices.topics().raw(), partition));
                assertThat(o).as("committed offset of partition %d", partition).isNotNull();
                assertThat(o.offset())
                        .as("committed offset of partition %d (boundary %d)", partition, offset)
                        .isGreaterThanOrEqualTo(offset);
            });
            // Worth something only where the topic holds records before the boundary (fillEveryPartition).
            assertThat(boundaries.values()).anyMatch(offset -> offset > 0);
        }
    }

    private Map<Integer, Long> boundaries(UUID pipeline) throws Exception {
        Map<Integer, Long> out = new TreeMap<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT kafka_partition, boundary_offset FROM dual_write_boundaries WHERE pipeline_id = ? AND mapping_version = 2")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getLong(2));
                }
            }
        }
        return out;
    }

    /**
     * One record on every partition of this run's raw topic (of a pipeline nobody has, which the writer skips), so
     * the boundaries are past records: the run's topic is new, and may be empty when this test comes first.
     */
    private static void fillEveryPartition() throws Exception {
        try (org.apache.kafka.clients.producer.KafkaProducer<String, byte[]> producer =
                new org.apache.kafka.clients.producer.KafkaProducer<>(
                        Map.of(
                                "bootstrap.servers",
                                LocalServices.ensureStarted().kafkaBootstrap()),
                        new org.apache.kafka.common.serialization.StringSerializer(),
                        new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            String topic = LocalServices.topics().raw();
            int partitions = producer.partitionsFor(topic).size();
            for (int partition = 0; partition < partitions; partition++) {
                UUID nobody = UUID.randomUUID();
                dev.dash.model.envelope.RawRecordCodec.Encoded r = dev.dash.model.envelope.RawRecordCodec.encode(
                        new dev.dash.model.envelope.RawEnvelope(
                                dev.dash.model.envelope.UuidV7.next(),
                                nobody,
                                UUID.randomUUID(),
                                java.time.Instant.now(),
                                dev.dash.model.envelope.Source.WEBHOOK,
                                "filler",
                                "application/json",
                                Map.of(),
                                "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                                dev.dash.model.signature.VerificationResult.notRequired()),
                        dev.dash.model.envelope.RawRecordCodec.VERSION);
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(
                                topic, partition, nobody.toString(), r.value(), r.headers()))
                        .get();
            }
        }
    }
}
