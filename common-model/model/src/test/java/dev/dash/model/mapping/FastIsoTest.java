package dev.dash.model.mapping;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/** The hand-written ISO-8601 fast path agrees with java.time on everything it accepts. */
class FastIsoTest {

    /** java.time's reading of the same text, as the slow path does it; null if java.time rejects it. */
    static Instant reference(String text) {
        String t =
                text.length() > 10 && text.charAt(10) == ' ' ? text.substring(0, 10) + 'T' + text.substring(11) : text;
        try {
            return OffsetDateTime.parse(t, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant();
        } catch (DateTimeParseException e) {
            try {
                return LocalDateTime.parse(t).atZone(ZoneOffset.UTC).toInstant();
            } catch (DateTimeParseException e2) {
                return null;
            }
        }
    }

    @Property(tries = 2000)
    void agreesWithJavaTimeOnWellFormedTimes(
            @ForAll @LongRange(min = -62_135_510_400L, max = 253_402_214_399L) long epochSecond,
            @ForAll @IntRange(min = 0, max = 999_999_999) int nanos,
            @ForAll @IntRange(min = -64_800, max = 64_800) int offsetSeconds,
            @ForAll("shapes") int shape) {
        ZoneOffset offset = ZoneOffset.ofTotalSeconds(offsetSeconds / 60 * 60);
        OffsetDateTime t = Instant.ofEpochSecond(epochSecond, nanos).atOffset(offset);
        String text = switch (shape) {
            case 0 -> t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
            case 1 ->
                t.withOffsetSameInstant(ZoneOffset.UTC).toLocalDateTime().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME);
            case 2 -> t.withOffsetSameInstant(ZoneOffset.UTC).toInstant().toString();
            default -> t.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME).replace('T', ' ');
        };

        Instant fast = TimeParser.fastIso(text, ZoneOffset.UTC);
        Instant slow = reference(text);

        assertThat(slow).as(text).isNotNull();
        if (fast != null) {
            assertThat(fast).as(text).isEqualTo(slow);
        }
    }

    @Provide
    Arbitrary<Integer> shapes() {
        return Arbitraries.integers().between(0, 3);
    }

    @Property(tries = 3000)
    void acceptsNothingJavaTimeRejects(@ForAll("nearlyIso") String text) {
        Instant fast = TimeParser.fastIso(text, ZoneOffset.UTC);
        if (fast != null) {
            assertThat(fast).as(text).isEqualTo(reference(text));
        }
    }

    @Provide
    Arbitrary<String> nearlyIso() {
        Arbitrary<String> base = Arbitraries.of(
                "2026-11-21T10:15:30Z",
                "2026-02-29T10:15:30Z",
                "2024-02-29T23:59:59.999+14:00",
                "2026-11-21T10:15:30.1-03:30",
                "2026-11-21 10:15:30",
                "0001-01-01T00:00:00Z",
                "2026-13-01T00:00:00Z",
                "2026-11-31T00:00:00Z",
                "2026-11-21T24:00:00Z",
                "2026-11-21T10:15:60Z",
                "2026-11-21T10:15:30.1234567891Z",
                "2026-11-21T10:15:30.Z",
                "2026-11-21T10:15:30+1:00",
                "2026-11-21T10:15:30+18:00",
                "2026-11-21T10:15:30+0100",
                "2026-11-21t10:15:30z");
        return base.flatMap(s -> Arbitraries.integers()
                .between(0, s.length())
                .flatMap(i -> Arbitraries.of(
                        s,
                        s.substring(0, i),
                        s.substring(0, i) + "9" + s.substring(Math.min(s.length(), i + 1)),
                        s.substring(0, i) + "-" + s.substring(Math.min(s.length(), i + 1)),
                        s.substring(0, i) + ":" + s.substring(i))));
    }
}
