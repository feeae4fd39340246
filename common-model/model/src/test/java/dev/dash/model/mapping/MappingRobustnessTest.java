package dev.dash.model.mapping;

import static dev.dash.model.mapping.MappingTestSupport.RECEIVED;
import static dev.dash.model.mapping.MappingTestSupport.resource;
import static org.assertj.core.api.Assertions.assertThat;

import dev.dash.model.mapping.MappingError.Code;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed JSON, huge numbers, deep nesting and invalid UTF-8 fed to the engine: it never throws, and what
 * comes back is a documented {@link MappingError} (never {@link Code#INTERNAL}).
 */
class MappingRobustnessTest {
    static final List<CompiledMapping> MAPPINGS = Stream.of("github-push", "stripe-invoice-paid", "iot-reading")
            .map(n -> MappingCompiler.compile(
                    new String(resource("/bench/" + n + ".mapping.json"), StandardCharsets.UTF_8)))
            .toList();
    static final CompiledMapping NUMERIC =
            MappingTestSupport.compile("{'time':{'path':'/t','format':'epoch_s','on_missing':'received_at'},"
                    + "'fields':[{'name':'v','path':'/v','type':'number'},{'name':'i','path':'/v','type':'integer','required':false},"
                    + "{'name':'s','path':'/v','type':'string','required':false}],'metrics':['v','i'],'labels':['s']}");

    static void assertDocumentedOutcome(CompiledMapping m, byte[] body) {
        MappingResult r = m.apply(EventInput.ofBytes(null, RECEIVED, body));
        assertThat(r.errors()).noneMatch(e -> e.code() == Code.INTERNAL);
        if (!r.ok()) {
            assertThat(r.points()).isEmpty();
        }
    }

    static Stream<byte[]> hostileBodies() {
        StringBuilder deep = new StringBuilder();
        deep.append("[".repeat(100_000));
        StringBuilder deepObjects = new StringBuilder();
        deepObjects.append("{\"v\":".repeat(600)).append('1').append("}".repeat(600));
        return Stream.of(
                bytes(""),
                bytes("   "),
                bytes("{"),
                bytes("{\"v\":1,}"),
                bytes("{'v':1}"),
                bytes("{\"v\":NaN}"),
                bytes("{\"v\":Infinity}"),
                bytes("{\"v\":1} {\"v\":2}"),
                bytes("{\"v\":1 // comment\n}"),
                bytes("{\"v\":\"\\uD800\"}"),
                bytes("{\"v\":1e400}"),
                bytes("{\"v\":-1e400}"),
                bytes("{\"v\":1" + "0".repeat(900) + "}"),
                bytes("{\"v\":1" + "0".repeat(5000) + "}"),
                bytes("{\"v\":0." + "0".repeat(5000) + "1}"),
                bytes("{\"v\":12345678901234567890123456789012345678901234567890,\"t\":1e30}"),
                bytes("{\"v\":1,\"t\":-99999999999999999999}"),
                bytes("{\"v\":1,\"t\":\"1e999999999\"}"),
                bytes(deep.toString()),
                bytes(deepObjects.toString()),
                bytes("{\"v\":[" + "[".repeat(499) + "]".repeat(499) + "]}"),
                new byte[] {'{', '"', 'v', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'},
                new byte[] {'{', '"', (byte) 0xFF, '"', ':', '1', '}'},
                new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, '{', '"', 'v', '"', ':', '1', '}'},
                new byte[] {0, 0, 0, '{'},
                new byte[] {(byte) 0xFE, (byte) 0xFF, 0, '{', 0, '}'});
    }

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @MethodSource("hostileBodies")
    void hostileBodiesGiveDocumentedErrors(byte[] body) {
        assertDocumentedOutcome(NUMERIC, body);
        MAPPINGS.forEach(m -> assertDocumentedOutcome(m, body));
    }

    @Property(tries = 1000)
    void randomBytesNeverEscape(@ForAll @Size(max = 400) byte[] body) {
        assertDocumentedOutcome(NUMERIC, body);
        assertDocumentedOutcome(MAPPINGS.get(0), body);
    }

    @Provide
    Arbitrary<byte[]> payloads() {
        return Arbitraries.of("github-push", "stripe-invoice-paid", "iot-reading")
                .map(n -> resource("/bench/" + n + ".json"));
    }

    @Property(tries = 500)
    void mutatedRealPayloadsNeverEscape(
            @ForAll("payloads") byte[] payload, @ForAll @IntRange(min = 1, max = 8) int mutations, @ForAll long seed) {
        byte[] body = payload.clone();
        java.util.Random random = new java.util.Random(seed);
        for (int i = 0; i < mutations; i++) {
            int at = random.nextInt(body.length);
            switch (random.nextInt(4)) {
                case 0 -> body[at] = (byte) random.nextInt(256);
                case 1 -> body[at] = (byte) "{}[]\",:0e-".charAt(random.nextInt(10));
                case 2 -> body = java.util.Arrays.copyOf(body, at);
                default -> body[at] = (byte) (0x80 | random.nextInt(0x80));
            }
            if (body.length == 0) {
                break;
            }
        }
        for (CompiledMapping m : MAPPINGS) {
            assertDocumentedOutcome(m, body);
        }
    }

    @Property(tries = 300)
    void hugeAndOddNumbersNeverEscape(@ForAll("numbers") String number) {
        assertDocumentedOutcome(NUMERIC, bytes("{\"v\":" + number + ",\"t\":" + number + "}"));
        assertDocumentedOutcome(NUMERIC, bytes("{\"v\":\"" + number + "\",\"t\":\"" + number + "\"}"));
    }

    @Provide
    Arbitrary<String> numbers() {
        return Arbitraries.oneOf(
                Arbitraries.bigIntegers()
                        .between(java.math.BigInteger.TEN.pow(30).negate(), java.math.BigInteger.TEN.pow(30))
                        .map(Object::toString),
                Arbitraries.doubles().map(Object::toString),
                Arbitraries.integers().between(-2000, 2000).map(e -> "1e" + e),
                Arbitraries.strings()
                        .withChars("0123456789.-+eE")
                        .ofMinLength(1)
                        .ofMaxLength(40));
    }
}
