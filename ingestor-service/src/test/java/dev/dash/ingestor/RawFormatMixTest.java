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
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code dash.raw} holding records of all three formats at once, as during the migrations (docs/architecture.md, "The
 * dash.raw record"): format-1 records (the JSON envelope, written by nodes before issue 19) interleaved with format-2
 * records (metadata in headers, the body as the value) and format-3 records (the metadata in one {@code dash.meta}
 * header). Every event is archived to Bronze as the envelope sent (a version-1 line for format 1, a version-2 line
 * for formats 2 and 3, so replays read objects written before and after the changes alike, and each line maps to the
 * same points as Silver holds) and written to Silver once, with its values.
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
    void recordsOfEveryFormatAreArchivedAndWrittenToSilver() throws Exception {
        try (TestPipelines pipelines = new TestPipelines();
                RawTopic raw = new RawTopic();
                KafkaProducer<String, byte[]> producer = producer()) {
            Created p = pipelines.create(Spec.of("none").withMapping(MAPPING));
            pipelines.publish(repository.load(p.id()));
            long mark = raw.mark(p.id());
            Instant t0 = Instant.now().truncatedTo(ChronoUnit.MILLIS);
            Map<UUID, RawEnvelope> sent = new LinkedHashMap<>();
            Map<UUID, Integer> format = new HashMap<>();
            // 45 events of the three formats in turn, then (after the check of what is on the topic) damaged
            // format-3 records, which both consumers must refuse, then 3 more events: once Silver and Bronze hold
            // those, the damaged records before them in the partition were consumed.
            int total = 48;
            int mixed = 45;
            for (int i = 0; i < total; i++) {
                int f = i < mixed ? i % 3 + 1 : 3;
                if (i == mixed) {
                    producer.flush();
                    // On the topic: every format, each decoding to the envelope sent.
                    List<RawEnvelope> onKafka = raw.since(p.id(), mark);
                    assertThat(onKafka).containsExactlyInAnyOrderElementsOf(sent.values());
                    assertThat(format.values()).containsOnly(1, 2, 3).contains(1, 2, 3);
                    for (List<Header> damaged : damaged(p, t0)) {
                        producer.send(new ProducerRecord<>(
                                LocalServices.topics().raw(),
                                null,
                                p.id().toString(),
                                "{\"n\":1000,\"kind\":\"damaged\"}".getBytes(StandardCharsets.UTF_8),
                                damaged));
                    }
                }
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

            // Silver: every event once, its value and label.
            Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                try (Connection c = dataSource.getConnection();
                        PreparedStatement ps =
                                c.prepareStatement("SELECT count(*), count(DISTINCT event_id), sum(value), "
                                        + "count(*) FILTER (WHERE labels->>'kind' = 'f2'), "
                                        + "count(*) FILTER (WHERE labels->>'kind' = 'f3') "
                                        + "FROM metrics WHERE pipeline_id = ?")) {
                    ps.setObject(1, p.id());
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getLong(1)).isEqualTo(total);
                        assertThat(rs.getLong(2)).isEqualTo(total);
                        assertThat(rs.getDouble(3)).isEqualTo(total * (total - 1) / 2.0);
                        assertThat(rs.getLong(4)).isEqualTo(mixed / 3);
                        assertThat(rs.getLong(5)).isEqualTo(mixed / 3 + total - mixed);
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
                    // A format-1 record is kept as the version-1 line it is (no tree); a format-2 or format-3 record
                    // becomes a version-2 line, its body unescaped (read with its tree) when it is one JSON value
                    // without a line break.
                    boolean pretty = new String(e.body(), StandardCharsets.UTF_8).contains("\n");
                    assertThat(l.json() != null)
                            .as("a tree for the version-2 lines of compact bodies")
                            .isEqualTo(format.get(e.eventId()) > 1 && !pretty);
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
                // Formats 2 and 3 (33 events), less the pretty-printed bodies among them (i % 5 == 0: 7)
                assertThat(trees).isEqualTo(26);
            }
        }
    }

    /**
     * Format-3 records of the pipeline whose metadata is damaged, each a way RawMetaTest refuses: cut short, a UUID
     * in upper case, fields out of order, {@code dash.meta} twice.
     */
    private static List<List<Header>> damaged(Created p, Instant t0) {
        RawEnvelope e = new RawEnvelope(
                UuidV7.next(),
                p.id(),
                p.teamId(),
                t0,
                Source.WEBHOOK,
                "damaged",
                "application/json",
                Map.of(),
                new byte[0],
                VerificationResult.notRequired());
        List<Header> good = RawRecordCodec.encode(e).headers();
        String meta = new String(good.get(1).value(), StandardCharsets.UTF_8);
        String id = e.eventId().toString();
        List<List<Header>> out = new java.util.ArrayList<>();
        for (String m : List.of(
                meta.substring(0, meta.length() - 2),
                meta.replace(id, id.toUpperCase(java.util.Locale.ROOT)),
                meta.replace(
                        ",\"source\":\"webhook\",\"delivery_id\":\"damaged\"",
                        ",\"delivery_id\":\"damaged\",\"source\":\"webhook\""))) {
            assertThat(m).isNotEqualTo(meta);
            out.add(List.of(good.get(0), new RecordHeader(RawRecordCodec.META, m.getBytes(StandardCharsets.UTF_8))));
        }
        out.add(List.of(good.get(0), good.get(1), good.get(1)));
        return out;
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
