package dev.dash.web.mapping;

import static dev.dash.web.testing.Api.as;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;

import dev.dash.model.kafka.ControlCodec;
import dev.dash.model.testing.DashTestResource;
import dev.dash.model.testing.LocalServices;
import dev.dash.web.testing.Api;
import dev.dash.web.testing.ControlTopic;
import dev.dash.web.testing.Db;
import dev.dash.web.testing.RawEvents;
import dev.dash.web.testing.Tokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(DashTestResource.class)
class MappingTest {
    static final Map<String, Object> MAPPING = Map.of(
            "fields",
            List.of(
                    Map.of("name", "temperature", "path", "/temp", "type", "number"),
                    Map.of("name", "site", "path", "/site", "type", "string")),
            "metrics",
            List.of("temperature"),
            "labels",
            List.of("site"));

    static final Map<String, Object> BROKEN = Map.of(
            "fields", List.of(Map.of("name", "temperature", "path", "$.temp", "type", "numbr")),
            "metrics", List.of("temp"));

    @Test
    void savingAVersionMakesItPendingAndPublishesIt() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of("admin", Tokens.ADMIN, "viewer", Tokens.VIEWER));
        UUID pipeline = Api.pipeline(team);
        String base = "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings";
        try (ControlTopic control = new ControlTopic()) {
            as(Tokens.ADMIN)
                    .body(Map.of("document", MAPPING))
                    .post(base)
                    .then()
                    .statusCode(201)
                    .body("version", equalTo(1))
                    .body("status", equalTo("pending"));
            var snapshot = ControlCodec.decode(control.await(
                            pipeline.toString(),
                            v -> v != null && !ControlCodec.decode(v).mappings().isEmpty())
                    .value());
            assertThat(snapshot.mappings()).hasSize(1);
            assertThat(snapshot.mappings().get(0).status()).isEqualTo("pending");
            assertThat(snapshot.mappings()
                            .get(0)
                            .document()
                            .path("metrics")
                            .get(0)
                            .asText())
                    .isEqualTo("temperature");
        }
        // A second version while the first is pending would race its replay.
        as(Tokens.ADMIN).body(Map.of("document", MAPPING)).post(base).then().statusCode(409);
        as(Tokens.VIEWER).get(base).then().statusCode(200).body("version", equalTo(List.of(1)));
        as(Tokens.VIEWER).get(base + "/1").then().statusCode(200).body("document.labels[0]", equalTo("site"));
        as(Tokens.VIEWER).get(base + "/2").then().statusCode(404);
        assertThat(Db.count("SELECT count(*) FROM audit_log WHERE team_id = ? AND action = 'mapping.save'", team.id()))
                .isEqualTo(1);
    }

    @Test
    void anInvalidDocumentIsRefusedWithEveryLocationAndNothingIsStored() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String base = "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings";
        as(Tokens.OWNER)
                .body(Map.of("document", BROKEN))
                .post(base)
                .then()
                .statusCode(400)
                .body("error", equalTo("invalid_mapping"))
                .body("fields.field", hasItem("document/fields/0/path"))
                .body("fields.field", hasItem("document/fields/0/type"));
        as(Tokens.OWNER).body(Map.of()).post(base).then().statusCode(400).body("fields[0].field", equalTo("document"));
        assertThat(Db.count("SELECT count(*) FROM data_mappings WHERE pipeline_id = ?", pipeline))
                .isZero();

        // validate answers 200 with the same problems.
        as(Tokens.OWNER)
                .body(Map.of("document", BROKEN))
                .post(base + "/validate")
                .then()
                .statusCode(200)
                .body("valid", equalTo(false))
                .body("problems.pointer", hasItem("/fields/0/path"));
        as(Tokens.OWNER)
                .body(Map.of("document", MAPPING))
                .post(base + "/validate")
                .then()
                .statusCode(200)
                .body("valid", equalTo(true))
                .body("metrics", equalTo(List.of("temperature")));
    }

    @Test
    void previewShowsThePointsOfEachSampleAndInferenceProposesAMapping() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String base = "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings";
        as(Tokens.OWNER)
                .body(Map.of(
                        "document",
                        MAPPING,
                        "samples",
                        List.of(Map.of("temp", 21.5, "site", "lab"), Map.of("temp", "hot", "site", "lab"))))
                .post(base + "/preview")
                .then()
                .statusCode(200)
                .body("source", equalTo("samples"))
                .body("mapped", equalTo(1))
                .body("quarantined", equalTo(1))
                .body("entries[0].points[0].metric", equalTo("temperature"))
                .body("entries[0].points[0].value", equalTo(21.5f))
                .body("entries[0].points[0].labels.site", equalTo("lab"))
                .body("entries[1].errors[0].field", equalTo("temperature"));
        as(Tokens.OWNER)
                .body(Map.of("samples", List.of(Map.of("cpu", 0.5, "host", "a"), Map.of("cpu", 0.7, "host", "b"))))
                .post(base + "/infer")
                .then()
                .statusCode(200)
                .body("mapping.metrics", hasItem("cpu"))
                .body("preview.points", equalTo(2));
        assertThat(Db.count("SELECT count(*) FROM data_mappings WHERE pipeline_id = ?", pipeline))
                .isZero();
    }

    @Test
    void previewWithoutSamplesUsesThePipelinesRecentEvents() throws Exception {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String base = "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings";
        try (KafkaProducer<String, byte[]> producer = rawProducer()) {
            for (double t : new double[] {19.0, 20.5, 22.0}) {
                RecordMetadata m = RawEvents.send(
                                producer, pipeline, team.id(), "{\"temp\":" + t + ",\"site\":\"roof\"}")
                        .get();
                assertThat(m.partition())
                        .as("the partition the preview reads is the producer's")
                        .isEqualTo(RecentEvents.partitionOf(
                                pipeline,
                                producer.partitionsFor(LocalServices.topics().raw())
                                        .size()));
            }
        }
        as(Tokens.OWNER)
                .body(Map.of("document", MAPPING))
                .post(base + "/preview")
                .then()
                .statusCode(200)
                .body("source", equalTo("recent_events"))
                .body("events", equalTo(3))
                .body("points", equalTo(3))
                .body("entries.points.flatten().value", equalTo(List.of(19.0f, 20.5f, 22.0f)))
                .body("entries[0].event_id", containsString("-"));
        as(Tokens.OWNER)
                .body(Map.of())
                .post(base + "/infer")
                .then()
                .statusCode(200)
                .body("mapping.metrics", hasItem("temp"));
    }

    /**
     * A quiet pipeline on a busy partition: its last events are followed by thousands of another pipeline's on
     * the same partition (the pipeline page showed "No events received yet" beside a quarantine full of them,
     * as only the last 500 records of each partition were looked at).
     */
    @Test
    void recentEventsAreFoundBehindThousandsOfAnotherPipelinesOnTheSamePartition() throws Exception {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        String base = "/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings";
        try (KafkaProducer<String, byte[]> producer = rawProducer()) {
            int partitions =
                    producer.partitionsFor(LocalServices.topics().raw()).size();
            int partition = RecentEvents.partitionOf(pipeline, partitions);
            UUID busy = UUID.randomUUID();
            while (RecentEvents.partitionOf(busy, partitions) != partition) {
                busy = UUID.randomUUID();
            }
            for (double t : new double[] {1.0, 2.0}) {
                RawEvents.send(producer, pipeline, team.id(), "{\"temp\":" + t + ",\"site\":\"cellar\"}")
                        .get();
            }
            RecordMetadata last = null;
            for (int i = 0; i < 5_000; i++) {
                var sent = RawEvents.send(producer, busy, team.id(), "{\"other\":" + i + "}");
                if (i == 4_999) {
                    last = sent.get();
                }
            }
            assertThat(last.partition()).isEqualTo(partition);
        }
        as(Tokens.OWNER)
                .body(Map.of("document", MAPPING))
                .post(base + "/preview")
                .then()
                .statusCode(200)
                .body("source", equalTo("recent_events"))
                .body("events", equalTo(2))
                .body("entries.points.flatten().value", equalTo(List.of(1.0f, 2.0f)));
    }

    private static KafkaProducer<String, byte[]> rawProducer() {
        Properties p = new Properties();
        p.put(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                LocalServices.ensureStarted().kafkaBootstrap());
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        return new KafkaProducer<>(p);
    }

    @Test
    void tooManySamplesAreRefused() {
        Api.Team team = Api.team(Tokens.OWNER, Map.of());
        UUID pipeline = Api.pipeline(team);
        as(Tokens.OWNER)
                .body(Map.of("document", MAPPING, "samples", java.util.Collections.nCopies(101, Map.of("temp", 1))))
                .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings/preview")
                .then()
                .statusCode(400)
                .body("fields[0].field", equalTo("samples"));
        as(Tokens.OWNER)
                .body(Map.of("samples", List.of()))
                .post("/api/teams/" + team.id() + "/pipelines/" + pipeline + "/mappings/infer")
                .then()
                .statusCode(400)
                .body("fields", hasSize(1));
    }
}
