package dev.dash.model.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.dash.model.json.Json;
import dev.dash.model.mapping.Labels;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class PointsCodecTest {
    /** The databind serialisation {@link PointsCodec#encode} replaced: its output is the contract. */
    private static final ObjectMapper REFERENCE =
            Json.newMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    private static final UUID PIPELINE = UUID.fromString("6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c");
    private static final UUID TEAM = UUID.fromString("00000000-0000-0000-0000-000000000001");
    private static final UUID EVENT = UUID.fromString("ffffffff-ffff-4fff-bfff-ffffffffffff");
    private static final Instant COMMITTED = Instant.parse("2026-11-21T06:00:00.250Z");

    @Test
    void roundTripsABatch() {
        PointsBatch batch = new PointsBatch(
                UUID.randomUUID(),
                UUID.randomUUID(),
                Instant.parse("2026-11-21T06:00:00.250Z"),
                List.of(new PointsBatch.Point(
                        Instant.parse("2026-11-21T06:00:00Z"),
                        "temp",
                        Map.of("site", "a"),
                        21.5,
                        UUID.randomUUID(),
                        3,
                        2,
                        Instant.parse("2026-11-21T06:00:00.012Z"))));
        byte[] json = PointsCodec.encode(batch, 1);
        assertThat(new String(json, StandardCharsets.UTF_8)).contains("\"mapping_version\":2", "\"event_id\"");
        assertThat(PointsCodec.decode(json)).isEqualTo(batch);
        byte[] binary = PointsCodec.encode(batch);
        assertThat(PointsCodec.format(binary)).isEqualTo(2);
        assertThat(PointsCodec.format(json)).isEqualTo(1);
        assertThat(PointsCodec.decode(binary)).isEqualTo(batch);
    }

    @Test
    void writesTheDocumentedShape() {
        PointsBatch batch = batch(List.of(new PointsBatch.Point(
                Instant.parse("2026-11-21T06:00:00Z"),
                "temp",
                Labels.of(Map.of("site", "a")),
                21.5,
                EVENT,
                0,
                1,
                Instant.parse("2026-11-21T06:00:00.012Z"))));
        assertThat(new String(PointsCodec.encode(batch, 1), StandardCharsets.UTF_8))
                .isEqualTo("{\"pipeline_id\":\"6f1c2a3b-0d4e-4f5a-8b6c-7d8e9f0a1b2c\","
                        + "\"team_id\":\"00000000-0000-0000-0000-000000000001\","
                        + "\"committed_at\":\"2026-11-21T06:00:00.250Z\",\"points\":[{\"time\":\"2026-11-21T06:00:00Z\","
                        + "\"metric\":\"temp\",\"labels\":{\"site\":\"a\"},\"value\":21.5,"
                        + "\"event_id\":\"ffffffff-ffff-4fff-bfff-ffffffffffff\",\"seq\":0,\"mapping_version\":1,"
                        + "\"received_at\":\"2026-11-21T06:00:00.012Z\"}]}");
    }

    static Stream<PointsBatch> batches() {
        Map<String, String> many = new TreeMap<>();
        for (int i = 0; i < 40; i++) {
            many.put("label_" + i, "value " + i + " ".repeat(i % 3));
        }
        Map<String, String> unsorted = new LinkedHashMap<>();
        unsorted.put("zeta", "1");
        unsorted.put("alpha", "2");
        Map<String, String> escaping = new HashMap<>();
        escaping.put("quote\"d", "a \"b\" c");
        escaping.put("back\\slash", "C:\\tmp\\");
        escaping.put("controls", "\u0000\u0001\b\f\n\r\t\u001f\u007f");
        escaping.put("html", "</script><!-- & ' >");
        escaping.put("unicode", "température ° ünï €uro 中文 \u2028\u2029 \uFEFF");
        escaping.put("emoji 😀", "🚀 and 𝄞");
        escaping.put("", "");
        return Stream.of(
                batch(List.of()),
                batch(List.of(point(Instant.parse("2026-11-21T06:00:00Z"), "temp", Labels.empty(), 21.5))),
                batch(List.of(point(Instant.parse("2026-11-21T06:00:00Z"), "temp", Map.of(), 0))),
                batch(List.of(point(Instant.parse("2026-11-21T06:00:00.1Z"), "m", many, -1.0))),
                batch(List.of(point(Instant.parse("2026-11-21T06:00:00.123Z"), "m", Labels.of(many), 1e-300))),
                batch(List.of(point(Instant.parse("2026-11-21T06:00:00.000012Z"), "m", unsorted, 3))),
                batch(List.of(
                        point(Instant.parse("2026-11-21T06:00:00.123456Z"), "température/°C", escaping, 0.1 + 0.2),
                        point(Instant.parse("2026-11-21T06:00:00.123456789Z"), "a\"b\\c\n😀", Labels.of(escaping), 1),
                        point(Instant.parse("2026-11-21T06:00:00.100000001Z"), "</script>", Map.of("k", "v"), 2))),
                batch(Stream.of(
                                "1970-01-01T00:00:00Z",
                                "1970-01-01T00:00:00.000000001Z",
                                "1969-12-31T23:59:59.999Z",
                                "0000-01-01T00:00:00Z",
                                "-0001-12-31T23:59:59Z",
                                "2000-02-29T12:00:00.5Z",
                                "2026-11-21T06:00:00.010Z",
                                "2026-11-21T06:00:00.000100Z",
                                "2026-11-21T06:00:00.0000001Z",
                                "2026-11-21T06:00:00.999999990Z",
                                "2024-12-31T23:59:59.999999Z",
                                "2100-03-01T00:00:00Z",
                                "9999-12-31T23:59:59.999999999Z",
                                "+10000-01-01T00:00:00Z")
                        .map(t -> point(Instant.parse(t), "t", Labels.empty(), 1))
                        .toList()),
                batch(List.of(point(Instant.MIN, "min", Map.of(), 0), point(Instant.MAX, "max", Map.of(), 0))),
                batch(Stream.of(
                                0.0,
                                -0.0,
                                1.0,
                                -3.0,
                                123456789.0,
                                1.2345678901234567e18,
                                1e21,
                                1e-7,
                                Double.MIN_VALUE,
                                Double.MAX_VALUE,
                                -Double.MAX_VALUE,
                                Double.MIN_NORMAL,
                                Double.NaN,
                                Double.POSITIVE_INFINITY,
                                Double.NEGATIVE_INFINITY)
                        .map(v -> point(COMMITTED, "v", Labels.empty(), v))
                        .toList()),
                batch(List.of(
                        new PointsBatch.Point(
                                COMMITTED,
                                "extremes",
                                Map.of(),
                                1,
                                EVENT,
                                Integer.MAX_VALUE,
                                Integer.MIN_VALUE,
                                COMMITTED),
                        new PointsBatch.Point(null, null, null, 0, null, 0, 0, null))),
                batch(List.of(point(COMMITTED, "null label", nullValued(), 1))),
                batch(List.of(point(COMMITTED, "unpaired \uD800 and \uDC00", Map.of("\uDBFF", "x\uD83D"), 1))));
    }

    @ParameterizedTest
    @MethodSource("batches")
    void encodesExactlyAsTheDatabindMapper(PointsBatch batch) throws Exception {
        assertSameAsReference(batch);
    }

    @Property(tries = 300)
    void encodesRandomBatchesExactlyAsTheDatabindMapper(@ForAll("randomBatches") PointsBatch batch) throws Exception {
        assertSameAsReference(batch);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void splitsIntoMaximalPartsUnderTheBound(int format) {
        List<PointsBatch.Point> points = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            points.add(new PointsBatch.Point(
                    COMMITTED.plusMillis(i),
                    "m" + i,
                    Labels.of(Map.of("site", "s".repeat(i % 97), "é", "ü")),
                    i,
                    EVENT,
                    i,
                    1,
                    COMMITTED));
        }
        PointsBatch batch = batch(points);
        int max = format == 1 ? 4096 : 1024;
        List<byte[]> parts = PointsCodec.encodeSplit(batch, max, format);

        assertThat(parts).hasSizeGreaterThan(10);
        List<PointsBatch.Point> decoded = new ArrayList<>();
        int from = 0;
        for (byte[] part : parts) {
            assertThat(part.length).isLessThanOrEqualTo(max);
            PointsBatch b = PointsCodec.decode(part);
            assertThat(b.pipelineId()).isEqualTo(PIPELINE);
            assertThat(b.teamId()).isEqualTo(TEAM);
            assertThat(b.committedAt()).isEqualTo(COMMITTED);
            assertThat(b.points()).isNotEmpty();
            // Each part is what encoding its points alone gives, and takes as many points as fit.
            assertThat(part).isEqualTo(PointsCodec.encode(b, format));
            int to = from + b.points().size();
            if (to < points.size()) {
                assertThat(PointsCodec.encode(batch(points.subList(from, to + 1)), format).length)
                        .isGreaterThan(max);
            }
            decoded.addAll(b.points());
            from = to;
        }
        assertThat(decoded).isEqualTo(points);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void givesAPointLargerThanTheBoundAPartOfItsOwn(int format) {
        PointsBatch.Point small = point(COMMITTED, "small", Map.of(), 1);
        PointsBatch.Point large = point(COMMITTED, "large", Map.of("big", "x".repeat(5000)), 2);
        List<byte[]> parts = PointsCodec.encodeSplit(batch(List.of(small, large, small, small)), 1024, format);
        assertThat(parts).hasSize(3);
        assertThat(PointsCodec.decode(parts.get(0)).points()).containsExactly(small);
        assertThat(PointsCodec.decode(parts.get(1)).points()).containsExactly(large);
        assertThat(PointsCodec.decode(parts.get(2)).points()).containsExactly(small, small);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void splitsIntoOnePartWhenEverythingFits(int format) {
        PointsBatch batch = batch(List.of(point(COMMITTED, "a", Map.of(), 1), point(COMMITTED, "b", Map.of(), 2)));
        assertThat(PointsCodec.encodeSplit(batch, Integer.MAX_VALUE, format))
                .singleElement()
                .isEqualTo(PointsCodec.encode(batch, format));
        assertThat(PointsCodec.encodeSplit(batch(List.of()), 10, format))
                .singleElement()
                .isEqualTo(PointsCodec.encode(batch(List.of()), format));
        assertThat(PointsCodec.decode(PointsCodec.encode(batch(List.of()), format)))
                .isEqualTo(batch(List.of()));
    }

    @ParameterizedTest
    @MethodSource("batches")
    void theBinaryFormatReadsBackEveryBatch(PointsBatch batch) {
        PointsBatch decoded = PointsCodec.decode(PointsCodec.encode(batch, 2));
        // A string with an unpaired surrogate is UTF-8 encoded as String.getBytes does it: a '?' in its place.
        assertThat(decoded).isEqualTo(wellFormed(batch));
    }

    @Property(tries = 300)
    void theBinaryFormatReadsBackRandomBatches(@ForAll("randomBatches") PointsBatch batch) {
        assertThat(PointsCodec.decode(PointsCodec.encode(batch, 2))).isEqualTo(batch);
        assertThat(PointsCodec.decode(
                        PointsCodec.encodeSplit(batch, Integer.MAX_VALUE).get(0)))
                .isEqualTo(batch);
    }

    /** An upgrade leaves JSON records on the topic before binary ones: both read as the same batch. */
    @Test
    void bothFormatsReadAsTheSameBatch() {
        PointsBatch batch = batch(List.of(
                new PointsBatch.Point(
                        Instant.parse("2026-11-21T06:00:00.123Z"),
                        "temp",
                        Labels.of(Map.of("site", "a", "device", "d-1")),
                        21.5,
                        EVENT,
                        0,
                        1,
                        COMMITTED),
                new PointsBatch.Point(
                        Instant.parse("2026-11-21T06:00:00.123Z"),
                        "hum",
                        Labels.of(Map.of("site", "a", "device", "d-1")),
                        40,
                        EVENT,
                        1,
                        1,
                        COMMITTED)));
        PointsBatch fromJson = PointsCodec.decode(PointsCodec.encode(batch, 1));
        PointsBatch fromBinary = PointsCodec.decode(PointsCodec.encode(batch, 2));
        assertThat(fromJson).isEqualTo(batch);
        assertThat(fromBinary).isEqualTo(fromJson);
        assertThat(PointsCodec.encode(batch, 2).length).isLessThan(PointsCodec.encode(batch, 1).length / 3);
    }

    /** The points of one event share their event id, receipt time and labels: written once, read back shared. */
    @Test
    void anEventsSharedFieldsAreWrittenOnce() {
        Labels labels = Labels.of(Map.of("site", "north", "device", "d-7"));
        List<PointsBatch.Point> points = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            UUID event = UUID.randomUUID();
            points.add(new PointsBatch.Point(COMMITTED, "temp", labels, i, event, 0, 1, COMMITTED));
            points.add(new PointsBatch.Point(COMMITTED, "hum", labels, i, event, 1, 1, COMMITTED));
        }
        byte[] bytes = PointsCodec.encode(batch(points));
        // Per event: the id and receipt time (28 bytes), then per point flags, time, metric, value, seq and version.
        assertThat(bytes.length).isLessThan(51 + 100 * (28 + 2 * 25) + 40);
        PointsBatch decoded = PointsCodec.decode(bytes);
        assertThat(decoded.points()).isEqualTo(points);
        assertThat(decoded.points().get(0).labels())
                .isSameAs(decoded.points().get(1).labels());
    }

    @Test
    void rejectsABinaryRecordThatIsCutOrCarriesMore() {
        byte[] whole = PointsCodec.encode(
                batch(List.of(point(COMMITTED, "a", Map.of("k", "v"), 1), point(COMMITTED, "b", Map.of("k", "w"), 2))));
        for (int n = 1; n < whole.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(whole, n);
            assertThatThrownBy(() -> PointsCodec.decode(cut))
                    .as("cut at %d", n)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        byte[] longer = java.util.Arrays.copyOf(whole, whole.length + 1);
        assertThatThrownBy(() -> PointsCodec.decode(longer)).isInstanceOf(IllegalArgumentException.class);
        byte[] version3 = whole.clone();
        version3[2] = 3;
        assertThatThrownBy(() -> PointsCodec.decode(version3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("format");
    }

    @Test
    void rejectsWhatIsNotABatch() {
        assertThatThrownBy(() -> PointsCodec.decode("[1]".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Provide
    Arbitrary<PointsBatch> randomBatches() {
        Arbitrary<String> text = Arbitraries.strings()
                .withCharRange('\u0000', '\u00ff')
                .withCharRange('\u2000', '\u20ff')
                .withChars('中', '文', '"', '\\', '/')
                .ofMaxLength(30);
        Arbitrary<Instant> instants = Arbitraries.oneOf(
                Arbitraries.longs()
                        .between(-5_000_000_000L, 300_000_000_000L)
                        .flatMap(s -> Arbitraries.of(1_000_000_000, 1_000_000, 1_000, 1)
                                .flatMap(unit -> Arbitraries.integers()
                                        .between(0, 999_999_999 / unit)
                                        .map(n -> Instant.ofEpochSecond(s, (long) n * unit)))),
                Arbitraries.longs()
                        .between(Instant.MIN.getEpochSecond(), Instant.MAX.getEpochSecond())
                        .map(Instant::ofEpochSecond));
        Arbitrary<Map<String, String>> labels = Arbitraries.maps(text, text).ofMaxSize(6);
        Arbitrary<Double> values = Arbitraries.oneOf(
                Arbitraries.doubles(),
                Arbitraries.longs().map(Double::longBitsToDouble),
                Arbitraries.integers().map(i -> (double) i));
        Arbitrary<PointsBatch.Point> points = Combinators.combine(
                        instants, text, labels, values, Arbitraries.integers(), Arbitraries.integers(), instants)
                .as((time, metric, l, v, seq, version, received) ->
                        new PointsBatch.Point(time, metric, l, v, UUID.randomUUID(), seq, version, received));
        return Combinators.combine(instants, points.list().ofMaxSize(8))
                .as((committed, list) -> new PointsBatch(UUID.randomUUID(), UUID.randomUUID(), committed, list));
    }

    private static void assertSameAsReference(PointsBatch batch) throws Exception {
        byte[] expected = REFERENCE.writeValueAsBytes(batch);
        assertThat(new String(PointsCodec.encode(batch, 1), StandardCharsets.UTF_8))
                .isEqualTo(new String(expected, StandardCharsets.UTF_8));
        assertThat(PointsCodec.encode(batch, 1)).isEqualTo(expected);
        assertThat(PointsCodec.encodeSplit(batch, Integer.MAX_VALUE, 1))
                .singleElement()
                .isEqualTo(expected);
    }

    /** The batch with every string as it reads back from UTF-8 ({@code String.getBytes}: '?' for a lone surrogate). */
    private static PointsBatch wellFormed(PointsBatch b) {
        List<PointsBatch.Point> points = new ArrayList<>();
        for (PointsBatch.Point p : b.points()) {
            Map<String, String> labels = null;
            if (p.labels() != null) {
                labels = new LinkedHashMap<>();
                for (Map.Entry<String, String> e : p.labels().entrySet()) {
                    labels.put(utf8(e.getKey()), utf8(e.getValue()));
                }
            }
            points.add(new PointsBatch.Point(
                    p.time(),
                    utf8(p.metric()),
                    labels,
                    p.value(),
                    p.eventId(),
                    p.seq(),
                    p.mappingVersion(),
                    p.receivedAt()));
        }
        return new PointsBatch(b.pipelineId(), b.teamId(), b.committedAt(), points);
    }

    private static String utf8(String s) {
        return s == null ? null : new String(s.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    private static Map<String, String> nullValued() {
        Map<String, String> m = new HashMap<>();
        m.put("k", null);
        return m;
    }

    private static PointsBatch batch(List<PointsBatch.Point> points) {
        return new PointsBatch(PIPELINE, TEAM, COMMITTED, points);
    }

    private static PointsBatch.Point point(Instant time, String metric, Map<String, String> labels, double value) {
        return new PointsBatch.Point(time, metric, labels, value, EVENT, 0, 1, Instant.parse("2026-11-21T06:00:01Z"));
    }
}
