package dev.dash.model.envelope;

import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.IntFunction;

/**
 * A format-3 {@code dash.raw} record's {@code dash.meta} value (a version-2 Bronze line's metadata, {@link
 * EnvelopeCodec#meta}) in its common form, written and read byte by byte: every value plain (printable ASCII that
 * JSON writes as it is), header names in lower case. Reading is one pass over the bytes in the one order {@link
 * EnvelopeCodec#meta} writes the fields, each field name matched as a whole, the UUIDs and the time in their canonical
 * forms, the enums' JSON names exactly; the archiver then needs no more than that pass to know the metadata is what
 * {@link EnvelopeCodec#meta} writes for the envelope it describes, and copies it into the line.
 *
 * <p>{@link #read} answers null for anything else (an escape, a non-ASCII byte, a field out of place, a value not in
 * canonical form, truncated bytes): the caller then takes the general path ({@link RawRecordCodec}), which parses
 * the metadata as JSON and refuses it unless it is exactly what {@link EnvelopeCodec#meta} writes for what it read.
 * So this class decides no refusal, and whatever it accepts the general path accepts with the same result
 * (RawMetaTest checks both, record by record). {@link #write} likewise writes only the plain form and leaves the rest
 * to {@link EnvelopeCodec#meta}, byte for byte the same.
 */
final class RawMeta {
    static final byte[] EVENT_ID = ascii("{\"v\":2,\"event_id\":\"");
    static final byte[] PIPELINE_ID = ascii("\",\"pipeline_id\":\"");
    static final byte[] TEAM_ID = ascii("\",\"team_id\":\"");
    static final byte[] RECEIVED_AT = ascii("\",\"received_at\":\"");
    static final byte[] SOURCE = ascii("\",\"source\":\"");
    static final byte[] DELIVERY_ID = ascii("\",\"delivery_id\":\"");
    static final byte[] CONTENT_TYPE = ascii("\",\"content_type\":\"");
    static final byte[] HEADERS = ascii("\",\"headers\":{");
    static final byte[] STATUS = ascii("},\"verification\":{\"status\":\"");
    static final byte[] PRESET = ascii("\",\"preset\":\"");
    static final byte[] REASON = ascii("\",\"reason\":\"");
    static final byte[] DETAIL = ascii("\",\"detail\":\"");
    static final byte[] V_DELIVERY_ID = ascii("\",\"delivery_id\":\"");
    static final byte[] SECRET_ID = ascii("\",\"secret_id\":\"");
    private static final byte[] END = ascii("\"}");

    static final byte[][] SOURCES = names(Source.values().length, i -> Source.values()[i].jsonName());
    static final byte[][] STATUSES =
            names(VerificationResult.Status.values().length, i -> VerificationResult.Status.values()[i].jsonName());
    static final byte[][] PRESETS = names(Preset.values().length, i -> Preset.values()[i].jsonName());
    static final byte[][] REASONS =
            names(VerificationResult.Reason.values().length, i -> VerificationResult.Reason.values()[i].jsonName());

    private final byte[] m;
    private int p;

    private int eventId;
    private int pipelineId;
    private int teamId;
    /** When Dash received the event. */
    Instant receivedAt;

    private Source source;
    /** Where an optional value starts and ends (its closing quote); -1 when absent. */
    private int deliveryId = -1;

    private int deliveryIdEnd;
    private int contentType = -1;
    private int contentTypeEnd;
    /** The kept request headers: from the first name's opening quote to the closing brace; none when equal. */
    private int headers;

    private int headersEnd;
    private VerificationResult.Status status;
    private Preset preset;
    private VerificationResult.Reason reason;
    private int detail = -1;
    private int detailEnd;
    private int vDeliveryId = -1;
    private int vDeliveryIdEnd;
    private int secretId = -1;
    private int secretIdEnd;

    private RawMeta(byte[] m) {
        this.m = m;
    }

    /**
     * The metadata in its plain, canonical form, read; or null for anything else (see the class comment).
     *
     * @param meta the {@code dash.meta} value
     */
    static RawMeta read(byte[] meta) {
        RawMeta r = new RawMeta(meta);
        return r.parse() ? r : null;
    }

    /** The metadata's bytes, as read. */
    byte[] bytes() {
        return m;
    }

    UUID eventId() {
        return RawHeaders.toUuid(m, eventId);
    }

