package dev.dash.model.bronze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.VerificationResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class BronzeCodecTest {
    static final UUID PIPELINE = UUID.fromString("0190f4c2-8a5e-7b1c-9d3e-4f5a6b7c8d9e");
    static final UUID TEAM = UUID.fromString("0190f4c2-0000-7000-8000-000000000001");
    static final Instant T0 = Instant.parse("2026-11-21T10:15:30Z");

    static RawEnvelope envelope(int i, byte[] body) {
        return new RawEnvelope(
                UuidV7.next(),
                PIPELINE,
                TEAM,
                T0.plusMillis(i * 37L % 5000),
                Source.WEBHOOK,
                "d-" + i,
                "application/json",
                Map.of("x-github-event", "push"),
                body,
                VerificationResult.notRequired());
    }

    static byte[] write(List<RawEnvelope> envelopes) throws IOException {
        return write(envelopes, EnvelopeCodec.LINE_VERSION);
    }

    static byte[] write(List<RawEnvelope> envelopes, int lineVersion) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BronzeWriter w = new BronzeWriter(out)) {
            for (RawEnvelope e : envelopes) {
                w.write(e, lineVersion);
            }
            w.finish();
        }
        return out.toByteArray();
    }

    static List<RawEnvelope> readAll(byte[] object) throws IOException {
        List<RawEnvelope> out = new ArrayList<>();
        try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(object))) {
            for (RawEnvelope e; (e = r.next()) != null; ) {
                out.add(e);
            }
        }
        return out;
    }

    static byte[] gzip(String text) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(out)) {
            g.write(text.getBytes(StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    @Provide
    Arbitrary<List<RawEnvelope>> batches() {
        Arbitrary<byte[]> bodies = Arbitraries.oneOf(
                Arbitraries.bytes().array(byte[].class).ofMaxSize(300),
                Arbitraries.strings().ofMaxLength(100).map(s -> s.getBytes(StandardCharsets.UTF_8)));
        return bodies.list().ofMinSize(1).ofMaxSize(30).map(list -> {
            List<RawEnvelope> out = new ArrayList<>();
            for (int i = 0; i < list.size(); i++) {
                out.add(envelope(i, list.get(i)));
            }
            return out;
        });
    }

    @Property(tries = 200)
    void roundTripsEveryEnvelopeByteForByte(@ForAll("batches") List<RawEnvelope> batch) throws IOException {
        assertThat(readAll(write(batch))).isEqualTo(batch);
        assertThat(readAll(write(batch, 1))).isEqualTo(batch);
    }

    @Property(tries = 100)
    void writingEncodedLinesGivesTheSameObjectAndCounts(@ForAll("batches") List<RawEnvelope> batch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BronzeWriter.Stats stats;
        try (BronzeWriter w = new BronzeWriter(out)) {
            for (RawEnvelope e : batch) {
                w.write(EnvelopeCodec.head(EnvelopeCodec.encode(e)));
            }
            stats = w.finish();
        }
        BronzeWriter.Stats expected;
        try (BronzeWriter w = new BronzeWriter(OutputStream.nullOutputStream())) {
            batch.forEach(e -> {
                try {
                    w.write(e, 1);
                } catch (IOException ex) {
                    throw new java.io.UncheckedIOException(ex);
                }
            });
            expected = w.finish();
        }

        assertThat(out.toByteArray()).isEqualTo(write(batch, 1));
        assertThat(stats.events()).isEqualTo(expected.events());
        assertThat(stats.uncompressedBytes()).isEqualTo(expected.uncompressedBytes());
        assertThat(stats.minReceivedAt()).isEqualTo(expected.minReceivedAt());
        assertThat(stats.maxReceivedAt()).isEqualTo(expected.maxReceivedAt());
        assertThat(stats.firstReceivedAt()).isEqualTo(expected.firstReceivedAt());
    }

    @Test
    void countsWhatTheManifestNeeds() throws IOException {
        List<RawEnvelope> batch =
                List.of(envelope(0, new byte[] {1}), envelope(0, new byte[] {2}), envelope(0, new byte[] {3}));
        batch = List.of(
                withTime(batch.get(0), T0.plusSeconds(5)),
                withTime(batch.get(1), T0),
                withTime(batch.get(2), T0.plusSeconds(9)));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BronzeWriter.Stats stats;
        try (BronzeWriter w = new BronzeWriter(out)) {
            for (RawEnvelope e : batch) {
                w.write(e);
            }
            stats = w.finish();
        }
        BronzeKey key = BronzeKey.forFirstEvent(PIPELINE, stats.firstReceivedAt(), 2, 500);
        ManifestEntry entry = ManifestEntry.of(key, stats, 502);

        assertThat(stats.events()).isEqualTo(3);
        assertThat(stats.bytes()).isEqualTo(out.size());
        long lines = batch.stream()
                .mapToLong(e -> EnvelopeCodec.encodeLine(e).length + 1)
                .sum();
        assertThat(stats.uncompressedBytes()).isEqualTo(lines);
        assertThat(entry.minReceivedAt()).isEqualTo(T0);
        assertThat(entry.maxReceivedAt()).isEqualTo(T0.plusSeconds(9));
        assertThat(entry.key()).isEqualTo(key.format());
        assertThat(entry.bronzeKey()).isEqualTo(key);
        assertThat(entry.startOffset()).isEqualTo(500);
        assertThat(entry.endOffset()).isEqualTo(502);
        assertThat(entry.bytes()).isEqualTo(out.size());
    }

    static RawEnvelope withTime(RawEnvelope e, Instant t) {
        return new RawEnvelope(
                e.eventId(),
                e.pipelineId(),
                e.teamId(),
                t,
                e.source(),
                e.deliveryId(),
                e.contentType(),
                e.headers(),
                e.body(),
                e.verification());
    }

    @Test
    void writerRefusesMixedPipelinesEmptyObjectsAndWritesAfterFinish() throws IOException {
        try (BronzeWriter w = new BronzeWriter(OutputStream.nullOutputStream())) {
            assertThatThrownBy(w::finish).isInstanceOf(IllegalStateException.class);
            w.write(envelope(0, new byte[0]));
            RawEnvelope other = new RawEnvelope(
                    UuidV7.next(),
                    UUID.randomUUID(),
                    TEAM,
                    T0,
                    Source.POLL,
                    null,
                    null,
                    null,
                    new byte[0],
                    VerificationResult.notRequired());
            assertThatThrownBy(() -> w.write(other)).isInstanceOf(IllegalArgumentException.class);
            w.finish();
            assertThatThrownBy(() -> w.write(envelope(1, new byte[0]))).isInstanceOf(IllegalStateException.class);
        }
    }

    @Test
    void aCorruptLineIsReportedWithItsNumberAndReadingContinues() throws IOException {
        String good1 = new String(
                EnvelopeCodec.encode(envelope(1, "{\"a\":1}".getBytes(StandardCharsets.UTF_8))),
                StandardCharsets.UTF_8);
        String good2 = new String(
                EnvelopeCodec.encode(envelope(2, "{\"a\":2}".getBytes(StandardCharsets.UTF_8))),
                StandardCharsets.UTF_8);
        byte[] object = gzip(good1 + "\n{\"v\":1,\"oops\"\n\n" + good2);

        try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(object))) {
            assertThat(r.next().deliveryId()).isEqualTo("d-1");
            BronzeFormatException e = (BronzeFormatException) catchThrowable(r::next);
            assertThat(e.lineNumber()).isEqualTo(2);
            assertThat(e.recoverable()).isTrue();
            assertThat(e.getMessage()).startsWith("line 2: ");
            assertThat(r.next().deliveryId())
                    .as("blank line 3 skipped, last line without newline")
                    .isEqualTo("d-2");
            assertThat(r.lineNumber()).isEqualTo(4);
            assertThat(r.next()).isNull();
            assertThat(r.next()).isNull();
        }
    }

    @Test
    void aTruncatedOrCorruptStreamIsNotRecoverable() throws IOException {
        List<RawEnvelope> batch = new ArrayList<>();
        Random random = new Random(1);
        for (int i = 0; i < 500; i++) {
            byte[] body = new byte[200];
            random.nextBytes(body);
            batch.add(envelope(i, body));
        }
        byte[] object = write(batch);
        byte[] truncated = java.util.Arrays.copyOf(object, object.length / 2);
        byte[] flipped = object.clone();
        flipped[object.length / 2] ^= 0x55;

        for (byte[] broken :
                List.of(truncated, flipped, new byte[0], "plain text\n".getBytes(StandardCharsets.UTF_8))) {
            try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(broken))) {
                Throwable t = catchThrowable(() -> {
                    while (true) {
                        try {
                            if (r.next() == null) {
                                break;
                            }
                        } catch (BronzeFormatException e) {
                            if (!e.recoverable()) {
                                throw e;
                            }
                        }
                    }
                });
                assertThat(t).isInstanceOf(BronzeFormatException.class);
                assertThat(((BronzeFormatException) t).recoverable()).isFalse();
                assertThatThrownBy(r::next).isSameAs(t);
            }
        }
    }

    @Test
    void aFailingSourceSurfacesAsItsOwnIOException() throws IOException {
        byte[] object = write(List.of(envelope(0, new byte[1000])));
        IOException network = new IOException("connection reset");
        InputStream failing = new InputStream() {
            int served;

            @Override
            public int read() throws IOException {
                if (served >= 20) {
                    throw network;
                }
                return object[served++] & 0xFF;
            }
        };

        try (BronzeReader r = new BronzeReader(failing)) {
            assertThat(catchThrowable(r::next)).isSameAs(network);
        }
    }

    @Test
    void linesOverTheLimitAreSkippedWithAnError() throws IOException {
        byte[] object =
                write(List.of(envelope(0, new byte[10]), envelope(1, new byte[5000]), envelope(2, new byte[10])));

        try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(object), 2000)) {
            assertThat(r.next().deliveryId()).isEqualTo("d-0");
            BronzeFormatException e = (BronzeFormatException) catchThrowable(r::next);
            assertThat(e.lineNumber()).isEqualTo(2);
            assertThat(e.getMessage()).contains("longer than 2000");
            assertThat(r.next().deliveryId()).isEqualTo("d-2");
        }
    }

    @Test
    void streamsLargeObjectsAndLargeBodies() throws IOException {
        byte[] big = new byte[8 * 1024 * 1024];
        new Random(3).nextBytes(big);
        java.io.File file = java.io.File.createTempFile("bronze", ".jsonl.gz");
        file.deleteOnExit();
        int events = 20_000;
        try (BronzeWriter w = new BronzeWriter(new java.io.FileOutputStream(file), 1)) {
            for (int i = 0; i < events; i++) {
                w.write(envelope(
                        i,
                        ("{\"reading\":" + i + ",\"pad\":\"" + "x".repeat(200) + "\"}")
                                .getBytes(StandardCharsets.UTF_8)));
            }
            w.write(envelope(events, big));
            w.finish();
        }
        long count = 0;
        RawEnvelope last = null;
        try (BronzeReader r = new BronzeReader(new java.io.FileInputStream(file))) {
            for (RawEnvelope e; (e = r.next()) != null; ) {
                count++;
                last = e;
            }
        }

        assertThat(count).isEqualTo(events + 1);
        assertThat(last.body()).isEqualTo(big);
    }

    @Test
    void iteratorAndStreamWrapErrorsAsDocumented() throws IOException {
        byte[] object = gzip(
                new String(EnvelopeCodec.encode(envelope(1, new byte[0])), StandardCharsets.UTF_8) + "\nnot json\n");

        try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(object))) {
            Throwable t = catchThrowable(() -> r.stream().count());
            assertThat(t).isInstanceOf(UncheckedIOException.class).hasCauseInstanceOf(BronzeFormatException.class);
        }
        try (BronzeReader r = new BronzeReader(
                new ByteArrayInputStream(write(List.of(envelope(1, new byte[0]), envelope(2, new byte[0])))))) {
            assertThat(r.stream().map(RawEnvelope::deliveryId)).containsExactly("d-1", "d-2");
        }
    }

    @Property(tries = 300)
    void randomOrMutatedObjectsOnlyRaiseTheDocumentedError(
            @ForAll @Size(max = 400) byte[] junk,
            @ForAll("batches") List<RawEnvelope> batch,
            @ForAll @IntRange(min = 0, max = 10_000) int position)
            throws IOException {
        byte[] object = write(batch);
        object[position % object.length] ^= (byte) (1 + position % 255);

        for (byte[] input : List.of(junk, object)) {
            try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(input))) {
                for (int i = 0; i < 100; i++) {
                    try {
                        if (r.next() == null) {
                            break;
                        }
                    } catch (BronzeFormatException e) {
                        if (!e.recoverable()) {
                            break;
                        }
                    }
                }
            }
        }
    }
}
