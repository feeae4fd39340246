package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * {@link BodyParser#ndjson}'s one parse over a whole NDJSON body gives exactly what the parser per line ({@link
 * BodyParser#ndjsonPerLine}, the code before it) gives: the same events, or the same refusal with the same message
 * and line, for bodies built from documents, broken documents, blanks, CRs, byte order marks and documents split
 * over or sharing lines.
 */
class BodyParserOneParseTest {

    /** The outcome of a parse: the events' bytes, or the refusal's status, error, field, message and line. */
    private static Object outcome(java.util.function.Function<byte[], List<byte[]>> parse, byte[] body) {
        try {
            return parse.apply(body).stream()
                    .map(b -> new String(b, StandardCharsets.ISO_8859_1))
                    .toList();
        } catch (IngestRejection r) {
            return List.of(r.status(), r.error(), String.valueOf(r.field()), r.getMessage(), String.valueOf(r.line()));
        }
    }

    @Property(tries = 5000)
    void theOneParseGivesWhatTheParserPerLineGives(@ForAll("bodies") byte[] body) {
        assertThat(outcome(BodyParser::ndjson, body)).isEqualTo(outcome(BodyParser::ndjsonPerLine, body));
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        Arbitrary<String> piece = Arbitraries.of(
                "{\"a\":1}",
                "{\"ts\":\"2026-12-07T08:00:00Z\",\"n\":12,\"temp\":-3.5,\"ok\":true,\"x\":null,\"l\":[1,{\"b\":[]}]}",
                "[1,2]",
                "[]",
                "{}",
                "\"s\"",
                "12",
                "-0.5e3",
                "true",
                "false",
                "null",
                "1 2",
                "{\"a\":1}{\"b\":2}",
                "{\"a\":1} {\"b\":2}",
                "{\"a\":",
                "1}",
                "}",
                "]",
                "{\"a\":1,}",
                "nul",
                "01",
                "\"unterminated",
                "\"caf\u00e9\"",
                "x",
                " ",
                "\t",
                "\r",
                "",
                "\uFEFF",
                "\uFEFF{\"bom\":1}",
                "{\"a\":\"\u00e9\u4e2d\"}",
                "{\"deep\":[[[[[[]]]]]]}",
                "/* c */{}",
                "{'a':1}");
        Arbitrary<String> separator = Arbitraries.of("\n", "\r\n", "\n\n", " \n", "\n \t\n", "\r", "", " ");
        return Arbitraries.integers()
                .between(1, 8)
                .flatMap(n -> Combinators.combine(
                                piece.list().ofSize(n), separator.list().ofSize(n))
                        .as((pieces, seps) -> {
                            StringBuilder b = new StringBuilder();
                            for (int i = 0; i < n; i++) {
                                b.append(pieces.get(i)).append(seps.get(i));
                            }
                            return b.toString().getBytes(StandardCharsets.UTF_8);
                        }));
    }

    @Property(tries = 300)
    void randomBytesGiveWhatTheParserPerLineGives(@ForAll("noisy") byte[] body) {
        assertThat(outcome(BodyParser::ndjson, body)).isEqualTo(outcome(BodyParser::ndjsonPerLine, body));
    }

    @Provide
    Arbitrary<byte[]> noisy() {
        byte[] alphabet = {'{', '}', '[', ']', '"', ':', ',', '1', '-', 'a', ' ', '\n', '\r', '\t'};
        return Arbitraries.integers()
                .between(0, alphabet.length - 1)
                .list()
                .ofMaxSize(40)
                .map(ix -> {
                    byte[] b = new byte[ix.size()];
                    for (int i = 0; i < b.length; i++) {
                        b[i] = alphabet[ix.get(i)];
                    }
                    return b;
                });
    }

    @Test
    void anOrdinaryBatchTakesTheOneParse() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < 100; i++) {
            b.append("{\"n\":").append(i).append(",\"s\":\"x\"}").append(i % 3 == 0 ? "\r\n" : "\n");
        }
        byte[] body = b.toString().getBytes(StandardCharsets.UTF_8);
        List<byte[]> events = BodyParser.oneParse(body);
        assertThat(events).isNotNull().hasSize(100);
        assertThat(outcome(x -> events, body)).isEqualTo(outcome(BodyParser::ndjsonPerLine, body));
    }

    @Test
    void anythingUnusualIsLeftToTheParserPerLine() {
        for (String body :
                List.of("", "\n", "{\"a\":\n1}", "{} {}", "{}\n{", "\uFEFF{}", "1 2\n", "{}\nx\n", "{}\n\u00ff\n")) {
            assertThat(BodyParser.oneParse(body.getBytes(StandardCharsets.UTF_8)))
                    .as(body)
                    .isNull();
        }
    }
}
