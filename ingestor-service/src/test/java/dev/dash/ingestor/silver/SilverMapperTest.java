package dev.dash.ingestor.silver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.ingestor.pipeline.CachedPipeline;
import dev.dash.ingestor.pipeline.PipelineCache.PendingVersion;
import dev.dash.model.crypto.KeyRing;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.json.Json;
import dev.dash.model.kafka.PipelineConfig;
import dev.dash.model.kafka.Topics;
import dev.dash.model.signature.VerificationResult;
import dev.dash.model.silver.SilverBatch;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The Silver writer's mapping of raw records into a batch, without Kafka or a database. */
class SilverMapperTest {
    private final UUID team = UUID.randomUUID();
    private final Map<UUID, CachedPipeline> pipelines = new HashMap<>();
    private final SilverMapper mapper = new SilverMapper(pipelines::get);
    private final SilverBatch batch = new SilverBatch();

    private UUID pipeline(String active, String pending, boolean persistData) throws Exception {
        UUID id = UUID.randomUUID();
        List<PipelineConfig.MappingVersion> versions = new ArrayList<>();
        if (active != null) {
            versions.add(new PipelineConfig.MappingVersion(
                    1, "active", Json.parse(active.getBytes(StandardCharsets.UTF_8)), null));
        }
        if (pending != null) {
            versions.add(new PipelineConfig.MappingVersion(
                    2, "pending", Json.parse(pending.getBytes(StandardCharsets.UTF_8)), null));
        }
        PipelineConfig config = new PipelineConfig(
                id,
                team,
                "p",
                "webhook",
                "active",
                "none",
                null,
                300,
                0,
                null,
                null,
                persistData,
                active == null ? null : 1,
                versions,
                List.of(),
                1);
        pipelines.put(
                id,
                CachedPipeline.of(
                        config,
                        KeyRing.parse("k:" + java.util.Base64.getEncoder().encodeToString(new byte[32]), null)));
        return id;
    }

    private ConsumerRecord<String, byte[]> record(UUID pipelineId, long offset, String body) {
        RawEnvelope e = new RawEnvelope(
                UUID.randomUUID(),
                pipelineId,
                team,
                Instant.parse("2026-12-05T10:00:00Z"),
                Source.WEBHOOK,
                null,
                "application/json",
                Map.of(),
                body.getBytes(StandardCharsets.UTF_8),
                VerificationResult.notRequired());
        return new ConsumerRecord<>(Topics.RAW, 3, offset, pipelineId.toString(), EnvelopeCodec.encode(e));
    }

    @Test
    void mapsWithTheActiveVersionIntoPointsAndRecordsTheEventsOrigin() throws Exception {
        UUID p = pipeline(SilverWriterTest.V1, null, false);
        SilverMapper.Outcome o = mapper.map(
                record(p, 41, "{\"ts\":\"2026-12-05T09:59:00Z\",\"temp\":21.5,\"hum\":40,\"site\":\"a\"}"), batch);
        assertThat(o).isEqualTo(new SilverMapper.Outcome(SilverMapper.Status.MAPPED, 0, null));
        assertThat(batch.rows()).hasSize(2).allSatisfy(r -> {
            assertThat(r.pipelineId()).isEqualTo(p);
            assertThat(r.mappingVersion()).isEqualTo(1);
        });
        assertThat(batch.rows()).extracting(SilverBatch.Row::metric).containsExactlyInAnyOrder("temp", "hum");
        assertThat(batch.records()).isEmpty();
        assertThat(batch.events()).isEqualTo(1);
    }

    @Test
    void duringAReplayMapsWithBothVersionsAndNamesThePendingOne() throws Exception {
        UUID p = pipeline(SilverWriterTest.V1, SilverWriterTest.V2, true);
        SilverMapper.Outcome o = mapper.map(
                record(p, 7, "{\"ts\":\"2026-12-05T09:59:00Z\",\"temp\":21.5,\"hum\":40,\"site\":\"a\"}"), batch);
        assertThat(o.status()).isEqualTo(SilverMapper.Status.MAPPED);
        assertThat(o.pending()).isEqualTo(new PendingVersion(p, 2));
        assertThat(batch.rows()).extracting(SilverBatch.Row::mappingVersion).containsExactlyInAnyOrder(1, 1, 2);
        assertThat(batch.records()).isNotEmpty();
    }

    @Test
    void anEventThatDoesNotMapGoesToQuarantineWithItsOffset() throws Exception {
        UUID p = pipeline(SilverWriterTest.V1, null, false);
        SilverMapper.Outcome o = mapper.map(record(p, 9, "{\"ts\":\"not a time\",\"temp\":\"warm\"}"), batch);
        assertThat(o).isEqualTo(new SilverMapper.Outcome(SilverMapper.Status.MAPPED, 1, null));
        assertThat(batch.rows()).isEmpty();
        assertThat(batch.quarantined()).singleElement().satisfies(q -> {
            assertThat(q.pipelineId()).isEqualTo(p);
            assertThat(q.partition()).isEqualTo(3);
            assertThat(q.offset()).isEqualTo(9);
            assertThat(q.errors()).isNotEmpty();
        });
    }

    @Test
    void unknownPipelinesAndUnreadableRecordsAreSkipped() throws Exception {
        assertThat(mapper.map(record(UUID.randomUUID(), 1, "{}"), batch).status())
                .isEqualTo(SilverMapper.Status.SKIPPED);
        UUID p = pipeline(SilverWriterTest.V1, null, false);
        ConsumerRecord<String, byte[]> garbage = new ConsumerRecord<>(
                Topics.RAW, 0, 1, p.toString(), "not an envelope".getBytes(StandardCharsets.UTF_8));
        assertThat(mapper.map(garbage, batch).status()).isEqualTo(SilverMapper.Status.SKIPPED);
        assertThat(batch.isEmpty()).isTrue();
        assertThat(batch.events()).isZero();
    }

    @Test
    void aPipelineWithoutMappingIsCountedButUnmapped() throws Exception {
        UUID p = pipeline(null, null, false);
        assertThat(mapper.map(record(p, 1, "{}"), batch).status()).isEqualTo(SilverMapper.Status.UNMAPPED);
        assertThat(batch.events()).isEqualTo(1);
        assertThat(batch.rows()).isEmpty();
    }

    @Test
    void aLookupThatFailsIsNotASkip() {
        SilverMapper failing = new SilverMapper(id -> {
            throw new java.sql.SQLException("database down");
        });
        assertThatThrownBy(() -> failing.map(record(UUID.randomUUID(), 1, "{}"), batch))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("database down");
    }
}
