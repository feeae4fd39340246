package dev.dash.model.envelope;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whether a body is embedded in a version-2 Bronze line is decided as before: {@link JsonValueCheck} accepts only
 * bodies the parser's check accepts, and {@link EnvelopeCodec#embeddable} gives the parser's answer for every body
 * (over generated JSON, byte mutations of it, and the edge cases of JSON's grammar and the parser's limits). The
 * benchmark's readings and compact webhook bodies take the one pass.
 */
class EnvelopeCodecEmbedTest {
    private static final byte[] MUTATIONS = {
        ' ',
        '\t',
        '\n',
        '\r',
        ',',
        ':',
        '[',
        ']',
        '{',
        '}',
        '"',
        '\\',
        '/',
        'u',
        '0',
        '1',
        '-',
        '+',
        '.',
        'e',
        'E',
        'x',
        0,
        0x1f,
        0x7f,
        (byte) 0x80,
        (byte) 0xbf,
        (byte) 0xc3,
        (byte) 0xe2,
        (byte) 0xed,
        (byte) 0xf0,
        (byte) 0xf4,
        (byte) 0xff
    };

    @Test
    void theCommonBodiesTakeTheOnePass() {
        for (String body : List.of(
                "{\"ts\":\"2026-12-07T11:00:00.123456Z\",\"n\":42,\"device\":\"d-42\",\"site\":\"north\",\"temp\":21.5,"
                        + "\"hum\":40.1,\"firmware\":\"4.2.1\",\"status\":\"OK\"}",
                "{\"action\":\"opened\",\"issue\":{\"id\":1,\"title\":\"caf\u00e9 \\\"quoted\\\" \\u00e9\",\"labels\":[],"
                        + "\"closed\":false,\"milestone\":null,\"score\":-1.5e-3}}",
                "[1,2,3]",
                "\"text\"",
                "-0",
                "true")) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            assertThat(JsonValueCheck.oneValue(b)).as(body).isTrue();
            assertThat(EnvelopeCodec.embeddable(b)).as(body).isTrue();
        }
    }

    @Test
    void theEdgeCasesGetTheParsersAnswer() {
        List<byte[]> cases = new ArrayList<>();
        for (String s : List.of(
                "",
                " 1",
                "1 ",
                "1\t",
                "\t1",
                "01",
                "-01",
                "-0",
                "-",
                "1.",
                ".5",
                "1e",
                "1e+",
                "1E-5",
                "1.0e10",
                "+1",
                "true",
                "tru",
                "truex",
                "[truex]",
                "[true1]",
                "nul",
                "null",
                "nulls",
                "false",
                "fals",
                "[1,]",
                "[,1]",
                "[1 , 2]",
                "[\t1\t]",
                "{\"a\":1,}",
                "{\"a\" : 1}",
                "{\"a\"\t:\t1}",
                "{a:1}",
                "{'a':1}",
                "{\"a\"}",
                "{\"a\":}",
                "{,}",
                "{}",
                "[]",
                "[[]]",
                "[{}]",
                "{\"\":\"\"}",
                "\"\\u00e9\"",
                "\"\\u00g9\"",
                "\"\\u00e\"",
                "\"\\x\"",
                "\"\\'\"",
                "\"a\tb\"",
                "\"caf\u00e9\"",
                "\"\\/\"",
                "\"\\\"\"",
                "\"\\\\\"",
                "NaN",
                "[NaN]",
                "Infinity",
                "-Infinity",
                "// c\n1",
                "/* c */1",
                "{\"a\":1}{\"b\":2}",
                "[1]\n",
                "[1]\r",
                "1,2",
                "\"",
                "\"abc",
                "[",
                "]",
                "{",
                "}",
                "[1",
                "{\"a\":1",
                "\u00e9",
                "\ufeff{}",
                "[1]]",
                "{\"a\":1}}",
                "[\"\u2028\"]",
                "\"\\ud83d\\ude00\"",
                "\"\\ud83d\"",
                "\"\\ude00\"",
                "\"\\uDBFF\\uDFFF\"",
                "\"\\ud7ff\\ue000\"",
                "123456789012345678901234567890",
                "1e999999",
                "-1.5E+10",
                "[-]",
                "[0.]",
                "[1.e5]",
                "[.1]",
                "[1e5.5]",
                "[00]",
                "[0x10]",
                "{\"a\":[1,{\"b\":[true,null]}]}")) {
            cases.add(s.getBytes(StandardCharsets.UTF_8));
        }
        cases.add(new byte[] {'"', (byte) 0xc3, '"'});
        cases.add(new byte[] {'"', (byte) 0xc0, (byte) 0x80, '"'});
        cases.add(new byte[] {'"', (byte) 0xed, (byte) 0xa0, (byte) 0x80, '"'});
        cases.add(new byte[] {'"', (byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80, '"'});
        cases.add(new byte[] {'"', (byte) 0xf0, (byte) 0x9f, (byte) 0x98, (byte) 0x80, '"'});
        cases.add(new byte[] {'"', (byte) 0xe2, (byte) 0x82, '"'});
        cases.add(new byte[] {'{', '"', (byte) 0xff, '"', ':', '1', '}'});
        cases.add(new byte[] {'{', '"', (byte) 0xc3, (byte) 0xa9, '"', ':', '1', '}'});
        // Nesting around the one pass's bound (64) and the parser's (499 inside a line).
        for (int depth : new int[] {63, 64, 65, 498, 499, 500, 501}) {
            cases.add(("[".repeat(depth) + "]".repeat(depth)).getBytes(StandardCharsets.US_ASCII));
            cases.add(("{\"a\":".repeat(depth) + "1" + "}".repeat(depth)).getBytes(StandardCharsets.US_ASCII));
        }
        // Numbers around the one pass's bound (100 characters) and the parser's (1,000).
        for (int digits : new int[] {99, 100, 101, 999, 1000, 1001}) {
            cases.add(("1" + "0".repeat(digits - 1)).getBytes(StandardCharsets.US_ASCII));
            cases.add(("[0." + "5".repeat(digits) + "]").getBytes(StandardCharsets.US_ASCII));
        }
        // Names around the one pass's bound (50,000 bytes) and the parser's (50,000 characters).
        for (int length : new int[] {49_999, 50_000, 50_001}) {
            cases.add(("{\"" + "n".repeat(length) + "\":1}").getBytes(StandardCharsets.US_ASCII));
        }
        for (byte[] b : cases) {
            agree(b);
        }
    }

    @Test
    void generatedAndMutatedBodiesGetTheParsersAnswer() {
        Random r = new Random(19);
        int accepted = 0;
        for (int i = 0; i < 50_000; i++) {
            StringBuilder s = new StringBuilder();
            value(r, s, 0);
            byte[] b = s.toString().getBytes(StandardCharsets.UTF_8);
            accepted += agree(b) ? 1 : 0;
            for (int m = 0; m < 3; m++) {
                agree(mutate(r, b));
            }
        }
        // The generated documents are valid JSON: the one pass accepts most of them.
        assertThat(accepted).isGreaterThan(30_000);
    }

    /** Asserts the one pass accepts only what the parser accepts, and that embeddable is the parser's answer. */
    private static boolean agree(byte[] b) {
        String shown = new String(b, 0, Math.min(b.length, 200), StandardCharsets.ISO_8859_1);
        boolean parser = EnvelopeCodec.embeddableByParser(b);
        boolean fast = JsonValueCheck.oneValue(b);
        if (fast) {
            assertThat(parser)
                    .as("accepted by the one pass, refused by the parser: %s", shown)
                    .isTrue();
        }
        assertThat(EnvelopeCodec.embeddable(b)).as(shown).isEqualTo(parser);
        return fast;
    }

    private static byte[] mutate(Random r, byte[] b) {
        if (b.length == 0) {
            return new byte[] {MUTATIONS[r.nextInt(MUTATIONS.length)]};
        }
        int at = r.nextInt(b.length + 1);
        byte x = MUTATIONS[r.nextInt(MUTATIONS.length)];
        switch (r.nextInt(3)) {
            case 0 -> {
                byte[] out = new byte[b.length + 1];
                System.arraycopy(b, 0, out, 0, at);
                out[at] = x;
                System.arraycopy(b, at, out, at + 1, b.length - at);
                return out;
            }
            case 1 -> {
                if (at == b.length) {
                    at--;
                }
                byte[] out = b.clone();
                out[at] = x;
                return out;
            }
            default -> {
                if (at == b.length) {
                    at--;
                }
                byte[] out = new byte[b.length - 1];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + 1, out, at, b.length - at - 1);
                return out;
            }
        }
    }

    private static void value(Random r, StringBuilder s, int depth) {
        int kind = depth > 4 ? 2 + r.nextInt(5) : r.nextInt(7);
        switch (kind) {
            case 0 -> {
                s.append('{');
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        s.append(',');
                        space(r, s);
                    }
                    string(r, s);
                    space(r, s);
                    s.append(':');
                    space(r, s);
                    value(r, s, depth + 1);
                }
                s.append('}');
            }
            case 1 -> {
                s.append('[');
                int n = r.nextInt(5);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        s.append(',');
                        space(r, s);
                    }
                    value(r, s, depth + 1);
                }
                s.append(']');
            }
            case 2, 3 -> string(r, s);
            case 4 ->
                s.append(
                        switch (r.nextInt(3)) {
                            case 0 -> "true";
                            case 1 -> "false";
                            default -> "null";
                        });
            default -> number(r, s);
        }
    }

    private static void space(Random r, StringBuilder s) {
        if (r.nextInt(8) == 0) {
            s.append(r.nextBoolean() ? ' ' : '\t');
        }
    }

    private static void string(Random r, StringBuilder s) {
        s.append('"');
        int n = r.nextInt(12);
        for (int i = 0; i < n; i++) {
            switch (r.nextInt(12)) {
                case 0 -> s.append("\\\"");
                case 1 -> s.append("\\\\");
                case 2 -> s.append("\\u").append(String.format("%04x", r.nextInt(0x10000)));
                case 3 -> s.append("\\n");
                case 4 -> s.append('\u00e9');
                case 5 -> s.append("\ud83d\ude00");
                case 6 -> s.append('\u2028');
                default -> s.append((char) ('a' + r.nextInt(26)));
            }
        }
        s.append('"');
    }

    private static void number(Random r, StringBuilder s) {
        if (r.nextBoolean()) {
            s.append('-');
        }
        s.append(r.nextInt(4) == 0 ? "0" : Integer.toString(1 + r.nextInt(100_000)));
        if (r.nextBoolean()) {
            s.append('.').append(r.nextInt(1000));
        }
        if (r.nextInt(4) == 0) {
            s.append(r.nextBoolean() ? 'e' : 'E')
                    .append(r.nextBoolean() ? "-" : "+")
                    .append(r.nextInt(300));
        }
    }
}
