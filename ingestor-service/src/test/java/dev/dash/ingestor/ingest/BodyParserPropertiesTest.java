package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.dash.model.json.Json;
import dev.dash.model.json.Utf8;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Hostile bodies against the ingest door's pure core (docs/reliability.md, "Hostile input and security"): every
 * outcome is either the whole body accepted as it was sent or one {@link IngestRejection} with its documented
 * status and reason, never another exception and never a part of a batch.
 */
class BodyParserPropertiesTest {

    @Property(tries = 2000)
    void randomBytesAreAcceptedWholeOrRefusedAsInvalidJson(@ForAll @Size(max = 64) byte[] body) {
        try {
            List<byte[]> events = BodyParser.single(body);
            assertThat(events).hasSize(1);
            assertThat(events.get(0)).isSameAs(body);
            assertThat(Utf8.isValid(body)).as("accepted bodies are UTF-8").isTrue();
        } catch (IngestRejection r) {
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.error()).isEqualTo("invalid_json");
        }
    }

    @Property(tries = 500)
    void overlongAndSurrogateSequencesAreRefusedAtTheDoor(@ForAll("illFormed") byte[] sequence) {
        byte[] body = concat("{\"v\":\"".getBytes(StandardCharsets.UTF_8), sequence, "\"}".getBytes());
        IngestRejection r = catchThrowableOfType(IngestRejection.class, () -> BodyParser.single(body));
        assertThat(r).as("refused").isNotNull();
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.getMessage()).contains("UTF-8");
        IngestRejection batch = catchThrowableOfType(
                IngestRejection.class,
                () -> BodyParser.ndjson(concat("{\"ok\":1}\n".getBytes(), body, "\n{\"ok\":2}".getBytes())));
        assertThat(batch.line()).isEqualTo(2);
    }

    @Provide
    Arbitrary<byte[]> illFormed() {
        return Arbitraries.of(
                new byte[] {(byte) 0xC0, (byte) 0xAF}, // overlong '/'
                new byte[] {(byte) 0xC1, (byte) 0xBF},
                new byte[] {(byte) 0xE0, (byte) 0x80, (byte) 0xAF}, // overlong three-byte
                new byte[] {(byte) 0xF0, (byte) 0x80, (byte) 0x80, (byte) 0xAF}, // overlong four-byte
                new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // high surrogate U+D800
                new byte[] {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}, // low surrogate U+DFFF
                new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
                new byte[] {(byte) 0xFF},
                new byte[] {(byte) 0x80});
    }

    @Property(tries = 200)
    void anNdjsonBatchWithOneBadLineIsRefusedWholeNamingThatLine(
            @ForAll @IntRange(min = 1, max = 40) int lines, @ForAll @IntRange(min = 0, max = 39) int badAt) {
        int bad = badAt % lines;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < lines; i++) {
            b.append(i == bad ? "{\"n\": " + i + "," : "{\"n\": " + i + "}").append(i % 2 == 0 ? "\n" : "\r\n");
        }
        IngestRejection r = catchThrowableOfType(
                IngestRejection.class, () -> BodyParser.ndjson(b.toString().getBytes(StandardCharsets.UTF_8)));
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.error()).isEqualTo("invalid_json");
        assertThat(r.line()).isEqualTo(bad + 1);
    }

    @Property(tries = 20)
    void nestingBeyondTheParserLimitIsRefused(@ForAll @IntRange(min = 1, max = 5000) int extra) {
        int depth = Json.MAX_NESTING_DEPTH + extra;
        String doc = "[".repeat(depth) + "]".repeat(depth);
        assertThatThrownBy(() -> BodyParser.single(doc.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IngestRejection.class)
                .hasMessageContaining("not valid JSON");
    }

    @Property(tries = 10)
    void aGzipBombStopsAtTheLimitWithoutInflatingIt(@ForAll @IntRange(min = 2, max = 64) int megabytes)
            throws IOException {
        ByteArrayOutputStream packed = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(packed)) {
            byte[] zeros = new byte[1 << 20];
            for (int i = 0; i < megabytes; i++) {
                gz.write(zeros);
            }
        }
        long limit = 1 << 20;
        IngestRejection r =
                catchThrowableOfType(IngestRejection.class, () -> BodyParser.gunzip(packed.toByteArray(), limit));
        assertThat(r.status()).isEqualTo(413);
        assertThat(r.error()).isEqualTo("body_too_large");
    }

    @Property(tries = 300)
    void garbageGzipIsInvalidEncoding(@ForAll @Size(min = 1, max = 64) byte[] body) {
        try {
            BodyParser.gunzip(body, 1 << 20);
        } catch (IngestRejection r) {
            assertThat(r.status()).isIn(400, 413);
            assertThat(r.error()).isIn("invalid_encoding", "body_too_large");
        }
    }

    private static byte[] concat(byte[]... parts) {
        List<Byte> all = new ArrayList<>();
        for (byte[] p : parts) {
            for (byte x : p) {
                all.add(x);
            }
        }
        byte[] out = new byte[all.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = all.get(i);
        }
        return out;
    }
}
