package dev.dash.model.bronze;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.dash.model.envelope.EnvelopeCodec;
import dev.dash.model.envelope.EnvelopeFormatException;
import dev.dash.model.envelope.RawEnvelope;
import dev.dash.model.json.Json;
import dev.dash.model.mapping.CompiledMapping;
import dev.dash.model.mapping.EventInput;
import dev.dash.model.mapping.MappingCompiler;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The Bronze line contract (docs/architecture.md, "The Bronze line"): version 2 written, both versions read. */
class BronzeLineTest {
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Bodies of every kind the line must carry: JSON compact and not, scalars, text, binary, hostile. */
    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<Map<String, Object>> objects = Arbitraries.maps(
                        Arbitraries.strings().ofMaxLength(12),
                        Arbitraries.oneOf(
                                Arbitraries.integers().map(i -> (Object) i),
                                Arbitraries.doubles().map(d -> (Object) d),
                                Arbitraries.strings().ofMaxLength(30).map(s -> (Object) s),
                                Arbitraries.just((Object) List.of(1, "two", Map.of("three", 3.5)))))
                .ofMaxSize(8)
                .map(LinkedHashMap::new);
        Arbitrary<byte[]> compact = objects.map(m -> {
            try {
                return Json.writer().writeValueAsBytes(m);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        Arbitrary<byte[]> pretty = objects.map(m -> {
            try {
                return Json.writer().withDefaultPrettyPrinter().writeValueAsBytes(m);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        return Arbitraries.oneOf(
                compact,
                pretty,
                compact.map(b -> utf8(new String(b, StandardCharsets.UTF_8) + "\n")),
                compact.map(b -> utf8(" " + new String(b, StandardCharsets.UTF_8))),
                compact.map(b -> utf8(new String(b, StandardCharsets.UTF_8) + "\t")),
                compact.map(b -> utf8("\uFEFF" + new String(b, StandardCharsets.UTF_8))),
                Arbitraries.of(
                                "42",
                                "-0",
                                "1e400",
                                "\"a string\"",
                                "true",
                                "null",
                                "[]",
                                "{}",
                                "{\"a\":1}{\"b\":2}",
                                "1,\"event_id\":\"x\"",
                                "{\"a\":1},\"body_b64\":\"AA==\"",
                                "\"unterminated",
                                "{\"a\":\"tab\tinside\"}",
                                "{\"a\":01}",
                                "a=1&b=2",
                                "")
                        .map(BronzeLineTest::utf8),
                Arbitraries.strings().ofMaxLength(60).map(BronzeLineTest::utf8),
                Arbitraries.bytes().array(byte[].class).ofMaxSize(200));
    }

    @Property(tries = 500)
    void everyBodyRoundTripsByteForByteAndAnEmbeddedOneIsTheEngine_sTree(@ForAll("bodies") byte[] body)
            throws IOException {
        RawEnvelope e = BronzeCodecTest.envelope(1, body);
        byte[] line = EnvelopeCodec.encodeLine(e);
        assertThat(line).doesNotContain((byte) '\n');
        assertThat(new String(line, 0, 7, StandardCharsets.US_ASCII)).isEqualTo("{\"v\":2,");

        EnvelopeCodec.Line read = EnvelopeCodec.decodeLine(line, 0, line.length, true);
        assertThat(read.envelope()).isEqualTo(e);
        EnvelopeCodec.Line noTree = EnvelopeCodec.decodeLine(line, 0, line.length, false);
        assertThat(noTree.envelope()).isEqualTo(e);
        assertThat(noTree.json()).isNull();

        // The line is one JSON document (readable with jq): the body a JSON value, or a string, or base64.
        JsonNode doc = Json.parse(line);
        if (read.json() != null) {
            assertThat(doc.has("body")).isTrue();
            assertThat(read.json()).isEqualTo(Json.parse(body)).isEqualTo(doc.get("body"));
        } else {
            assertThat(doc.has("body_text") || doc.has("body_b64")).isTrue();
        }
    }

    @Test
    void compactJsonIsEmbeddedAndEverythingElseEscaped() throws IOException {
        String json = "{\"device\":\"d-1\",\"temp\":21.5,\"tags\":[\"a\",\"b\"],\"s\":\"caf\u00e9 \\\"q\\\"\"}";
        byte[] line = EnvelopeCodec.encodeLine(BronzeCodecTest.envelope(1, utf8(json)));
        assertThat(new String(line, StandardCharsets.UTF_8)).endsWith(",\"body\":" + json + "}");

        for (String notEmbedded : List.of(json + "\n", "{\n  \"a\": 1\n}", " " + json, "1,\"event_id\":\"x\"", "a=1")) {
            String text = new String(
                    EnvelopeCodec.encodeLine(BronzeCodecTest.envelope(1, utf8(notEmbedded))), StandardCharsets.UTF_8);
            assertThat(text).contains("\"body_text\":").doesNotContain("\"body\":");
        }
        String binary = new String(
                EnvelopeCodec.encodeLine(BronzeCodecTest.envelope(1, new byte[] {(byte) 0xff, 0, 1})),
                StandardCharsets.UTF_8);
        assertThat(binary).endsWith("\"body_b64\":\"/wAB\"}");
    }

    @Test
    void theDeepestBodyTheEngineAcceptsIsStillReadAndMappedIdentically() throws IOException {
        for (int depth : new int[] {Json.MAX_NESTING_DEPTH - 1, Json.MAX_NESTING_DEPTH}) {
            byte[] body = utf8("[".repeat(depth) + "]".repeat(depth));
            Json.parse(body); // the engine accepts both
            RawEnvelope e = BronzeCodecTest.envelope(1, body);
            EnvelopeCodec.Line read =
                    EnvelopeCodec.decodeLine(EnvelopeCodec.encodeLine(e), 0, EnvelopeCodec.encodeLine(e).length, true);
            assertThat(read.envelope()).isEqualTo(e);
            // One level less than the engine's limit is embedded; the limit itself would be one too deep in the line.
            assertThat(read.json() != null).isEqualTo(depth < Json.MAX_NESTING_DEPTH);
        }
    }

    @Test
    void mappingTheEmbeddedTreeGivesWhatMappingTheBytesGives() throws IOException {
        CompiledMapping mapping = MappingCompiler.compile("""
                {"version":1,"fields":[{"name":"temp","path":"/temp","type":"number"},
                                       {"name":"site","path":"/site","type":"string"}],
                 "metrics":["temp"],"labels":["site"]}
                """);
        RawEnvelope e = BronzeCodecTest.envelope(1, utf8("{\"temp\":21.5,\"site\":\"north\"}"));
        byte[] line = EnvelopeCodec.encodeLine(e);
        EnvelopeCodec.Line read = EnvelopeCodec.decodeLine(line, 0, line.length, true);
        assertThat(read.json()).isNotNull();
        var fromTree = mapping.apply(EventInput.ofJson(e.eventId(), e.receivedAt(), read.json()));
        var fromBytes = mapping.apply(EventInput.of(e));
        assertThat(fromTree.ok()).isTrue();
        assertThat(fromTree.points()).isNotEmpty().isEqualTo(fromBytes.points());
    }

    @Test
    void readsALineInsideALargerArray() {
        RawEnvelope e = BronzeCodecTest.envelope(1, utf8("{\"a\":[1,2,3]}"));
        byte[] line = EnvelopeCodec.encodeLine(e);
        byte[] padded = new byte[line.length + 20];
        System.arraycopy(line, 0, padded, 13, line.length);
        EnvelopeCodec.Line read = EnvelopeCodec.decodeLine(padded, 13, line.length, true);
        assertThat(read.envelope()).isEqualTo(e);
        assertThat(read.json().toString()).isEqualTo("{\"a\":[1,2,3]}");
    }

    @Test
    void refusesVersion2LinesThatBreakTheContract() {
        String meta = new String(
                EnvelopeCodec.encodeLine(BronzeCodecTest.envelope(1, utf8("\"x\""))), StandardCharsets.UTF_8);
        String prefix = meta.substring(0, meta.indexOf(",\"body\":"));
        for (String bad : List.of(
                prefix + ",\"body\":{\"a\":1},\"team_id\":\"x\"}", // the body is not the last field
                prefix + ",\"body\":{\"a\":1} }", // nor followed by the closing brace at once
                prefix + ",\"body\":{\"a\":1},\"body_text\":\"b\"}",
                prefix + ",\"body_text\":\"a\",\"body_b64\":\"AA==\"}",
                prefix + "}", // no body
                prefix + ",\"body\":{\"a\":}",
                prefix.replace("{\"v\":2,", "{\"v\":3,") + ",\"body\":{}}")) {
            byte[] b = utf8(bad);
            assertThatThrownBy(() -> EnvelopeCodec.decodeLine(b, 0, b.length, true))
                    .as(bad)
                    .isInstanceOf(EnvelopeFormatException.class);
        }
    }

    @Test
    void anObjectMixingBothVersionsReadsBack() throws IOException {
        List<RawEnvelope> batch = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (BronzeWriter w = new BronzeWriter(out)) {
            for (int i = 0; i < 40; i++) {
                RawEnvelope e = BronzeCodecTest.envelope(
                        i, i % 3 == 0 ? new byte[] {(byte) i, (byte) 0xfe} : utf8("{\"n\":" + i + "}"));
                batch.add(e);
                w.write(e, 1 + (i & 1));
            }
            w.finish();
        }
        List<RawEnvelope> read = new ArrayList<>();
        int trees = 0;
        try (BronzeReader r = new BronzeReader(new ByteArrayInputStream(out.toByteArray()))) {
            for (EnvelopeCodec.Line l; (l = r.nextLine()) != null; ) {
                read.add(l.envelope());
                trees += l.json() != null ? 1 : 0;
            }
        }
        assertThat(read).isEqualTo(batch);
        // Only the version-2 lines with a JSON body carry a tree: odd i, not a multiple of 3.
        assertThat(trees).isEqualTo(13);
    }
}
