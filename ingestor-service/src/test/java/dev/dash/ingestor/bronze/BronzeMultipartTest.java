package dev.dash.ingestor.bronze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.dash.model.bronze.BronzeWriter;
import dev.dash.model.bronze.ManifestEntry;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.signature.VerificationResult;
import dev.dash.model.testing.Endpoints;
import dev.dash.model.testing.LocalServices;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.MultipartUpload;

/**
 * The Bronze partition writer streams an object to the real S3 server in multipart parts: what an open object
 * holds in memory stays within one part whatever the object's size (before, the writer held the whole
 * compressed object until it closed), and the stored object and its manifest entry are exactly what one
 * {@link BronzeWriter} over the same events gives.
 */
class BronzeMultipartTest {
    static final int PART = 5 * 1024 * 1024;
    static final String BUCKET = "dash-bronze";
    static final Instant T = Instant.parse("2026-12-05T10:15:00Z");

    static S3Client s3;
    static Endpoints env;

    @BeforeAll
    static void connect() {
        env = LocalServices.ensureStarted();
        s3 = client(env.s3Endpoint());
        try {
            s3.headBucket(b -> b.bucket(BUCKET));
        } catch (RuntimeException e) {
            s3.createBucket(b -> b.bucket(BUCKET));
        }
    }

    @AfterAll
    static void close() {
        s3.close();
    }

