package dev.dash.model.mapping;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.regex.Pattern;

/** Reads an instant from a value in one of the mapping language's time formats. */
final class TimeParser {
    /** Silver stores timestamptz; PostgreSQL's range is wider, but no real event lies outside these years. */
    static final Instant MIN = Instant.parse("0001-01-01T00:00:00Z");

    static final Instant MAX = Instant.parse("9999-12-31T23:59:59.999999999Z");

    private static final Pattern DECIMAL = Pattern.compile("[+-]?(?:\\d+(?:\\.\\d*)?|\\.\\d+)(?:[eE][+-]?\\d+)?");
    private static final BigInteger BILLION = BigInteger.valueOf(1_000_000_000);

    enum Format {
        ISO8601,
        EPOCH_S,
        EPOCH_MS,
        EPOCH_US,
        EPOCH_NS,
        PATTERN
    }

    private final Format format;
    private final ZoneId zone;
    private final DateTimeFormatter pattern;

    private TimeParser(Format format, ZoneId zone, DateTimeFormatter pattern) {
        this.format = format;
        this.zone = zone;
        this.pattern = pattern;
    }

    /** Reads {@code format}, {@code pattern} and {@code zone} from a time or timestamp-field object. */
    static TimeParser compile(JsonNode spec, String pointer, Compilation c) {
        String formatName = c.text(spec, pointer, "format", true);
        String zoneName = c.text(spec, pointer, "zone", false);
        String patternText = c.text(spec, pointer, "pattern", false);
        ZoneId zone = ZoneOffset.UTC;
        if (zoneName != null) {
            try {
                zone = ZoneId.of(zoneName);
            } catch (DateTimeException e) {
                c.problem(Compilation.child(pointer, "zone"), "unknown time zone '" + zoneName + "'");
            }
        }
        if (formatName == null) {
            return null;
        }
        Format format;
        try {
            format = Format.valueOf(formatName.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            c.problem(
                    Compilation.child(pointer, "format"),
                    "unknown time format '" + formatName + "'; expected iso8601, epoch_s, epoch_ms, epoch_us, epoch_ns"
                            + " or pattern");
            return null;
        }
        DateTimeFormatter formatter = null;
        if (format == Format.PATTERN) {
            if (patternText == null) {
                c.problem(
                        Compilation.child(pointer, "pattern"),
                        "format 'pattern' needs a 'pattern' such as yyyy-MM-dd HH:mm:ss");
                return null;
            }
            try {
                DateTimeFormatterBuilder b = new DateTimeFormatterBuilder().appendPattern(patternText);
                if (!hasHourLetter(patternText)) {
                    // A date-only pattern reads as the start of that day in the zone.
                    b.parseDefaulting(ChronoField.HOUR_OF_DAY, 0);
                }
                formatter = b.parseDefaulting(ChronoField.MINUTE_OF_HOUR, 0)
                        .parseDefaulting(ChronoField.SECOND_OF_MINUTE, 0)
                        .toFormatter(Locale.ROOT)
                        .withZone(zone);
            } catch (IllegalArgumentException e) {
                c.problem(Compilation.child(pointer, "pattern"), "invalid date-time pattern: " + e.getMessage());
                return null;
            }
        } else if (patternText != null) {
            c.problem(Compilation.child(pointer, "pattern"), "'pattern' is only used with format 'pattern'");
        }
        return new TimeParser(format, zone, formatter);
    }

    private static boolean hasHourLetter(String pattern) {
        boolean quoted = false;
        for (int i = 0; i < pattern.length(); i++) {
            char ch = pattern.charAt(i);
            if (ch == '\'') {
                quoted = !quoted;
            } else if (!quoted && (ch == 'H' || ch == 'h' || ch == 'k' || ch == 'K')) {
                return true;
            }
        }
        return false;
    }

    /** The instant a non-null slot denotes, or null after recording the error in the slot. */
    Instant parse(Slot v) {
        Instant t;
        try {
            t = switch (format) {
                case ISO8601 -> v.kind == Slot.STRING ? iso(v.s.trim()) : wrongType(v, "an ISO-8601 string");
                case PATTERN ->
                    v.kind == Slot.STRING ? pattern.parse(v.s.trim(), Instant::from) : wrongType(v, "a string");
                default -> epoch(v);
            };
        } catch (DateTimeException | ArithmeticException e) {
            v.fail(
                    MappingError.Code.INVALID_VALUE,
                    "cannot read " + v.describe() + " as " + name() + ": " + e.getMessage());
            return null;
        }
        if (t != null && (t.isBefore(MIN) || t.isAfter(MAX))) {
            v.fail(
                    MappingError.Code.OUT_OF_RANGE,
                    v.describe() + " as " + name() + " is " + t + ", outside years 1 to 9999");
            return null;
        }
        return t;
    }

    private String name() {
        return format.name().toLowerCase(Locale.ROOT);
    }

    private static Instant wrongType(Slot v, String expected) {
        v.fail(MappingError.Code.WRONG_TYPE, "expected " + expected + " for a time, got " + v.describe());
        return null;
    }

    private Instant iso(String text) {
        Instant fast = fastIso(text, zone);
        if (fast != null) {
            return fast;
        }
        if (text.length() > 10 && text.charAt(10) == ' ') {
            // Many APIs write "2026-01-15 10:00:00"; ISO-8601 only differs by the T.
            text = text.substring(0, 10) + 'T' + text.substring(11);
        }
        int t = Math.max(text.indexOf('T'), text.indexOf('t'));
        if (t < 0) {
            return LocalDate.parse(text).atStartOfDay(zone).toInstant();
        }
        char last = text.charAt(text.length() - 1);
        if (last == 'Z' || last == 'z' || text.indexOf('+', t) > 0 || text.indexOf('-', t) > 0) {
            return OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME)
                    .toInstant();
        }
        return LocalDateTime.parse(text).atZone(zone).toInstant();
    }

