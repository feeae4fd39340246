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

    private static boolean continuation(byte b) {
        return (b & 0xC0) == 0x80;
    }
}
