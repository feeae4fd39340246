package dev.dash.ingestor.bronze;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.ingestor.testing.BronzeContents;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.signature.VerificationResult;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Reliability finding 7 (docs/reliability.md), without SIGSTOP: two archivers hold the same partition at once,
 * a paused one (the "zombie", fenced by the group but not aware of it yet) and the new owner, both with an
 * object that starts at the partition's committed offset. The zombie finishes last. Before, both objects had
 * the same key ({@code <partition>-<start offset>}): the zombie's smaller object overwrote the new owner's in
 * S3 and its manifest upsert shrank the end offset, and the events only the new owner's object held were in no
 * Bronze object any more. Now every writer has keys of its own and the manifest never drops an event it
 * listed: reading Bronze through the manifest, as a replay does, gives every event, each once. Real
 * PostgreSQL and S3 server; the interleaving is set by the test, so it is deterministic.
 */
class ZombieArchiverTest {
    static final String BUCKET = "dash-bronze";
    static final int PARTITION = 2;
    static final long COMMITTED = 100;
    static final Instant T = Instant.parse("2026-12-05T10:15:00Z");

    static S3Client s3;
    static PGSimpleDataSource db;
    static ManifestRepository manifest;
    static BronzeUploader uploader;

    @BeforeAll
    static void connect() {
        Endpoints env = LocalServices.ensureStartedAndMigrated();
        BronzeMultipartTest.env = env;
        s3 = BronzeMultipartTest.client(env.s3Endpoint());
        try {
            s3.headBucket(b -> b.bucket(BUCKET));
        } catch (RuntimeException e) {
            s3.createBucket(b -> b.bucket(BUCKET));
        }
        db = new PGSimpleDataSource();
        db.setURL(env.jdbcUrl());
        db.setUser(env.pgUser());
        db.setPassword(env.pgPassword());
        manifest = new ManifestRepository(db);
        uploader = new BronzeUploader(s3, BUCKET);
    }

    @AfterAll
    static void close() {
        s3.close();
    }

