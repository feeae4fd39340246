package dev.dash.ingestor.silver;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.PointsTopic;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.kafka.PointsBatch;
import dev.dash.model.kafka.PointsCodec;
import dev.dash.model.signature.VerificationResult;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
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
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A Silver batch whose points of one pipeline exceed the bound of a {@code dash.points} record (half of Kafka's
 * default 1 MiB record limit) still reaches {@code dash.points} whole, against the real broker and database: in
 * several records under {@link PointsPublisher.RECORD_MAX_BYTES}, keyed by the pipeline, each holding the next
 * points in order.
 */
@Tag(LocalServices.SILVER_TAG)
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class PointsPublishTest {
    static final int METRICS = 20;
    static final int LABELS = 4;
    static final int EVENTS = 280;
    /** Most requests sent before one Silver batch must have been over the bound. */
    static final int ROUNDS = 5;

    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

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
    void aBatchOverOneMebibytePublishesEveryPointInRecordsUnderTheBound() throws Exception {
        Created p = pipelines.create(Spec.of("none").withMapping(mapping()));
        pipelines.publish(repository.load(p.id()));
        Instant t0 = Instant.now().truncatedTo(ChronoUnit.SECONDS);

        try (KafkaConsumer<String, byte[]> consumer = PointsTopic.fromEnd(p.id())) {
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            Set<String> identities = new HashSet<>();
            // The test is only worth something if one Silver batch held more than a record may: the writer cuts its
            // batches where its polls end, so a request whose records came in two fetches may give two batches under
            // the bound. Requests of new events are sent until one batch was over it (at most ROUNDS).
            int sent = 0;
            for (int round = 0; round < ROUNDS && !anyBatchOverTheBound(records); round++) {
                send(p, t0, sent, EVENTS);
                sent += EVENTS;
                int expected = sent * METRICS;
                Awaitility.await()
                        .atMost(Duration.ofSeconds(60))
                        .until(() -> count("SELECT count(*) FROM metrics WHERE pipeline_id = ?", p.id()) == expected);
                Awaitility.await()
                        .atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ZERO)
                        .untilAsserted(() -> {
                            for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                                if (r.key().equals(p.id().toString())) {
                                    records.add(r);
                                    PointsCodec.decode(r.value())
                                            .points()
                                            .forEach(pt -> identities.add(
                                                    identity(pt.mappingVersion(), pt.eventId(), pt.seq())));
                                }
                            }
                            assertThat(identities).hasSize(expected);
                        });
            }
            assertThat(identities).isEqualTo(storedIdentities(p.id()));

            Map<Instant, List<PointsBatch>> byCommit = new LinkedHashMap<>();
            Map<Instant, Long> bytesByCommit = new TreeMap<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                assertThat(r.value().length).isLessThanOrEqualTo(PointsPublisher.RECORD_MAX_BYTES);
                PointsBatch b = PointsCodec.decode(r.value());
                assertThat(b.pipelineId()).isEqualTo(p.id());
                assertThat(b.teamId()).isEqualTo(p.teamId());
                assertThat(b.points()).isNotEmpty();
                byCommit.computeIfAbsent(b.committedAt(), k -> new ArrayList<>())
                        .add(b);
                bytesByCommit.merge(b.committedAt(), (long) r.value().length, Long::sum);
            }
            assertThat(bytesByCommit.values())
                    .anySatisfy(bytes -> assertThat(bytes).isGreaterThan(PointsPublisher.RECORD_MAX_BYTES));
            assertThat(byCommit.values()).anySatisfy(parts -> assertThat(parts).hasSizeGreaterThan(1));

            byCommit.values().forEach(parts -> {
                // The records of one batch hold its points in the order written: by event (time), then seq.
                List<PointsBatch.Point> points =
                        parts.stream().flatMap(b -> b.points().stream()).toList();
                for (int k = 1; k < points.size(); k++) {
                    PointsBatch.Point a = points.get(k - 1);
                    PointsBatch.Point b = points.get(k);
                    assertThat(a.time().isBefore(b.time()) || (a.time().equals(b.time()) && a.seq() < b.seq()))
                            .as(
                                    "point %d of a batch (%s, seq %d) after (%s, seq %d)",
                                    k, b.time(), b.seq(), a.time(), a.seq())
                            .isTrue();
                }
                points.forEach(pt -> assertPoint(pt, t0));
            });
        }
    }

    /**
     * Events {@code from} to {@code from + n - 1} (event {@code i} at {@code t0 + i} ms) as {@code dash.raw} records in
     * one Kafka batch (one producer batch, flushed at once), so the Silver writer gets them in one poll: through the
     * ingest API its producer's 512 KiB batches arrive in separate fetches and the writer's batches end with them.
     */
    private static void send(Created p, Instant t0, int from, int n) throws Exception {
        Properties props = new Properties();
        props.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.BATCH_SIZE_CONFIG, 4 << 20);
        props.put(ProducerConfig.LINGER_MS_CONFIG, 60_000);
        try (KafkaProducer<String, byte[]> producer =
                new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer())) {
            for (int i = from; i < from + n; i++) {
                StringBuilder json =
                        new StringBuilder("{\"ts\":\"").append(t0.plusMillis(i)).append('"');
                for (int m = 0; m < METRICS; m++) {
                    json.append(",\"m").append(m).append("\":").append(value(i, m));
                }
                for (int l = 0; l < LABELS; l++) {
                    json.append(",\"l")
                            .append(l)
                            .append("\":\"")
                            .append(label(i, l))
                            .append('"');
                }
                RawEnvelope e = new RawEnvelope(
                        UuidV7.next(),
                        p.id(),
                        p.teamId(),
                        Instant.now(),
                        Source.WEBHOOK,
                        null,
                        "application/json",
                        Map.of(),
                        json.append('}').toString().getBytes(StandardCharsets.UTF_8),
                        VerificationResult.notRequired());
                RawRecordCodec.Encoded r = RawRecordCodec.encode(e);
                producer.send(new ProducerRecord<>(
                        LocalServices.topics().raw(), null, p.id().toString(), r.value(), r.headers()));
            }
            producer.flush();
        }
    }

    /** Whether the records of one Silver batch (one commit time) add up to more than a record may hold. */
    private static boolean anyBatchOverTheBound(List<ConsumerRecord<String, byte[]>> records) {
        Map<Instant, Long> bytes = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : records) {
            bytes.merge(PointsCodec.decode(r.value()).committedAt(), (long) r.value().length, Long::sum);
        }
        return bytes.values().stream().anyMatch(b -> b > PointsPublisher.RECORD_MAX_BYTES);
    }

    /** Each point carries its event's value for its metric and the event's labels, unchanged. */
    private static void assertPoint(PointsBatch.Point pt, Instant t0) {
        int i = (int) Duration.between(t0, pt.time()).toMillis();
        assertThat(pt.metric()).matches("m\\d+");
        int m = Integer.parseInt(pt.metric().substring(1));
        assertThat(pt.value()).isEqualTo(value(i, m));
        assertThat(pt.labels())
                .isEqualTo(
                        IntStream.range(0, LABELS).boxed().collect(Collectors.toMap(l -> "l" + l, l -> label(i, l))));
        assertThat(pt.mappingVersion()).isEqualTo(1);
    }

    private static String mapping() {
        String fields = IntStream.range(0, METRICS)
                .mapToObj(m -> "{\"name\":\"m" + m + "\",\"path\":\"/m" + m + "\",\"type\":\"number\"}")
                .collect(Collectors.joining(","));
        String labelFields = IntStream.range(0, LABELS)
                .mapToObj(l -> "{\"name\":\"l" + l + "\",\"path\":\"/l" + l + "\",\"type\":\"string\"}")
                .collect(Collectors.joining(","));
        String metrics =
                IntStream.range(0, METRICS).mapToObj(m -> "\"m" + m + "\"").collect(Collectors.joining(","));
        String labels =
                IntStream.range(0, LABELS).mapToObj(l -> "\"l" + l + "\"").collect(Collectors.joining(","));
        return "{\"version\":1,\"time\":{\"path\":\"/ts\",\"format\":\"iso8601\"},\"fields\":[" + fields + ","
                + labelFields + "],\"metrics\":[" + metrics + "],\"labels\":[" + labels + "]}";
    }

    private static double value(int event, int metric) {
        return event * 100 + metric + 0.25;
    }

    /**
     * About 600 characters, new for every event: the binary format writes an event's labels once for all its points,
     * so the labels (about 2.4 KiB an event) are what makes the batch of {@link #EVENTS} events (about 950 KB of
     * points) larger than a record may be, while the request's body stays under the test's 1 MiB limit.
     */
    private static String label(int event, int label) {
        return "event " + event + " label " + label + " région/Ω " + "abcdefghij".repeat(58);
    }

    private static String identity(int mappingVersion, UUID eventId, int seq) {
        return mappingVersion + "/" + eventId + "/" + seq;
    }

    private Set<String> storedIdentities(UUID pipeline) throws Exception {
        Set<String> out = new HashSet<>();
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT mapping_version, event_id, seq FROM metrics WHERE pipeline_id = ?")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(identity(rs.getInt(1), rs.getObject(2, UUID.class), rs.getInt(3)));
                }
            }
        }
        return out;
    }

    private long count(String sql, Object arg) throws Exception {
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setObject(1, arg);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