    UUID pipelineId() {
        return RawHeaders.toUuid(m, pipelineId);
    }

    /**
     * The envelope the metadata and a body make: what the general path decodes for the same record.
     *
     * @param keepRequestHeaders whether the envelope holds the kept request headers (else none)
     */
    RawEnvelope envelope(byte[] body, boolean keepRequestHeaders) {
        Map<String, String> h = Map.of();
        if (keepRequestHeaders && headers < headersEnd) {
            TreeMap<String, String> kept = new TreeMap<>();
            int i = headers;
            while (i < headersEnd) {
                // "name":"value" and a comma between them, all plain (checked by parse)
                int nameEnd = indexOf(m, i + 1, '"');
                int valueEnd = indexOf(m, nameEnd + 3, '"');
                kept.put(string(i + 1, nameEnd), string(nameEnd + 3, valueEnd));
                i = valueEnd + 2;
            }
            h = kept;
        }
        return new RawEnvelope(
                eventId(),
                pipelineId(),
                RawHeaders.toUuid(m, teamId),
                receivedAt,
                source,
                optional(deliveryId, deliveryIdEnd),
                optional(contentType, contentTypeEnd),
                h,
                body,
                new VerificationResult(
                        status,
                        preset,
                        reason,
                        optional(detail, detailEnd),
                        optional(vDeliveryId, vDeliveryIdEnd),
                        optional(secretId, secretIdEnd)));
    }

    private boolean parse() {
        if (!at(EVENT_ID)) {
            return false;
        }
        eventId = p;
        if (!uuid() || !at(PIPELINE_ID)) {
            return false;
        }
        pipelineId = p;
        if (!uuid() || !at(TEAM_ID)) {
            return false;
        }
        teamId = p;
        if (!uuid()) {
            return false;
        }
        if (!at(RECEIVED_AT)) {
            return false;
        }
        int start = p;
        if (!plain() || (receivedAt = RawHeaders.instant(m, start, p - start)) == null) {
            return false;
        }
        if (!at(SOURCE)) {
            return false;
        }
        start = p;
        if (!plain() || (source = match(Source.values(), SOURCES, m, start, p)) == null) {
            return false;
        }
        if (at(DELIVERY_ID)) {
            deliveryId = p;
            if (!plain()) {
                return false;
            }
            deliveryIdEnd = p;
        }
        if (at(CONTENT_TYPE)) {
            contentType = p;
            if (!plain()) {
                return false;
            }
            contentTypeEnd = p;
        }
        if (!at(HEADERS) || !headers()) {
            return false;
        }
        if (!at(STATUS)) {
            return false;
        }
        start = p;
        if (!plain() || (status = match(VerificationResult.Status.values(), STATUSES, m, start, p)) == null) {
            return false;
        }
        if (at(PRESET)) {
            start = p;
            if (!plain() || (preset = match(Preset.values(), PRESETS, m, start, p)) == null) {
                return false;
            }
        }
        if (at(REASON)) {
            start = p;
            if (!plain() || (reason = match(VerificationResult.Reason.values(), REASONS, m, start, p)) == null) {
                return false;
            }
        }
        if (at(DETAIL)) {
            detail = p;
            if (!plain()) {
                return false;
            }
            detailEnd = p;
        }
        if (at(V_DELIVERY_ID)) {
            vDeliveryId = p;
            if (!plain()) {
                return false;
            }
            vDeliveryIdEnd = p;
        }
        if (at(SECRET_ID)) {
            secretId = p;
            if (!plain()) {
                return false;
            }
            secretIdEnd = p;
        }
        if (!at(END) || p != m.length) {
            return false;
        }
        // VerificationResult's own rules; the general path refuses metadata that breaks one.
        boolean failed = status == VerificationResult.Status.FAILED;
        return failed == (reason != null) && (status == VerificationResult.Status.NOT_REQUIRED || preset != null);
    }