    /** One pipeline's events at consecutive offsets from {@link #COMMITTED}. */
    static List<EnvelopeCodec.Head> events(UUID pipeline, int count) {
        List<EnvelopeCodec.Head> heads = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            heads.add(EnvelopeCodec.head(EnvelopeCodec.encode(new RawEnvelope(
                    UUID.randomUUID(),
                    pipeline,
                    UUID.randomUUID(),
                    T.plusMillis(i),
                    Source.WEBHOOK,
                    null,
                    null,
                    Map.of(),
                    ("{\"i\":" + i + "}").getBytes(StandardCharsets.UTF_8),
                    VerificationResult.notRequired()))));
        }
        return heads;
    }

    /** An archiver's writer for the partition, opened at the committed offset with what the manifest said then. */
    static PartitionWriter open(UUID pipeline, long rotateEvents) throws Exception {
        Map<UUID, Long> archived = new HashMap<>(manifest.archivedAfter(PARTITION, COMMITTED));
        archived.keySet().retainAll(List.of(pipeline));
        return new PartitionWriter(
                PARTITION,
                Clock.fixed(T, ZoneOffset.UTC),
                rotateEvents,
                Long.MAX_VALUE,
                Duration.ofHours(1),
                3,
                BronzeMultipartTest.PART,
                archived);
    }

    /** Reads the first {@code count} events, then closes and uploads the open objects as a flush would. */
    static void archive(PartitionWriter w, List<EnvelopeCodec.Head> heads, int count) throws Exception {
        for (int i = 0; i < count; i++) {
            w.add(COMMITTED + i, heads.get(i));
        }
        w.closeAll();
        BronzeArchiver.uploadFinished(w, uploader, manifest, e -> {});
    }

    /** Event id to how many times reading Bronze through the manifest gives it. */
    static Map<UUID, Long> bronze(UUID pipeline) throws Exception {
        try (Connection c = db.getConnection()) {
            return BronzeContents.read(c, s3, BUCKET, pipeline).stream()
                    .collect(Collectors.groupingBy(RawEnvelope::eventId, Collectors.counting()));
        }
    }

    static Map<UUID, Long> once(List<EnvelopeCodec.Head> heads, int count) {
        return heads.subList(0, count).stream()
                .collect(Collectors.toMap(EnvelopeCodec.Head::eventId, h -> 1L, (a, b) -> a + b));
    }

    static List<long[]> rows(UUID pipeline) throws Exception {
        List<long[]> out = new ArrayList<>();
        try (Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT start_offset, end_offset FROM bronze_manifest WHERE pipeline_id = ? ORDER BY start_offset, end_offset")) {
            ps.setObject(1, pipeline);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(new long[] {rs.getLong(1), rs.getLong(2)});
                }
            }
        }
        return out;
    }

    static long objectsUnder(UUID pipeline) {
        return s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(dev.dash.model.bronze.BronzeKey.prefix(pipeline)))
                .contents()
                .size();
    }

    @Test
    void aPausedArchiverFinishingAfterTheNewOwnerShrinksNothing() throws Exception {
        UUID pipeline = UUID.randomUUID();
        List<EnvelopeCodec.Head> heads = events(pipeline, 90);
        // The zombie opened the partition and read 50 events, then was paused; the group gave the partition to
        // the new owner, which read from the committed offset the 80 events in the log by then.
        PartitionWriter zombie = open(pipeline, 1_000_000);
        PartitionWriter owner = open(pipeline, 1_000_000);
        archive(owner, heads, 80);
        // SIGCONT: the zombie closes its object and uploads it, not knowing it lost the partition.
        archive(zombie, heads, 50);

        assertThat(bronze(pipeline)).isEqualTo(once(heads, 80));
        assertThat(rows(pipeline)).containsExactly(new long[] {COMMITTED, COMMITTED + 79});
        // The zombie's object listed nothing new: it was deleted, the owner's stays whole.
        assertThat(objectsUnder(pipeline)).isEqualTo(1);

        // Whoever holds the partition next, from the same committed offset, skips what the manifest lists.
        PartitionWriter next = open(pipeline, 1_000_000);
        archive(next, heads, 90);
        assertThat(bronze(pipeline)).isEqualTo(once(heads, 90));
        assertThat(rows(pipeline))
                .containsExactly(new long[] {COMMITTED, COMMITTED + 79}, new long[] {COMMITTED + 80, COMMITTED + 89});
    }

    @Test
    void aPausedArchiverFinishingFirstIsReplacedByTheNewOwnersLargerObject() throws Exception {
        UUID pipeline = UUID.randomUUID();
        List<EnvelopeCodec.Head> heads = events(pipeline, 80);
        PartitionWriter zombie = open(pipeline, 1_000_000);
        PartitionWriter owner = open(pipeline, 1_000_000);
        archive(zombie, heads, 50);
        archive(owner, heads, 80);

        assertThat(bronze(pipeline)).isEqualTo(once(heads, 80));
        assertThat(rows(pipeline)).containsExactly(new long[] {COMMITTED, COMMITTED + 79});
    }

    @Test
    void writersThatRotatedAtOtherPointsLoseNothingAndShareOnlyTheOverlap() throws Exception {
        UUID pipeline = UUID.randomUUID();
        List<EnvelopeCodec.Head> heads = events(pipeline, 80);
        // The new owner rotates every 30 events (100-129, 130-159, 160-179); the zombie holds 100-149 in one.
        PartitionWriter zombie = open(pipeline, 1_000_000);
        PartitionWriter owner = open(pipeline, 30);
        archive(owner, heads, 80);
        archive(zombie, heads, 50);

        Map<UUID, Long> read = bronze(pipeline);
        assertThat(read.keySet()).isEqualTo(once(heads, 80).keySet());
        // The zombie's 100-149 replaced the owner's 100-129 and is listed beside 130-159: only the events of
        // 130-149 are read twice (a replay writes them once: Silver's writes are idempotent).
        Map<UUID, Long> twice = read.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
        assertThat(twice.keySet())
                .isEqualTo(heads.subList(30, 50).stream()
                        .map(EnvelopeCodec.Head::eventId)
                        .collect(Collectors.toSet()));
        assertThat(rows(pipeline))
                .containsExactly(
                        new long[] {COMMITTED, COMMITTED + 49},
                        new long[] {COMMITTED + 30, COMMITTED + 59},
                        new long[] {COMMITTED + 60, COMMITTED + 79});
    }
}
