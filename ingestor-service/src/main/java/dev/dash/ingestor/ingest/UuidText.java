package dev.dash.ingestor.ingest;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * UUIDs written as {@link UUID#toString} writes them (lower-case hex, 8-4-4-4-12), straight into an ASCII byte array:
 * a request's ids go into its answer and its dedupe claim without a string per id.
 */
final class UuidText {
    /** Characters of one id. */
    static final int LENGTH = 36;

    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private UuidText() {}

    /** Writes {@code id} at {@code at}; returns the index after it. */
    static int write(byte[] b, int at, UUID id) {
        long msb = id.getMostSignificantBits();
        long lsb = id.getLeastSignificantBits();
        at = hex(b, at, msb >>> 32, 8);
        b[at++] = '-';
        at = hex(b, at, msb >>> 16, 4);
        b[at++] = '-';
        at = hex(b, at, msb, 4);
        b[at++] = '-';
        at = hex(b, at, lsb >>> 48, 4);
        b[at++] = '-';
        return hex(b, at, lsb, 12);
    }

    /** The ids separated by commas, as a string ({@code a,b,c}). */
    static String join(UUID[] ids) {
        if (ids.length == 0) {
            return "";
        }
        byte[] b = new byte[ids.length * (LENGTH + 1) - 1];
        int at = 0;
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                b[at++] = ',';
            }
            at = write(b, at, ids[i]);
        }
        // ISO-8859-1: the bytes become a compact string as they are.
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    /** The low {@code digits} hex digits of {@code v}, most significant first, at {@code at}; returns the end. */
    private static int hex(byte[] b, int at, long v, int digits) {
        for (int i = digits - 1; i >= 0; i--) {
            b[at + i] = HEX[(int) (v & 0xF)];
            v >>>= 4;
        }
        return at + digits;
    }
}