    /**
     * The kept request headers, {@code "name":"value"} separated by commas up to the closing brace: plain, names in
     * lower case and in strictly ascending order (the envelope's sorted map, no name twice).
     */
    private boolean headers() {
        headers = p;
        if (p < m.length && m[p] == '}') {
            headersEnd = p;
            return true;
        }
        int lastName = -1;
        int lastNameEnd = -1;
        while (true) {
            if (p >= m.length || m[p] != '"') {
                return false;
            }
            int name = ++p;
            if (!plain()) {
                return false;
            }
            int nameEnd = p;
            for (int i = name; i < nameEnd; i++) {
                if (m[i] >= 'A' && m[i] <= 'Z') {
                    return false;
                }
            }
            if (lastName >= 0 && java.util.Arrays.compare(m, lastName, lastNameEnd, m, name, nameEnd) >= 0) {
                return false;
            }
            lastName = name;
            lastNameEnd = nameEnd;
            if (p + 3 > m.length || m[p + 1] != ':' || m[p + 2] != '"') {
                return false;
            }
            p += 3;
            if (!plain()) {
                return false;
            }
            // past the value's closing quote
            p++;
            if (p >= m.length) {
                return false;
            }
            if (m[p] == '}') {
                headersEnd = p;
                return true;
            }
            if (m[p] != ',') {
                return false;
            }
            p++;
        }
    }

    /** Whether the literal is at the position; if so, moves past it. */
    private boolean at(byte[] b) {
        if (p + b.length > m.length || !java.util.Arrays.equals(m, p, p + b.length, b, 0, b.length)) {
            return false;
        }
        p += b.length;
        return true;
    }

    /** A canonical UUID's 36 bytes at the position; moves past them. */
    private boolean uuid() {
        if (p + 36 > m.length || !RawHeaders.uuid(m, p)) {
            return false;
        }
        p += 36;
        return true;
    }

    /** Plain bytes up to a quote, which stays at the position; false at anything else or at the end. */
    private boolean plain() {
        int i = plainEnd(m, p);
        p = i;
        return i < m.length && m[i] == '"';
    }

    /**
     * Where the plain bytes from {@code from} end: the index of the first byte that is not plain, or the length.
     * Eight bytes are checked at a time while there are eight left (the metadata's values are tens of bytes each, and
     * this was the largest item of the one pass), the rest, and the word with the first other byte, by the table.
     */
    static int plainEnd(byte[] m, int from) {
        int i = from;
        int n = m.length;
        while (i + 8 <= n && plain8((long) LONGS.get(m, i))) {
            i += 8;
        }
        while (i < n && PLAIN[m[i] & 0xFF]) {
            i++;
        }
        return i;
    }

