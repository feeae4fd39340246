package dev.dash.ingestor.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * The success body written as bytes is the one the string builder wrote before, byte for byte; the dedupe claim's
 * ids are joined as before ({@link UuidText}).
 */
class IngestAnswerBodyTest {

    /** The body as it was written before (a StringBuilder and UUID.toString). */
    static String before(boolean duplicate, UUID[] ids) {
        StringBuilder b = new StringBuilder(32 + ids.length * 40);
        b.append('{');
        if (duplicate) {
            b.append("\"duplicate\":true,");
        }
        b.append("\"accepted\":").append(duplicate ? 0 : ids.length).append(",\"event_ids\":[");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append('"').append(ids[i]).append('"');
        }
        b.append("]}");
        return b.toString();
    }

    @Property(tries = 300)
    void theBytesAreTheStringBuildersBody(
            @ForAll @IntRange(min = 0, max = 120) int n, @ForAll boolean duplicate, @ForAll long seed) {
        java.util.Random r = new java.util.Random(seed);
        UUID[] ids = new UUID[n];
        for (int i = 0; i < n; i++) {
            // Every bit pattern, the extremes included.
            ids[i] = switch (i % 4) {
                case 0 -> new UUID(r.nextLong(), r.nextLong());
                case 1 -> new UUID(0, 0);
                case 2 -> new UUID(-1, -1);
                default -> UUID.randomUUID();
            };
        }
        assertThat(new String(IngestResource.answerBody(duplicate, ids), StandardCharsets.US_ASCII))
                .isEqualTo(before(duplicate, ids));
    }

    @Property(tries = 300)
    void idsAreJoinedAsToStringWritesThem(@ForAll @IntRange(min = 0, max = 120) int n, @ForAll long seed) {
        java.util.Random r = new java.util.Random(seed);
        UUID[] ids = new UUID[n];
        StringBuilder before = new StringBuilder();
        for (int i = 0; i < n; i++) {
            ids[i] = i % 3 == 1 ? new UUID(-1, 0) : new UUID(r.nextLong(), r.nextLong());
            if (before.length() > 0) {
                before.append(',');
            }
            before.append(ids[i]);
        }
        assertThat(UuidText.join(ids)).isEqualTo(before.toString());
    }
}
