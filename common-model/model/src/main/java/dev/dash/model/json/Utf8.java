package dev.dash.model.json;

/**
 * Strict UTF-8 validation (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF), with the
 * same verdict as a JDK decoder set to report malformed input but without allocating.
 */
public final class Utf8 {
    private Utf8() {}

    /**
     * Whether a whole array is well-formed UTF-8.
     *
     * @param bytes the bytes
     * @return true if well-formed
     */
    public static boolean isValid(byte[] bytes) {
        return isValid(bytes, 0, bytes.length);
    }

    /**
     * Whether a range is well-formed UTF-8.
     *
     * @param bytes the bytes
     * @param offset first byte
     * @param length number of bytes
     * @return true if well-formed
     */
    public static boolean isValid(byte[] bytes, int offset, int length) {
        return invalidAt(bytes, offset, length) < 0;
    }

    /**
     * Where a range stops being well-formed UTF-8.
     *
     * @param bytes the bytes
     * @param offset first byte
     * @param length number of bytes
     * @return the index (into {@code bytes}) of the first byte of the first ill-formed sequence, or -1
     */
    public static int invalidAt(byte[] bytes, int offset, int length) {
        int i = offset;
        int end = offset + length;
        while (i < end) {
            int c = bytes[i];
            if (c >= 0) {
                i++;
                continue;
            }
            c &= 0xFF;
            if (c < 0xC2) {
                // A continuation byte in lead position, or an overlong two-byte form.
                return i;
            }
            if (c < 0xE0) {
                if (i + 1 >= end || !continuation(bytes[i + 1])) {
                    return i;
                }
                i += 2;
            } else if (c < 0xF0) {
                if (i + 2 >= end) {
                    return i;
                }
                int c1 = bytes[i + 1] & 0xFF;
                if (!continuation(bytes[i + 1]) || !continuation(bytes[i + 2])) {
                    return i;
                }
                if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) {
                    // Overlong three-byte form, or an encoded UTF-16 surrogate.
                    return i;
                }
                i += 3;
            } else if (c < 0xF5) {
                if (i + 3 >= end) {
                    return i;
                }
                int c1 = bytes[i + 1] & 0xFF;
                if (!continuation(bytes[i + 1]) || !continuation(bytes[i + 2]) || !continuation(bytes[i + 3])) {
                    return i;
                }
                if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) {
                    // Overlong four-byte form, or beyond U+10FFFF.
                    return i;
                }
                i += 4;
            } else {
                return i;
            }
        }
        return -1;
    }

    /**
     * The length of a string in UTF-8 as {@link String#getBytes} with UTF-8 encodes it (an unpaired surrogate as one
     * byte, {@code ?}).
     *
     * @param s the string
     * @return its length in bytes
     */
    public static int length(String s) {
        int n = s.length();
        int len = n;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c >= 0x80) {
                if (c < 0x800) {
                    len++;
                } else if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    // Two chars, four bytes.
                    len += 2;
                    i++;
                } else if (!Character.isSurrogate(c)) {
                    len += 2;
                }
            }
        }
        return len;
    }

    /**
     * Writes {@code s[from, to)} in UTF-8 into {@code out} from {@code at}, byte for byte as {@link String#getBytes}
     * with UTF-8 does (an unpaired surrogate as {@code ?}), without a copy of the string: for writers that put
     * strings straight into a buffer of their own. The buffer must have room for 3 bytes a char.
     *
     * @param s the string
     * @param from the first char
     * @param to after the last char
     * @param out the buffer
     * @param at where to write
     * @return the position after the last byte written
     */
    public static int encode(String s, int from, int to, byte[] out, int at) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[at++] = (byte) c;
            } else if (c < 0x800) {
                out[at++] = (byte) (0xc0 | (c >> 6));
                out[at++] = (byte) (0x80 | (c & 0x3f));
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                int cp = Character.toCodePoint(c, s.charAt(++i));
                out[at++] = (byte) (0xf0 | (cp >> 18));
                out[at++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
                out[at++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
                out[at++] = (byte) (0x80 | (cp & 0x3f));
            } else if (Character.isSurrogate(c)) {
                out[at++] = '?';
            } else {
                out[at++] = (byte) (0xe0 | (c >> 12));
                out[at++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                out[at++] = (byte) (0x80 | (c & 0x3f));
            }
        }
        return at;
    }

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
