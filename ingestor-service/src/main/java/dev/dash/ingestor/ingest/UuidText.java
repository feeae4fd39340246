package dev.dash.ingestor.ingest;

import dev.dash.model.envelope.UuidV7;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * UUIDs written as {@link UUID#toString} writes them (lower-case hex, 8-4-4-4-12), straight into an ASCII byte array:
 * a request's ids go into its answer and its dedupe claim without a string per id.
 */
final class UuidText {
    /** Characters of one id. */
    static final int LENGTH = UuidV7.TEXT_LENGTH;

    private UuidText() {}

    /** Writes {@code id} at {@code at}; returns the index after it. */
    static int write(byte[] b, int at, UUID id) {
        return UuidV7.writeAscii(b, at, id);
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
}
