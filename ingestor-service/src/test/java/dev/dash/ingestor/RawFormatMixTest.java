package dev.dash.ingestor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.pipeline.PipelineRepository;
import dev.dash.ingestor.testing.BronzeContents;
import dev.dash.ingestor.testing.RawTopic;
import dev.dash.ingestor.testing.TestPipelines;
import dev.dash.ingestor.testing.TestPipelines.Created;
import dev.dash.ingestor.testing.TestPipelines.Spec;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import dev.dash.model.mapping.MappingResult;
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
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code dash.raw} holding records of both formats at once, as during the migration (docs/architecture.md, "The
 * dash.raw record"): format-1 records (the JSON envelope, written by nodes before issue 19) interleaved with format-2
 * records (metadata in headers, the body as the value). Every event is archived to Bronze as the same format-1 line
 * (so replays read objects written before and after the change alike, and each line maps to the same points as
 * Silver holds) and written to Silver once, with its values.
 */
@Tag(LocalServices.SILVER_TAG)
@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class RawFormatMixTest {
    static final String MAPPING = """
            {"version":1,"fields":[{"name":"n","path":"/n","type":"number"},{"name":"kind","path":"/kind","type":"string"}],
             "metrics":["n"],"labels":["kind"]}
            """;

    @Inject
    PipelineRepository repository;

    @Inject
    AgroalDataSource dataSource;

    @Inject
    S3Client s3;

    @Test
    void oldAndNewFormatRecordsAreBothArchivedAndWrittenToSilver() throws Exception {
        try (TestPipelines pipelines = new TestPipelines();
                RawTopic raw = new RawTopic();
                KafkaProducer<String, byte[]> producer = producer()) {
            Created p = pipelines.create(Spec.of("none").withMapping(MAPPING));
            pipelines.publish(repository.load(p.id()));
            long mark = raw.mark(p.id());
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Map<UUID, RawEnvelope> sent = new LinkedHashMap<>();
            Map<UUID, Integer> format = new HashMap<>();
            int total = 40;
            for (int i = 0; i < total; i++) {
                int f = i % 2 == 0 ? 1 : 2;
                // Bodies a JSON encoding must escape: quotes, non-ASCII, and (every fifth) pretty-printed lines.
                String body = i % 5 == 0
                        ? "{\n  \"n\": " + i + ",\n  \"kind\": \"f" + f + "\",\n  \"note\": \"é \\\"q\\\"\"\n}\n"
                        : "{\"n\":" + i + ",\"kind\":\"f" + f + "\",\"note\":\"é \\\"q\\\"\"}";
                RawEnvelope e = new RawEnvelope(
                        UuidV7.next(),
                        p.id(),
                        p.teamId(),
                        t0.plusMillis(i),
                        Source.WEBHOOK,
                        "delivery-" + i,
                        "application/json",
                        Map.of("x-github-event", "push", "user-agent", "test/" + f),
                        body.getBytes(StandardCharsets.UTF_8),
                        VerificationResult.notRequired());
                RawRecordCodec.Encoded r = RawRecordCodec.encode(e, f);
                producer.send(new ProducerRecord<>(
                        LocalServices.topics().raw(), null, p.id().toString(), r.value(), r.headers()));
                sent.put(e.eventId(), e);
                format.put(e.eventId(), f);
            }
            producer.flush();

            // On the topic: both formats, each decoding to the envelope sent.
            List<RawEnvelope> onKafka = raw.since(p.id(), mark);
            assertThat(onKafka).containsExactlyInAnyOrderElementsOf(sent.values());
            assertThat(format.values()).containsOnly(1, 2).contains(1, 2);

            // Silver: every event once, its value and label.
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                try (Connection c = dataSource.getConnection();
                        PreparedStatement ps =
                                c.prepareStatement("SELECT count(*), count(DISTINCT event_id), sum(value), "
                                        + "count(*) FILTER (WHERE labels->>'kind' = 'f2') "
                                        + "FROM metrics WHERE pipeline_id = ?")) {
                    ps.setObject(1, p.id());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getLong(1)).isEqualTo(total);
                        assertThat(rs.getLong(2)).isEqualTo(total);
                        assertThat(rs.getDouble(3)).isEqualTo(total * (total - 1) / 2.0);
                        assertThat(rs.getLong(4)).isEqualTo(total / 2);
                    }
                }
            });
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement(
                            "SELECT event_id, value, labels->>'kind' FROM metrics WHERE pipeline_id = ?")) {
                ps.setObject(1, p.id());
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        UUID id = rs.getObject(1, UUID.class);
                        assertThat(format).containsKey(id);
                        assertThat(rs.getString(3)).isEqualTo("f" + format.get(id));
                    }
                }
            }

            // Bronze: every event as the envelope sent, whatever its record format; each line maps (as a replay maps
            // it) to the points Silver holds.
            CompiledMapping mapping = MappingCompiler.compile(MAPPING);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> {
                        try (Connection c = dataSource.getConnection()) {
                            List<RawEnvelope> bronze = BronzeContents.read(c, s3, "dash-bronze", p.id());
                            assertThat(bronze).containsExactlyInAnyOrderElementsOf(sent.values());
                        }
                    });
            try (Connection c = dataSource.getConnection()) {
                int trees = 0;
                for (EnvelopeCodec.Line l : BronzeContents.lines(c, s3, "dash-bronze", p.id())) {
                    RawEnvelope e = l.envelope();
                    // A format-1 record is kept as the version-1 line it is (no tree); a format-2 record becomes a
                    // version-2 line, its body unescaped (read with its tree) when it is one JSON value without a
                    // line break.
                    boolean pretty = new String(e.body(), StandardCharsets.UTF_8).contains("\n");
                    assertThat(l.json() != null)
                            .as("a tree for the version-2 lines of compact bodies")
                            .isEqualTo(format.get(e.eventId()) == 2 && !pretty);
                    trees += l.json() != null ? 1 : 0;
                    // Each line maps, as a replay maps it (the tree when there is one), to the points Silver holds.
                    MappingResult m = mapping.apply(
                            l.json() != null
                                    ? EventInput.ofJson(e.eventId(), e.receivedAt(), l.json())
                                    : EventInput.of(e));
                    assertThat(m.ok()).isTrue();
                    assertThat(m.points()).hasSize(1);
                    assertThat(m.points().get(0).value())
                            .isEqualTo(Double.parseDouble(new String(e.body(), StandardCharsets.UTF_8)
                                    .replaceAll("(?s).*\"n\":\\s*(\\d+).*", "$1")));
                    assertThat(m.points())
                            .isEqualTo(mapping.apply(EventInput.of(e)).points());
                }
                assertThat(trees).isEqualTo(16);
            }
        }
    }

    private static KafkaProducer<String, byte[]> producer() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
    }
}
