package dev.dash.model.envelope;

import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * A format-2 {@code dash.raw} record's headers read once, as the byte arrays Kafka hands out, for the consumers'
 * common case: every value plain (printable ASCII that JSON writes as it is) and in the form the ingest role writes
 * (lower-case UUIDs, {@link Instant#toString()} times, the enums' JSON names exactly). The UUIDs and the receipt
 * time are read from the bytes, the enums matched against their names' bytes, and the Bronze line's metadata is
 * copied from the values without building strings, maps or a JSON generator.
 *
 * <p>{@link #read} answers null for anything else (format 1, a header twice or without a value, a value that is
 * invalid, not plain or not canonical): the caller then takes the general path ({@link RawRecordCodec}'s decode),
 * which refuses or reads it exactly as before. So this class decides no refusal and no message, and whatever it
 * accepts, the general path accepts with the same result (RawHeadersTest checks both, record by record).
 */
final class RawHeaders {
    private static final byte[] VERSION = {'2'};

    private static final byte[][] SOURCES = RawMeta.SOURCES;
    private static final byte[][] STATUSES = RawMeta.STATUSES;
    private static final byte[][] PRESETS = RawMeta.PRESETS;
    private static final byte[][] REASONS = RawMeta.REASONS;

    private static final byte[] EVENT_ID = RawMeta.EVENT_ID;
    private static final byte[] PIPELINE_ID = RawMeta.PIPELINE_ID;
    private static final byte[] TEAM_ID = RawMeta.TEAM_ID;
    private static final byte[] RECEIVED_AT = RawMeta.RECEIVED_AT;
    private static final byte[] SOURCE = RawMeta.SOURCE;
    private static final byte[] DELIVERY_ID = RawMeta.DELIVERY_ID;
    private static final byte[] CONTENT_TYPE = RawMeta.CONTENT_TYPE;
    private static final byte[] HEADERS = RawMeta.HEADERS;
    private static final byte[] STATUS = RawMeta.STATUS;
    private static final byte[] PRESET = RawMeta.PRESET;
    private static final byte[] REASON = RawMeta.REASON;
    private static final byte[] DETAIL = RawMeta.DETAIL;
    private static final byte[] V_DELIVERY_ID = RawMeta.V_DELIVERY_ID;
    private static final byte[] SECRET_ID = RawMeta.SECRET_ID;
    private static final byte[] BODY = RawMeta.ascii("\"},\"body\":");

    byte[] eventId;
    byte[] pipelineId;
    byte[] teamId;
    byte[] receivedAt;
    Source source;
    byte[] deliveryId;
    byte[] contentType;
    VerificationResult.Status status;
    Preset preset;
    VerificationResult.Reason reason;
    byte[] detail;
    byte[] vDeliveryId;
    byte[] secretId;
    /**
     * The kept request headers' keys (with {@code h.}: no substring until an envelope keeps them; sorted as their
     * names are, since all share the prefix) and their values; {@code kept} of them.
     */
    String[] names;

    byte[][] values;
    int kept;
    Instant instant;

    private RawHeaders() {}

    /**
     * The headers of a plain, canonical format-2 record, or null for anything else (see the class comment).
     *
     * @param headers the record's headers
     * @param value the record's value (the body)
     */
    static RawHeaders read(Headers headers, byte[] value) {
        if (headers == null || value == null) {
            return null;
        }
        RawHeaders r = new RawHeaders();
        boolean format = false;
        for (Header h : headers) {
            String k = h.key();
            byte[] v = h.value();
            if (v == null) {
                return null;
            }
            if (k.startsWith(RawRecordCodec.REQUEST_HEADER)) {
                if (!r.request(k, v)) {
                    return null;
                }
                continue;
            }
            boolean ok = switch (k) {
                case RawRecordCodec.FORMAT -> {
                    boolean first = !format;
                    format = true;
                    yield first && java.util.Arrays.equals(v, VERSION);
                }
                case "dash.event_id" -> r.eventId == null && uuid(v) && (r.eventId = v) != null;
                case "dash.pipeline_id" -> r.pipelineId == null && uuid(v) && (r.pipelineId = v) != null;
                case "dash.team_id" -> r.teamId == null && uuid(v) && (r.teamId = v) != null;
                case "dash.received_at" ->
                    r.receivedAt == null && (r.instant = instant(v)) != null && (r.receivedAt = v) != null;
                case "dash.source" -> r.source == null && (r.source = match(Source.values(), SOURCES, v)) != null;
                case "dash.delivery_id" -> r.deliveryId == null && plain(v) && (r.deliveryId = v) != null;
                case "dash.content_type" -> r.contentType == null && plain(v) && (r.contentType = v) != null;
                case "dash.verification.status" ->
                    r.status == null && (r.status = match(VerificationResult.Status.values(), STATUSES, v)) != null;
                case "dash.verification.preset" ->
                    r.preset == null && (r.preset = match(Preset.values(), PRESETS, v)) != null;
                case "dash.verification.reason" ->
                    r.reason == null && (r.reason = match(VerificationResult.Reason.values(), REASONS, v)) != null;
                case "dash.verification.detail" -> r.detail == null && plain(v) && (r.detail = v) != null;
                case "dash.verification.delivery_id" ->
                    r.vDeliveryId == null && plain(v) && (r.vDeliveryId = v) != null;
                case "dash.verification.secret_id" -> r.secretId == null && plain(v) && (r.secretId = v) != null;
                // Headers added later, or by others (tracing): ignored, as the general path ignores them.
                default -> true;
            };
            if (!ok) {
                return null;
            }
        }
        if (!format
                || r.eventId == null
                || r.pipelineId == null
                || r.teamId == null
                || r.receivedAt == null
                || r.source == null
                || r.status == null) {
            return null;
        }
        // VerificationResult's own rules; the general path refuses a record that breaks one.
        boolean failed = r.status == VerificationResult.Status.FAILED;
        if (failed != (r.reason != null) || (r.status != VerificationResult.Status.NOT_REQUIRED && r.preset == null)) {
            return null;
        }
        return r;
    }

    /** Adds a kept request header in name order; false when its name or value is not plain, or it is there twice. */
    private boolean request(String key, byte[] v) {
        int n = key.length();
        for (int i = RawRecordCodec.REQUEST_HEADER.length(); i < n; i++) {
            char c = key.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\' || (c >= 'A' && c <= 'Z')) {
                return false;
            }
        }
        if (!plain(v)) {
            return false;
        }
        String name = key;
        if (names == null) {
            names = new String[8];
            values = new byte[8][];
        } else if (kept == names.length) {
            names = java.util.Arrays.copyOf(names, kept * 2);
            values = java.util.Arrays.copyOf(values, kept * 2);
        }
        int i = kept;
        while (i > 0) {
            int c = names[i - 1].compareTo(name);
            if (c == 0) {
                return false;
            }
            if (c < 0) {
                break;
            }
            names[i] = names[i - 1];
            values[i] = values[i - 1];
            i--;
        }
        names[i] = name;
        values[i] = v;
        kept++;
        return true;
    }

    UUID eventId() {
        return toUuid(eventId);
    }

    UUID pipelineId() {
        return toUuid(pipelineId);
    }

    /**
     * The envelope these headers and the body make: what {@link RawRecordCodec#decode} returns for the same record.
     *
     * @param keepRequestHeaders whether the envelope holds the kept request headers (else none)
     */
    RawEnvelope envelope(byte[] body, boolean keepRequestHeaders) {
        Map<String, String> h = Map.of();
        if (keepRequestHeaders && kept > 0) {
            h = new HashMap<>(kept * 2);
            for (int i = 0; i < kept; i++) {
                h.put(names[i].substring(RawRecordCodec.REQUEST_HEADER.length()), string(values[i]));
            }
        }
        return new RawEnvelope(
                eventId(),
                pipelineId(),
                toUuid(teamId),
                instant,
                source,
                string(deliveryId),
                string(contentType),
                h,
                body,
                new VerificationResult(status, preset, reason, string(detail), string(vDeliveryId), string(secretId)));
    }

    /**
     * The version-2 Bronze line of these headers and an embeddable body ({@link EnvelopeCodec#embeddable}): the
     * bytes {@link EnvelopeCodec#encodeLine} writes for the same envelope, copied from the header values.
     */
    byte[] line(byte[] body) {
        int n = EVENT_ID.length
                + eventId.length
                + PIPELINE_ID.length
                + pipelineId.length
                + TEAM_ID.length
                + teamId.length
                + RECEIVED_AT.length
                + receivedAt.length
                + SOURCE.length
                + SOURCES[source.ordinal()].length
                + optional(DELIVERY_ID, deliveryId)
                + optional(CONTENT_TYPE, contentType)
                + HEADERS.length
                + STATUS.length
                + STATUSES[status.ordinal()].length
                + optional(PRESET, preset == null ? null : PRESETS[preset.ordinal()])
                + optional(REASON, reason == null ? null : REASONS[reason.ordinal()])
                + optional(DETAIL, detail)
                + optional(V_DELIVERY_ID, vDeliveryId)
                + optional(SECRET_ID, secretId)
                + BODY.length
                + body.length
                + 1;
        for (int i = 0; i < kept; i++) {
            // "name":"value" and a comma before all but the first
            n += names[i].length() - RawRecordCodec.REQUEST_HEADER.length() + values[i].length + 5 + (i > 0 ? 1 : 0);
        }
        byte[] out = new byte[n];
        int p = put(out, 0, EVENT_ID);
        p = put(out, p, eventId);
        p = put(out, p, PIPELINE_ID);
        p = put(out, p, pipelineId);
        p = put(out, p, TEAM_ID);
        p = put(out, p, teamId);
        p = put(out, p, RECEIVED_AT);
        p = put(out, p, receivedAt);
        p = put(out, p, SOURCE);
        p = put(out, p, SOURCES[source.ordinal()]);
        p = putOptional(out, p, DELIVERY_ID, deliveryId);
        p = putOptional(out, p, CONTENT_TYPE, contentType);
        p = put(out, p, HEADERS);
        for (int i = 0; i < kept; i++) {
            if (i > 0) {
                out[p++] = ',';
            }
            out[p++] = '"';
            String name = names[i];
            for (int j = RawRecordCodec.REQUEST_HEADER.length(); j < name.length(); j++) {
                out[p++] = (byte) name.charAt(j);
            }
            out[p++] = '"';
            out[p++] = ':';
            out[p++] = '"';
            p = put(out, p, values[i]);
            out[p++] = '"';
        }
        p = put(out, p, STATUS);
        p = put(out, p, STATUSES[status.ordinal()]);
        p = putOptional(out, p, PRESET, preset == null ? null : PRESETS[preset.ordinal()]);
        p = putOptional(out, p, REASON, reason == null ? null : REASONS[reason.ordinal()]);
        p = putOptional(out, p, DETAIL, detail);
        p = putOptional(out, p, V_DELIVERY_ID, vDeliveryId);
        p = putOptional(out, p, SECRET_ID, secretId);
        p = put(out, p, BODY);
        p = put(out, p, body);
        out[p++] = '}';
        if (p != n) {
            throw new IllegalStateException("line length " + p + " is not the " + n + " computed");
        }
        return out;
    }

    private static int optional(byte[] field, byte[] value) {
        return value == null ? 0 : field.length + value.length;
    }

    private static int put(byte[] out, int p, byte[] b) {
        System.arraycopy(b, 0, out, p, b.length);
        return p + b.length;
    }

    private static int putOptional(byte[] out, int p, byte[] field, byte[] value) {
        return value == null ? p : put(out, put(out, p, field), value);
    }

    /** Printable ASCII without a quote or backslash: JSON writes it as it is, and as a String it is the same text. */
    static boolean plain(byte[] v) {
        for (byte b : v) {
            if (b < 0x20 || b > 0x7e || b == '"' || b == '\\') {
                return false;
            }
        }
        return true;
    }

    private static String string(byte[] v) {
        return v == null ? null : new String(v, StandardCharsets.ISO_8859_1);
    }

    /** A UUID as {@link UUID#toString()} writes it: 36 bytes, lower-case hex, dashes at 8, 13, 18 and 23. */
    static boolean uuid(byte[] v) {
        return v.length == 36 && uuid(v, 0);
    }

    /** {@link #uuid(byte[])} of the 36 bytes from {@code off} (which the caller knows are there). */
    static boolean uuid(byte[] v, int off) {
        // The dashes, then the digits by table: one load and one branch a byte (per byte, a test of the position and
        // up to four comparisons cost the Bronze archiver a tenth of its time; docs/benchmarks.md, issue-archiver).
        if (v[off + 8] != '-' || v[off + 13] != '-' || v[off + 18] != '-' || v[off + 23] != '-') {
            return false;
        }
        return hex(v, off, off + 8)
                && hex(v, off + 9, off + 13)
                && hex(v, off + 14, off + 18)
                && hex(v, off + 19, off + 23)
                && hex(v, off + 24, off + 36);
    }

    /** Lower-case hexadecimal digits, as UUID.toString writes them. */
    private static final boolean[] HEX = new boolean[256];

    static {
        for (char c : "0123456789abcdef".toCharArray()) {
            HEX[c] = true;
        }
    }

    private static boolean hex(byte[] v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (!HEX[v[i] & 0xFF]) {
                return false;
            }
        }
        return true;
    }

    private static UUID toUuid(byte[] v) {
        return toUuid(v, 0);
    }

    /** The UUID of the 36 canonical bytes from {@code off} ({@link #uuid(byte[], int)}). */
    static UUID toUuid(byte[] v, int off) {
        long msb = 0;
        long lsb = 0;
        int digits = 0;
        for (int i = 0; i < 36; i++) {
            byte b = v[off + i];
            if (b == '-') {
                continue;
            }
            long d = b <= '9' ? b - '0' : b - 'a' + 10;
            if (digits < 16) {
                msb = (msb << 4) | d;
            } else {
                lsb = (lsb << 4) | d;
            }
            digits++;
        }
        return new UUID(msb, lsb);
    }

    /**
     * A time exactly as {@link Instant#toString()} writes it for years 0 to 9999 ({@code 2026-11-21T10:15:30Z}, a
     * fraction of 3, 6 or 9 digits, the shortest of them that holds the nanoseconds, none for 0), or null.
     */
    static Instant instant(byte[] v) {
        return instant(v, 0, v.length);
    }

    /** {@link #instant(byte[])} of the {@code n} bytes from {@code o}. */
    static Instant instant(byte[] v, int o, int n) {
        if (n != 20 && n != 24 && n != 27 && n != 30) {
            return null;
        }
        if (v[o + 4] != '-'
                || v[o + 7] != '-'
                || v[o + 10] != 'T'
                || v[o + 13] != ':'
                || v[o + 16] != ':'
                || v[o + n - 1] != 'Z'
                || (n > 20 && v[o + 19] != '.')) {
            return null;
        }
        int year = digits(v, o, o + 4);
        int month = digits(v, o + 5, o + 7);
        int day = digits(v, o + 8, o + 10);
        int hour = digits(v, o + 11, o + 13);
        int minute = digits(v, o + 14, o + 16);
        int second = digits(v, o + 17, o + 19);
        int nanos = 0;
        if (n > 20) {
            int fraction = digits(v, o + 20, o + n - 1);
            if (fraction < 0) {
                return null;
            }
            nanos = fraction * (n == 24 ? 1_000_000 : n == 27 ? 1_000 : 1);
            // The shortest form: 3 digits when whole milliseconds, 6 when whole microseconds, never a zero fraction.
            boolean shortest = n == 24 ? nanos != 0 : n == 27 ? nanos % 1_000_000 != 0 : nanos % 1_000 != 0;
            if (!shortest) {
                return null;
            }
        }
        if (year < 0
                || month < 1
                || day < 1
                || hour < 0
                || hour > 23
                || minute < 0
                || minute > 59
                || second < 0
                || second > 59) {
            return null;
        }
        try {
            return LocalDateTime.of(year, month, day, hour, minute, second, nanos)
                    .toInstant(ZoneOffset.UTC);
        } catch (DateTimeException e) {
            return null;
        }
    }

    private static int digits(byte[] v, int from, int to) {
        int x = 0;
        for (int i = from; i < to; i++) {
            byte b = v[i];
            if (b < '0' || b > '9') {
                return -1;
            }
            x = x * 10 + (b - '0');
        }
        return x;
    }

    private static <E> E match(E[] constants, byte[][] names, byte[] v) {
        return RawMeta.match(constants, names, v, 0, v.length);
    }
}
