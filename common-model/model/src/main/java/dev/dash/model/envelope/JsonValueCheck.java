package dev.dash.model.envelope;

import dev.dash.model.json.Utf8;

/**
 * A quick, allocation-free answer to "is this body one JSON value that a version-2 line embeds?" for the common body
 * ({@link EnvelopeCodec#embeddable}): one pass over the bytes with RFC 8259's grammar, no more. It answers {@code
 * true} only for bodies the parser's check accepts too (strict JSON, space and tab the only whitespace, none before
 * or after the value, strings without control characters and valid UTF-8, and within bounds far inside the parser's
 * limits: nesting 64, numbers of 100 characters, names of 50,000 bytes); {@code false} means only "not known here",
 * and the caller asks the parser, which decides every body this class does not accept. So the answer for a body is
 * the parser's in every case (EnvelopeCodecEmbedTest compares both over generated and mutated bodies); the archiver
 * saves the parser's allocation and most of its time for each event (docs/benchmarks.md, issue-archiver).
 */
final class JsonValueCheck {
    private static final int MAX_DEPTH = 64;
    private static final int MAX_NAME_BYTES = 50_000;
    private static final int MAX_NUMBER = 100;
    /** Jackson's default longest string, in characters (at least one byte each). */
    private static final int MAX_BYTES = 20_000_000;

    private JsonValueCheck() {}

    /** Whether {@code b} is certainly one embeddable JSON value; false when it is not or when this class cannot tell. */
    static boolean oneValue(byte[] b) {
        int n = b.length;
        if (n == 0 || n > MAX_BYTES) {
            return false;
        }
        // Bit d of objects: the container at depth d + 1 is an object (else an array).
        long objects = 0;
        int depth = 0;
        int i = 0;
        value:
        while (true) {
            if (i >= n) {
                return false;
            }
            byte c = b[i];
            switch (c) {
                case '{' -> {
                    if (++depth > MAX_DEPTH) {
                        return false;
                    }
                    objects |= 1L << (depth - 1);
                    i = spaces(b, i + 1);
                    if (i < n && b[i] == '}') {
                        depth--;
                        i++;
                    } else {
                        i = name(b, i);
                        if (i < 0) {
                            return false;
                        }
                        continue value;
                    }
                }
                case '[' -> {
                    if (++depth > MAX_DEPTH) {
                        return false;
                    }
                    objects &= ~(1L << (depth - 1));
                    i = spaces(b, i + 1);
                    if (i < n && b[i] == ']') {
                        depth--;
                        i++;
                    } else {
                        continue value;
                    }
                }
                case '"' -> {
                    i = string(b, i + 1);
                    if (i < 0) {
                        return false;
                    }
                }
                case 't' -> {
                    if (!literal(b, i, 't', 'r', 'u', 'e')) {
                        return false;
                    }
                    i += 4;
                }
                case 'n' -> {
                    if (!literal(b, i, 'n', 'u', 'l', 'l')) {
                        return false;
                    }
                    i += 4;
                }
                case 'f' -> {
                    if (i + 5 > n || b[i + 4] != 'e' || !literal(b, i, 'f', 'a', 'l', 's')) {
                        return false;
                    }
                    i += 5;
                }
                default -> {
                    i = number(b, i);
                    if (i < 0) {
                        return false;
                    }
                }
            }
            // After a value: the end (at the root), or a comma and the next member, or the container's end.
            while (true) {
                if (depth == 0) {
                    return i == n;
                }
                i = spaces(b, i);
                if (i >= n) {
                    return false;
                }
                byte d = b[i];
                boolean object = ((objects >>> (depth - 1)) & 1) != 0;
                if (d == ',') {
                    i = spaces(b, i + 1);
                    if (object) {
                        i = name(b, i);
                        if (i < 0) {
                            return false;
                        }
                    }
                    continue value;
                }
                if (d != (object ? '}' : ']')) {
                    return false;
                }
                depth--;
                i++;
            }
        }
    }

    /**
     * Past a string's closing quote, from the byte after its opening quote; -1 at anything JSON refuses (a control
     * character, an escape it does not know, ill-formed UTF-8 by {@link Utf8}'s rules), at an escaped surrogate (which
     * the parser checks for its pair: left to it) or at the end.
     */
    private static int string(byte[] b, int i) {
        int n = b.length;
        while (i < n) {
            byte c = b[i];
            if (PLAIN[c & 0xFF]) {
                i++;
                continue;
            }
            if (c == '"') {
                return i + 1;
            }
            if (c == '\\') {
                if (i + 1 >= n) {
                    return -1;
                }
                byte e = b[i + 1];
                if (e == 'u') {
                    if (i + 6 > n || !hex(b[i + 2]) || !hex(b[i + 3]) || !hex(b[i + 4]) || !hex(b[i + 5])) {
                        return -1;
                    }
                    if ((b[i + 2] == 'd' || b[i + 2] == 'D') && !(b[i + 3] >= '0' && b[i + 3] <= '7')) {
                        // A surrogate (U+D800 to U+DFFF): the parser checks their pairing; left to it.
                        return -1;
                    }
                    i += 6;
                } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' || e == 'r'
                        || e == 't') {
                    i += 2;
                } else {
                    return -1;
                }
            } else if (c < 0) {
                int lead = c & 0xFF;
                int length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
                if (i + length > n || Utf8.invalidAt(b, i, length) >= 0) {
                    return -1;
                }
                i += length;
            } else if (c < 0x20) {
                return -1;
            } else {
                i++;
            }
        }
        return -1;
    }

    /** Past a member's name, its colon and the spaces after it, from its opening quote; -1 if there is none. */
    private static int name(byte[] b, int i) {
        int n = b.length;
        if (i >= n || b[i] != '"') {
            return -1;
        }
        int end = string(b, i + 1);
        if (end < 0 || end - i - 2 > MAX_NAME_BYTES) {
            return -1;
        }
        end = spaces(b, end);
        if (end >= n || b[end] != ':') {
            return -1;
        }
        return spaces(b, end + 1);
    }

    /** Past a number in JSON's grammar (no leading zero, a digit on both sides of the point), or -1. */
    private static int number(byte[] b, int i) {
        int n = b.length;
        int start = i;
        if (b[i] == '-') {
            i++;
        }
        if (i >= n) {
            return -1;
        }
        if (b[i] == '0') {
            i++;
        } else if (b[i] >= '1' && b[i] <= '9') {
            i = digits(b, i + 1);
        } else {
            return -1;
        }
        if (i < n && b[i] == '.') {
            int end = digits(b, i + 1);
            if (end == i + 1) {
                return -1;
            }
            i = end;
        }
        if (i < n && (b[i] == 'e' || b[i] == 'E')) {
            i++;
            if (i < n && (b[i] == '+' || b[i] == '-')) {
                i++;
            }
            int end = digits(b, i);
            if (end == i) {
                return -1;
            }
            i = end;
        }
        return i - start > MAX_NUMBER ? -1 : i;
    }

    /** Bytes a string holds as they are: printable ASCII and DEL, but the quote and the backslash. */
    private static final boolean[] PLAIN = new boolean[256];

    static {
        for (int c = 0x20; c < 0x80; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
    }

    private static int digits(byte[] b, int i) {
        while (i < b.length && b[i] >= '0' && b[i] <= '9') {
            i++;
        }
        return i;
    }

    private static int spaces(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    private static boolean literal(byte[] b, int i, char c0, char c1, char c2, char c3) {
        return i + 4 <= b.length && b[i] == c0 && b[i + 1] == c1 && b[i + 2] == c2 && b[i + 3] == c3;
    }

    private static boolean hex(byte c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