    /**
     * Reads the canonical shapes {@code yyyy-MM-ddTHH:mm:ss[.f{1,9}][Z|+HH:MM|-HH:MM]} without java.time's
     * general parser, which dominates the cost of mapping small events. Returns null for anything else, or
     * anything out of range, so the caller falls back to java.time; where both accept, they agree (tested).
     */
    static Instant fastIso(String s, ZoneId zone) {
        int n = s.length();
        if (n < 19
                || s.charAt(4) != '-'
                || s.charAt(7) != '-'
                || (s.charAt(10) != 'T' && s.charAt(10) != 't' && s.charAt(10) != ' ')
                || s.charAt(13) != ':'
                || s.charAt(16) != ':') {
            return null;
        }
        int year = digits(s, 0, 4);
        int month = digits(s, 5, 2);
        int day = digits(s, 8, 2);
        int hour = digits(s, 11, 2);
        int minute = digits(s, 14, 2);
        int second = digits(s, 17, 2);
        if (year < 0
                || month < 1
                || month > 12
                || day < 1
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return null;
        }
        int i = 19;
        int nanos = 0;
        if (i < n && s.charAt(i) == '.') {
            int start = ++i;
            while (i < n && i - start < 9 && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                nanos = nanos * 10 + (s.charAt(i) - '0');
                i++;
            }
            int width = i - start;
            if (width == 0 || (i < n && s.charAt(i) >= '0' && s.charAt(i) <= '9')) {
                return null;
            }
            for (int w = width; w < 9; w++) {
                nanos *= 10;
            }
        }
        int offsetSeconds;
        if (i == n) {
            if (!zone.equals(ZoneOffset.UTC)) {
                // A local time in a zone with daylight saving needs java.time's gap and overlap rules.
                return null;
            }
            offsetSeconds = 0;
        } else if (i == n - 1 && (s.charAt(i) == 'Z' || s.charAt(i) == 'z')) {
            offsetSeconds = 0;
        } else if (i == n - 6 && (s.charAt(i) == '+' || s.charAt(i) == '-') && s.charAt(i + 3) == ':') {
            int oh = digits(s, i + 1, 2);
            int om = digits(s, i + 4, 2);
            if (oh < 0 || oh > 17 || om < 0 || om > 59) {
                return null;
            }
            offsetSeconds = (oh * 3600 + om * 60) * (s.charAt(i) == '-' ? -1 : 1);
        } else {
            return null;
        }
        if (day > 28 && day > YearMonth.of(year, month).lengthOfMonth()) {
            return null;
        }
        long epochDay = LocalDate.of(year, month, day).toEpochDay();
        long epochSecond = epochDay * 86_400 + hour * 3_600L + minute * 60L + second - offsetSeconds;
        return Instant.ofEpochSecond(epochSecond, nanos);
    }

    private static int digits(String s, int from, int count) {
        int value = 0;
        for (int i = from; i < from + count; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value;
    }

    private Instant epoch(Slot v) {
        int nanosDigits = switch (format) {
            case EPOCH_S -> 9;
            case EPOCH_MS -> 6;
            case EPOCH_US -> 3;
            default -> 0;
        };
        if (v.kind == Slot.LONG) {
            long x = v.l;
            return switch (format) {
                case EPOCH_S -> Instant.ofEpochSecond(x);
                case EPOCH_MS -> Instant.ofEpochMilli(x);
                case EPOCH_US ->
                    Instant.ofEpochSecond(Math.floorDiv(x, 1_000_000L), Math.floorMod(x, 1_000_000L) * 1_000L);
                default -> Instant.ofEpochSecond(Math.floorDiv(x, 1_000_000_000L), Math.floorMod(x, 1_000_000_000L));
            };
        }
        BigDecimal value;
        if (v.kind == Slot.DOUBLE) {
            if (!Double.isFinite(v.d)) {
                v.fail(MappingError.Code.NOT_FINITE, "time value is " + v.d);
                return null;
            }
            value = BigDecimal.valueOf(v.d);
        } else if (v.kind == Slot.STRING && DECIMAL.matcher(v.s.trim()).matches()) {
            try {
                value = new BigDecimal(v.s.trim());
            } catch (NumberFormatException e) {
                // The pattern admits exponents beyond an int ("1e-9999999999"): no instant is that far.
                v.fail(MappingError.Code.OUT_OF_RANGE, v.describe() + " is out of range for " + name());
                return null;
            }
        } else {
            return wrongType(v, "a number or numeric string");
        }
        if (value.precision() - value.scale() > 25) {
            // Bounded before scaling: "1e999999999" must not become a billion-digit integer.
            v.fail(MappingError.Code.OUT_OF_RANGE, v.describe() + " is too large for " + name());
            return null;
        }
        BigInteger[] parts = value.movePointRight(nanosDigits).toBigInteger().divideAndRemainder(BILLION);
        long seconds = parts[0].longValueExact();
        long nanos = parts[1].longValue();
        if (nanos < 0) {
            seconds -= 1;
            nanos += 1_000_000_000L;
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }
}