    private static final java.lang.invoke.VarHandle LONGS =
            java.lang.invoke.MethodHandles.byteArrayViewVarHandle(long[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;

    /**
     * Whether all eight bytes of the word are plain (0x20 to 0x7E, not the quote nor the backslash): none has its high
     * bit set, none is below 0x20, and none is 0x7F, the quote or the backslash (a byte equal to one of those is a
     * zero byte of the word xor that byte repeated). Each test is exact about whether there is such a byte.
     */
    private static boolean plain8(long w) {
        long below = (w - 0x20 * ONES) & ~w;
        return ((w | below | zero(w ^ (0x7F * ONES)) | zero(w ^ ('"' * ONES)) | zero(w ^ ('\\' * ONES))) & HIGHS) == 0;
    }

    /** The high bit of some byte set when the word has a zero byte (and only then, over the whole word). */
    private static long zero(long v) {
        return (v - ONES) & ~v;
    }

    /** Printable ASCII that JSON writes as it is inside a string: 0x20 to 0x7E but the quote and the backslash. */
    private static final boolean[] PLAIN = new boolean[256];

    static {
        for (int c = 0x20; c <= 0x7e; c++) {
            PLAIN[c] = c != '"' && c != '\\';
        }
    }

    private String optional(int from, int to) {
        return from < 0 ? null : string(from, to);
    }

    private String string(int from, int to) {
        return new String(m, from, to - from, StandardCharsets.ISO_8859_1);
    }

    private static int indexOf(byte[] b, int from, char c) {
        int i = from;
        while (b[i] != c) {
            i++;
        }
        return i;
    }

    /**
     * The metadata {@link EnvelopeCodec#meta} writes for an envelope whose values are all plain and whose header names
     * are in lower case (always so: the envelope lower-cases them), written directly; null for any other envelope.
     */
    static byte[] write(RawEnvelope e) {
        VerificationResult v = e.verification();
        String received = e.receivedAt().toString();
        int n = EVENT_ID.length
                + 36
                + PIPELINE_ID.length
                + 36
                + TEAM_ID.length
                + 36
                + RECEIVED_AT.length
                + received.length()
                + SOURCE.length
                + SOURCES[e.source().ordinal()].length
                + optional(DELIVERY_ID, e.deliveryId())
                + optional(CONTENT_TYPE, e.contentType())
                + HEADERS.length
                + STATUS.length
                + STATUSES[v.status().ordinal()].length
                + (v.preset() == null ? 0 : PRESET.length + PRESETS[v.preset().ordinal()].length)
                + (v.reason() == null ? 0 : REASON.length + REASONS[v.reason().ordinal()].length)
                + optional(DETAIL, v.detail())
                + optional(V_DELIVERY_ID, v.deliveryId())
                + optional(SECRET_ID, v.secretId())
                + END.length;
        if (!plain(received)
                || !plainOrNull(e.deliveryId())
                || !plainOrNull(e.contentType())
                || !plainOrNull(v.detail())
                || !plainOrNull(v.deliveryId())
                || !plainOrNull(v.secretId())) {
            return null;
        }
        int i = 0;
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            if (!plain(h.getKey()) || !plain(h.getValue())) {
                return null;
            }
            // "name":"value" and a comma before all but the first
            n += h.getKey().length() + h.getValue().length() + 5 + (i++ > 0 ? 1 : 0);
        }
        byte[] out = new byte[n];
        int q = put(out, 0, EVENT_ID);
        q = UuidV7.writeAscii(out, q, e.eventId());
        q = put(out, q, PIPELINE_ID);
        q = UuidV7.writeAscii(out, q, e.pipelineId());
        q = put(out, q, TEAM_ID);
        q = UuidV7.writeAscii(out, q, e.teamId());
        q = put(out, q, RECEIVED_AT);
        q = put(out, q, received);
        q = put(out, q, SOURCE);
        q = put(out, q, SOURCES[e.source().ordinal()]);
        q = putOptional(out, q, DELIVERY_ID, e.deliveryId());
        q = putOptional(out, q, CONTENT_TYPE, e.contentType());
        q = put(out, q, HEADERS);
        i = 0;
        for (Map.Entry<String, String> h : e.headers().entrySet()) {
            if (i++ > 0) {
                out[q++] = ',';
            }
            out[q++] = '"';
            q = put(out, q, h.getKey());
            out[q++] = '"';
            out[q++] = ':';
            out[q++] = '"';
            q = put(out, q, h.getValue());
            out[q++] = '"';
        }
        q = put(out, q, STATUS);
        q = put(out, q, STATUSES[v.status().ordinal()]);
        if (v.preset() != null) {
            q = put(out, put(out, q, PRESET), PRESETS[v.preset().ordinal()]);
        }
        if (v.reason() != null) {
            q = put(out, put(out, q, REASON), REASONS[v.reason().ordinal()]);
        }
        q = putOptional(out, q, DETAIL, v.detail());
        q = putOptional(out, q, V_DELIVERY_ID, v.deliveryId());
        q = putOptional(out, q, SECRET_ID, v.secretId());
        q = put(out, q, END);
        if (q != n) {
            throw new IllegalStateException("meta length " + q + " is not the " + n + " computed");
        }
        return out;
    }

    private static int optional(byte[] field, String value) {
        return value == null ? 0 : field.length + value.length();
    }

    private static boolean plainOrNull(String s) {
        return s == null || plain(s);
    }

    private static boolean plain(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    private static int put(byte[] out, int q, byte[] b) {
        System.arraycopy(b, 0, out, q, b.length);
        return q + b.length;
    }

    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int): the chars are ASCII (checked), one byte each
    private static int put(byte[] out, int q, String s) {
        s.getBytes(0, s.length(), out, q);
        return q + s.length();
    }

    private static int putOptional(byte[] out, int q, byte[] field, String value) {
        return value == null ? q : put(out, put(out, q, field), value);
    }

    static <E> E match(E[] constants, byte[][] names, byte[] v, int from, int to) {
        for (int i = 0; i < names.length; i++) {
            if (java.util.Arrays.equals(names[i], 0, names[i].length, v, from, to)) {
                return constants[i];
            }
        }
        return null;
    }

    private static byte[][] names(int n, IntFunction<String> name) {
        byte[][] out = new byte[n][];
        for (int i = 0; i < n; i++) {
            out[i] = name.apply(i).getBytes(StandardCharsets.UTF_8);
        }
        return out;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