    static S3Client client(String endpoint) {
        // The HTTP client the ingestor uses (quarkus.s3.sync-client.type=url).
        return S3Client.builder()
                .httpClient(UrlConnectionHttpClient.create())
                .endpointOverride(URI.create(endpoint))
                .region(Region.of(env.s3Region()))
                .forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(
                        AwsBasicCredentials.create(env.s3AccessKey(), env.s3SecretKey())))
                .build();
    }

    /** Events of about 4 KiB of random base64 each: gzip cannot shrink them much, so parts fill quickly. */
    static List<EnvelopeCodec.Head> events(UUID pipeline, int count, long seed) {
        Random random = new Random(seed);
        List<EnvelopeCodec.Head> heads = new ArrayList<>(count);
        byte[] noise = new byte[3072];
        for (int i = 0; i < count; i++) {
            random.nextBytes(noise);
            String body = "{\"i\":" + i + ",\"noise\":\"" + Base64.getEncoder().encodeToString(noise) + "\"}";
            heads.add(EnvelopeCodec.head(EnvelopeCodec.encode(new RawEnvelope(
                    UUID.randomUUID(),
                    pipeline,
                    UUID.randomUUID(),
                    T.plusMillis(i),
                    Source.WEBHOOK,
                    null,
                    null,
                    Map.of(),
                    body.getBytes(StandardCharsets.UTF_8),
                    VerificationResult.notRequired()))));
        }
        return heads;
    }

    static PartitionWriter writer() {
        return new PartitionWriter(
                2, Clock.fixed(T, ZoneOffset.UTC), 1_000_000, Long.MAX_VALUE, Duration.ofHours(1), 3, PART, Map.of());
    }

    /** What a single writer over the same events produces: the bytes a single PUT stored before. */
    static byte[] reference(List<EnvelopeCodec.Head> heads, BronzeWriter.Stats[] stats) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BronzeWriter w = new BronzeWriter(out, 3)) {
            for (EnvelopeCodec.Head h : heads) {
                w.write(h);
            }
            stats[0] = w.finish();
        }
        return out.toByteArray();
    }

    @Test
    void aLargeObjectGoesOutInPartsHoldingAtMostOnePartAndArrivesByteForByte() throws Exception {
        UUID pipeline = UUID.randomUUID();
        List<EnvelopeCodec.Head> heads = events(pipeline, 4000, 1);
        BronzeUploader uploader = new BronzeUploader(s3, BUCKET);
        PartitionWriter w = writer();
        long maxHeld = 0;
        int partsSeen = 0;
        for (int i = 0; i < heads.size(); i++) {
            w.add(100 + i, heads.get(i));
            if (w.hasFullParts()) {
                partsSeen++;
                w.openParts().forEach(uploader::uploadFullParts);
            }
            maxHeld = Math.max(maxHeld, w.heldBytes());
            assertThat(w.heldBytes()).as("bytes held after event %d", i).isLessThanOrEqualTo(PART);
        }
        w.closeAll();
        PartitionWriter.Finished f = w.peek();
        uploader.finish(f);
        w.uploaded();

        BronzeWriter.Stats[] stats = new BronzeWriter.Stats[1];
        byte[] expected = reference(heads, stats);
        // The object is larger than two parts, yet no more than one part was ever held.
        assertThat(expected.length).isGreaterThan(2 * PART);
        assertThat(partsSeen).isEqualTo(expected.length / PART);
        assertThat(maxHeld).isLessThanOrEqualTo(PART);
        byte[] stored =
                s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(f.key().format())).asByteArray();
        assertThat(stored).isEqualTo(expected);
        assertThat(f.entry()).isEqualTo(ManifestEntry.of(f.key(), stats[0], 100 + heads.size() - 1));
        assertThat(w.heldBytes()).isZero();
    }

    @Test
    void aSmallObjectIsOnePutWithTheSameBytes() throws Exception {
        UUID pipeline = UUID.randomUUID();
        List<EnvelopeCodec.Head> heads = events(pipeline, 10, 2);
        PartitionWriter w = writer();
        for (int i = 0; i < heads.size(); i++) {
            w.add(i, heads.get(i));
        }
        w.closeAll();
        PartitionWriter.Finished f = w.peek();
        assertThat(f.parts().uploadId()).isNull();
        new BronzeUploader(s3, BUCKET).finish(f);
        BronzeWriter.Stats[] stats = new BronzeWriter.Stats[1];
        assertThat(s3.getObjectAsBytes(b -> b.bucket(BUCKET).key(f.key().format()))
                        .asByteArray())
                .isEqualTo(reference(heads, stats));
        assertThat(f.entry().bytes()).isEqualTo(stats[0].bytes());
    }

    @Test
    void aPartThatFailsIsSentAgainAndAnObjectGivenUpHasItsUploadAborted() throws Exception {
        UUID pipeline = UUID.randomUUID();
        List<EnvelopeCodec.Head> heads = events(pipeline, 2000, 3);
        PartitionWriter w = writer();
        // S3 unreachable: the full part stays, nothing is lost from the object.
        try (S3Client dead = client("http://127.0.0.1:" + dev.dash.model.testing.PackagedService.freePort())) {
            BronzeUploader failing = new BronzeUploader(dead, BUCKET);
            int i = 0;
            while (!w.hasFullParts()) {
                w.add(i, heads.get(i));
                i++;
            }
            assertThatThrownBy(() -> w.openParts().forEach(failing::uploadFullParts))
                    .isInstanceOf(RuntimeException.class);
            assertThat(w.hasFullParts()).isTrue();
            for (; i < heads.size(); i++) {
                w.add(i, heads.get(i));
            }
        }
        BronzeUploader uploader = new BronzeUploader(s3, BUCKET);
        w.openParts().forEach(uploader::uploadFullParts);
        String uploadId = w.openParts().values().iterator().next().uploadId();
        assertThat(uploadId).isNotNull();
        String key = w.openParts().keySet().iterator().next().format();

        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads())
                .extracting(MultipartUpload::uploadId)
                .containsExactly(uploadId);

        // The partition goes away before the object is complete: its upload is aborted, nothing is stored.
        List<PartitionWriter.Started> started = w.abandon();
        assertThat(started).extracting(PartitionWriter.Started::uploadId).containsExactly(uploadId);
        started.forEach(s -> uploader.abort(s.key(), s.uploadId()));
        assertThat(s3.listMultipartUploads(b -> b.bucket(BUCKET).prefix(key)).uploads())
                .isEmpty();
        assertThat(s3.listObjectsV2(b -> b.bucket(BUCKET).prefix(key)).contents())
                .isEmpty();
        assertThat(w.heldBytes()).isZero();
    }
}
