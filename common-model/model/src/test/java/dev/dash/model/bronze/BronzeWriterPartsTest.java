package dev.dash.model.bronze;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.envelope.RawRecordCodec;
import dev.dash.model.envelope.Source;
import dev.dash.model.envelope.UuidV7;
import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * The archiver's object (issue-archiver): a format-3 record's line is written in its parts (metadata, body) and the
 * lines are gathered before gzip, and the object holds exactly the lines it held when each line was joined first and
 * written to gzip with its newline; at the same level the compressed bytes are the same too. Lines longer than the
 * gathering buffer, an object closed without {@link BronzeWriter#finish}, and every head's {@code line()}, {@code
 * length()} and {@code writeLine} agree.
 */
class BronzeWriterPartsTest {
    static final UUID PIPELINE = UUID.randomUUID();

    static List<RawEnvelope> envelopes(int n, long seed) {
        Random r = new Random(seed);
        UUID team = UUID.randomUUID();
        Instant t = Instant.parse("2026-12-07T11:00:00Z");
        List<RawEnvelope> envelopes = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String body = switch (i % 5) {
                // Compact JSON (embedded: written in parts), large JSON (over the gathering buffer), text, binary.
                case 0, 1 -> "{\"n\":" + i + ",\"temp\":" + r.nextInt(400) / 10.0 + ",\"site\":\"north\"}";
                case 2 -> "{\"blob\":\"" + "x".repeat(r.nextInt(40_000)) + "\"}";
                case 3 -> "line one\nline two " + i + "\n";
                default -> null;
            };
            byte[] bytes = body != null ? body.getBytes(StandardCharsets.UTF_8) : new byte[] {(byte) 0xff, 0, (byte) i};
            envelopes.add(new RawEnvelope(
                    UuidV7.next(),
                    PIPELINE,
                    team,
                    t.plusMillis(i),
                    Source.WEBHOOK,
                    "d-" + i,
                    "application/json",
                    Map.of("x-github-event", "push"),
                    bytes,
                    VerificationResult.verified(Preset.GITHUB, "s1", "d-" + i)));
        }
        return envelopes;
    }

    /** Each envelope's head as the archiver reads its format-3 record (a fresh head: its line not joined yet). */
    static List<EnvelopeCodec.Head> heads(List<RawEnvelope> envelopes) {
        List<EnvelopeCodec.Head> heads = new ArrayList<>(envelopes.size());
        for (RawEnvelope e : envelopes) {
            RawRecordCodec.Encoded rec = RawRecordCodec.encode(e);
            EnvelopeCodec.Head h = RawRecordCodec.head(new RecordHeaders(rec.headers()), rec.value());
            assertThat(h.line()).isEqualTo(EnvelopeCodec.encodeLine(e));
            heads.add(RawRecordCodec.head(new RecordHeaders(rec.headers()), rec.value()));
        }
        return heads;
    }

    @Test
    void aHeadWritesTheLineItsArrayHolds() throws Exception {
        for (EnvelopeCodec.Head h : heads(envelopes(50, 1))) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            h.writeLine(out);
            int length = h.length();
            assertThat(out.toByteArray()).isEqualTo(h.line());
            assertThat(length).isEqualTo(h.line().length);
        }
    }

    @Test
    void theObjectIsWhatJoinedLinesWrittenOneByOneGave() throws Exception {
        List<RawEnvelope> envelopes = envelopes(400, 2);
        List<EnvelopeCodec.Head> heads = heads(envelopes);
        for (int level : new int[] {1, 3, 6}) {
            ByteArrayOutputStream before = new ByteArrayOutputStream();
            GZIPOutputStream gzip = new GZIPOutputStream(before, 64 * 1024) {
                {
                    def.setLevel(level);
                }
            };
            long uncompressed = 0;
            for (EnvelopeCodec.Head h : heads) {
                byte[] line = h.line();
                gzip.write(line);
                gzip.write('\n');
                uncompressed += line.length + 1;
            }
            gzip.finish();

            List<EnvelopeCodec.Head> fresh = heads(envelopes);
            ByteArrayOutputStream after = new ByteArrayOutputStream();
            BronzeWriter.Stats stats;
            try (BronzeWriter w = new BronzeWriter(after, level)) {
                for (EnvelopeCodec.Head h : fresh) {
                    w.write(h);
                }
                stats = w.finish();
            }
            assertThat(gunzip(after.toByteArray())).isEqualTo(gunzip(before.toByteArray()));
            assertThat(stats.uncompressedBytes()).isEqualTo(uncompressed);
            assertThat(stats.bytes()).isEqualTo(after.size());
            assertThat(stats.events()).isEqualTo(400);
            // zlib's output does not depend on how its input was cut: the same compressed bytes.
            assertThat(after.toByteArray()).isEqualTo(before.toByteArray());
        }
    }

    @Test
    void anObjectClosedWithoutFinishHoldsEveryLine() throws Exception {
        List<EnvelopeCodec.Head> heads = heads(envelopes(30, 3));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BronzeWriter w = new BronzeWriter(out, 3)) {
            for (EnvelopeCodec.Head h : heads) {
                w.write(h);
            }
        }
        ByteArrayOutputStream lines = new ByteArrayOutputStream();
        for (EnvelopeCodec.Head h : heads) {
            lines.write(h.line());
            lines.write('\n');
        }
        assertThat(gunzip(out.toByteArray())).isEqualTo(lines.toByteArray());
        try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(out.toByteArray()))) {
            int n = 0;
            while (r.next() != null) {
                n++;
            }
            assertThat(n).isEqualTo(30);
        }
    }

    static byte[] gunzip(byte[] gz) throws Exception {
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
            return in.readAllBytes();
        }
    }
}
