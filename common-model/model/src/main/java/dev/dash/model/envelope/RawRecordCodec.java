package dev.dash.model.envelope;

import dev.dash.model.signature.Preset;
import dev.dash.model.signature.VerificationResult;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * The {@code dash.raw} record formats (docs/architecture.md, "The dash.raw record"), written and read here only.
 *
 * <ul>
 *   <li><b>Format 2</b> (written since issue 19): the envelope's metadata in Kafka record headers, one UTF-8
 *       string each ({@code dash.format} = {@code 2}, {@code dash.event_id}, {@code dash.pipeline_id},
 *       {@code dash.team_id}, {@code dash.received_at}, {@code dash.source}, optional {@code dash.delivery_id}
 *       and {@code dash.content_type}, {@code dash.verification.status} and its optional {@code .preset},
 *       {@code .reason}, {@code .detail}, {@code .delivery_id}, {@code .secret_id}, and each kept request header
 *       as {@code h.<lower-case name>}); the value is the provider's body bytes exactly as received. A consumer
 *       reads the metadata without parsing JSON and hands the body to the mapping engine as it is: the only JSON
 *       parse of an event on the live path is the mapping's.
 *   <li><b>Format 1</b> (before): no {@code dash.format} header; the value is the envelope as JSON ({@link
 *       EnvelopeCodec}), the body an escaped string inside it. Still read, so records written before the change
 *       are consumed while they remain on the topic.
 * </ul>
 *
 * <p>Bronze lines are version 2 ({@link EnvelopeCodec#encodeLine}: the metadata as JSON fields, a JSON body
 * unescaped), readable with zcat and jq; the archiver encodes a format-2 record into that line (the body is
 * tokenised to know it is one JSON value, never built into a tree), and keeps a format-1 record as the version-1
 * line it already is.
 */
public final class RawRecordCodec {
    /** The header naming the record format; absent on format 1. */
    public static final String FORMAT = "dash.format";

    /** The format written. */
    public static final int VERSION = 2;

    /** Prefix of a kept request header's name. */
    public static final String REQUEST_HEADER = "h.";

    private static final byte[] VERSION_BYTES = Integer.toString(VERSION).getBytes(StandardCharsets.US_ASCII);

    private RawRecordCodec() {}

    /** A record to send: its headers and its value (the body, not copied). */
    public record Encoded(List<Header> headers, byte[] value) {}

    /** Encodes an envelope as a record of the given format (1 or 2). */
    public static Encoded encode(RawEnvelope e, int format) {
        return switch (format) {
            case 1 -> new Encoded(List.of(), EnvelopeCodec.encode(e));
            case VERSION -> encode(e);
            default -> throw new IllegalArgumentException("no dash.raw record format " + format);
        };
    }

    /** Encodes an envelope as a format-2 record. */
    public static Encoded encode(RawEnvelope e) {
        List<Header> h = new ArrayList<>(10 + e.headers().size());
        h.add(new RecordHeader(FORMAT, VERSION_BYTES));
        put(h, "dash.event_id", e.eventId().toString());
        put(h, "dash.pipeline_id", e.pipelineId().toString());
        put(h, "dash.team_id", e.teamId().toString());
        put(h, "dash.received_at", e.receivedAt().toString());
        put(h, "dash.source", e.source().jsonName());
        put(h, "dash.delivery_id", e.deliveryId());
        put(h, "dash.content_type", e.contentType());
        VerificationResult v = e.verification();
        put(h, "dash.verification.status", v.status().jsonName());
        put(
                h,
                "dash.verification.preset",
                v.preset() == null ? null : v.preset().jsonName());
        put(
                h,
                "dash.verification.reason",
                v.reason() == null ? null : v.reason().jsonName());
        put(h, "dash.verification.detail", v.detail());
        put(h, "dash.verification.delivery_id", v.deliveryId());
        put(h, "dash.verification.secret_id", v.secretId());
        for (Map.Entry<String, String> kept : e.headers().entrySet()) {
            put(h, REQUEST_HEADER + kept.getKey(), kept.getValue());
        }
        return new Encoded(h, e.body());
    }

    /** The record's format: 2 when it says so in its headers, 1 when it has no {@code dash.format} header. */
    public static int format(Headers headers) {
        Header f = headers == null ? null : headers.lastHeader(FORMAT);
        if (f == null) {
            return 1;
        }
        String s = string(f);
        if (!Integer.toString(VERSION).equals(s)) {
            throw new EnvelopeFormatException("unsupported dash.raw record format " + s, null);
        }
        return VERSION;
    }

    /**
     * Decodes a record of either format.
     *
     * @throws EnvelopeFormatException if the record is neither a valid format-2 record nor a format-1 envelope
     */
    public static RawEnvelope decode(Headers headers, byte[] value) {
        return decode(headers, value, true);
    }

    /**
     * Decodes a record of either format for a reader that does not use the kept request headers (the Silver
     * writer: a mapping reads the body, the event id and the receipt time): a format-2 record's {@code h.*} headers
     * are checked as {@link #decode(Headers, byte[])} checks them (each has a value, none appears twice), so exactly
     * the same records are refused, but not copied into the envelope, whose {@link RawEnvelope#headers()} is empty.
     * A format-1 record is decoded whole.
     *
     * @throws EnvelopeFormatException if the record is neither a valid format-2 record nor a format-1 envelope
     */
    public static RawEnvelope decodeWithoutRequestHeaders(Headers headers, byte[] value) {
        return decode(headers, value, false);
    }

    private static RawEnvelope decode(Headers headers, byte[] value, boolean keepRequestHeaders) {
        // The common case (a plain, canonical format-2 record) read from the header bytes once; anything else,
        // refusals included, the general way below.
        RawHeaders plain = RawHeaders.read(headers, value);
        if (plain != null) {
            return plain.envelope(value, keepRequestHeaders);
        }
        return decodeGeneral(headers, value, keepRequestHeaders);
    }

    /** The decode of any record, without the common case's shortcut (package-private for the tests' comparison). */
    static RawEnvelope decodeGeneral(Headers headers, byte[] value, boolean keepRequestHeaders) {
        if (format(headers) == 1) {
            return EnvelopeCodec.decode(value);
        }
        if (value == null) {
            throw new EnvelopeFormatException("a format-2 record without a value (body)", null);
        }
        UUID eventId = null;
        UUID pipelineId = null;
        UUID teamId = null;
        Instant receivedAt = null;
        Source source = null;
        String deliveryId = null;
        String contentType = null;
        String status = null;
        String preset = null;
        String reason = null;
        String detail = null;
        String vDeliveryId = null;
        String secretId = null;
        Map<String, String> kept = keepRequestHeaders ? new HashMap<>() : Map.of();
        // The request headers' names when they are not kept, for the same "appears twice" check.
        List<String> names = keepRequestHeaders ? null : new ArrayList<>(8);
        // Which dash.* headers were seen (a bit each): one given twice is refused, as a field twice in an envelope.
        int seen = 0;
        try {
            for (Header h : headers) {
                String k = h.key();
                if (k.startsWith(REQUEST_HEADER)) {
                    if (!keepRequestHeaders) {
                        if (h.value() == null) {
                            throw new EnvelopeFormatException("header '" + k + "' has no value", null);
                        }
                        if (names.contains(k)) {
                            throw new EnvelopeFormatException("header '" + k + "' appears twice", null);
                        }
                        names.add(k);
                    } else if (kept.put(k.substring(REQUEST_HEADER.length()), string(h)) != null) {
                        throw new EnvelopeFormatException("header '" + k + "' appears twice", null);
                    }
                    continue;
                }
                int bit = switch (k) {
                    case FORMAT -> 1;
                    case "dash.event_id" -> {
                        eventId = uuid(h);
                        yield 1 << 1;
                    }
                    case "dash.pipeline_id" -> {
                        pipelineId = uuid(h);
                        yield 1 << 2;
                    }
                    case "dash.team_id" -> {
                        teamId = uuid(h);
                        yield 1 << 3;
                    }
                    case "dash.received_at" -> {
                        receivedAt = instant(string(h));
                        yield 1 << 4;
                    }
                    case "dash.source" -> {
                        source = Source.fromJsonName(string(h));
                        yield 1 << 5;
                    }
                    case "dash.delivery_id" -> {
                        deliveryId = string(h);
                        yield 1 << 6;
                    }
                    case "dash.content_type" -> {
                        contentType = string(h);
                        yield 1 << 7;
                    }
                    case "dash.verification.status" -> {
                        status = string(h);
                        yield 1 << 8;
                    }
                    case "dash.verification.preset" -> {
                        preset = string(h);
                        yield 1 << 9;
                    }
                    case "dash.verification.reason" -> {
                        reason = string(h);
                        yield 1 << 10;
                    }
                    case "dash.verification.detail" -> {
                        detail = string(h);
                        yield 1 << 11;
                    }
                    case "dash.verification.delivery_id" -> {
                        vDeliveryId = string(h);
                        yield 1 << 12;
                    }
                    case "dash.verification.secret_id" -> {
                        secretId = string(h);
                        yield 1 << 13;
                    }
                    // Headers added later, or by others (tracing): ignored, as unknown envelope fields are.
                    default -> 0;
                };
                if ((seen & bit) != 0) {
                    throw new EnvelopeFormatException("header '" + k + "' appears twice", null);
                }
                seen |= bit;
            }
            require(eventId, "dash.event_id");
            require(pipelineId, "dash.pipeline_id");
            require(teamId, "dash.team_id");
            require(receivedAt, "dash.received_at");
            require(source, "dash.source");
            require(status, "dash.verification.status");
            VerificationResult verification = new VerificationResult(
                    VerificationResult.Status.fromJsonName(status),
                    preset == null ? null : Preset.fromJsonName(preset),
                    reason == null ? null : VerificationResult.Reason.fromJsonName(reason),
                    detail,
                    vDeliveryId,
                    secretId);
            return new RawEnvelope(
                    eventId,
                    pipelineId,
                    teamId,
                    receivedAt,
                    source,
                    deliveryId,
                    contentType,
                    kept,
                    value,
                    verification);
        } catch (EnvelopeFormatException e) {
            throw e;
        } catch (DateTimeException | IllegalArgumentException | NullPointerException e) {
            throw new EnvelopeFormatException("not a format-2 dash.raw record: " + e.getMessage(), e);
        }
    }

    /**
     * What the Bronze archiver stores of a record of either format, as a version-2 line: format 1 is checked and
     * kept byte for byte as the version-1 line it is ({@link EnvelopeCodec#head}); format 2 is decoded from its
     * headers and encoded as a version-2 line ({@link EnvelopeCodec#encodeLine}).
     *
     * @throws EnvelopeFormatException if the record is not valid
     */
    public static EnvelopeCodec.Head head(Headers headers, byte[] value) {
        return head(headers, value, EnvelopeCodec.LINE_VERSION);
    }

    /**
     * As {@link #head(Headers, byte[])}, a format-2 record encoded as a line of the given version (1 while replay
     * services that read only version 1 still run, during an upgrade).
     *
     * @param lineVersion 1 or 2
     * @throws EnvelopeFormatException if the record is not valid
     */
    public static EnvelopeCodec.Head head(Headers headers, byte[] value, int lineVersion) {
        if (lineVersion == EnvelopeCodec.LINE_VERSION) {
            // The common case: a plain, canonical format-2 record with a JSON body, its line copied from the header
            // bytes (RawHeaders); the same bytes encodeLine writes for the decoded envelope.
            RawHeaders plain = RawHeaders.read(headers, value);
            if (plain != null) {
                byte[] line = EnvelopeCodec.embeddable(value)
                        ? plain.line(value)
                        : EnvelopeCodec.encodeLine(plain.envelope(value, true));
                return new EnvelopeCodec.Head(plain.eventId(), plain.pipelineId(), plain.instant, line);
            }
        }
        return headGeneral(headers, value, lineVersion);
    }

    /** The head of any record, without the common case's shortcut (package-private for the tests' comparison). */
    static EnvelopeCodec.Head headGeneral(Headers headers, byte[] value, int lineVersion) {
        if (format(headers) == 1) {
            return EnvelopeCodec.head(value);
        }
        RawEnvelope e = decodeGeneral(headers, value, true);
        byte[] line = lineVersion == 1 ? EnvelopeCodec.encode(e) : EnvelopeCodec.encodeLine(e);
        return new EnvelopeCodec.Head(e.eventId(), e.pipelineId(), e.receivedAt(), line);
    }

    /**
     * An instant as {@link Instant#toString()} writes it ({@code 2026-11-21T10:15:30.123456Z}: UTC, 0 to 9
     * fraction digits) read directly; anything else through {@link Instant#parse}, which is several times slower.
     */
    static Instant instant(String s) {
        int n = s.length();
        if (n >= 20
                && n <= 30
                && s.charAt(4) == '-'
                && s.charAt(7) == '-'
                && s.charAt(10) == 'T'
                && s.charAt(13) == ':'
                && s.charAt(16) == ':'
                && s.charAt(n - 1) == 'Z'
                && (n == 20 || (s.charAt(19) == '.' && n > 21))) {
            int year = digits(s, 0, 4);
            int month = digits(s, 5, 7);
            int day = digits(s, 8, 10);
            int hour = digits(s, 11, 13);
            int minute = digits(s, 14, 16);
            int second = digits(s, 17, 19);
            int nanos = 0;
            if (n > 20) {
                int fraction = digits(s, 20, n - 1);
                nanos = fraction < 0 ? -1 : fraction * POW10[9 - (n - 21)];
            }
            if (year >= 0
                    && month >= 1
                    && month <= 12
                    && day >= 1
                    && hour >= 0
                    && hour <= 23
                    && minute >= 0
                    && minute <= 59
                    && second >= 0
                    && second <= 59
                    && nanos >= 0) {
                try {
                    return java.time.LocalDateTime.of(year, month, day, hour, minute, second, nanos)
                            .toInstant(java.time.ZoneOffset.UTC);
                } catch (DateTimeException e) {
                    // a day that month does not have: Instant.parse says so
                }
            }
        }
        return Instant.parse(s);
    }

    private static final int[] POW10 = {
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000
    };

    /** The decimal number of s[from, to), or -1 when a character is no digit. */
    private static int digits(String s, int from, int to) {
        int v = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            v = v * 10 + (c - '0');
        }
        return v;
    }

    private static void put(List<Header> headers, String key, String value) {
        if (value != null) {
            headers.add(new RecordHeader(key, value.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static String string(Header h) {
        if (h.value() == null) {
            throw new EnvelopeFormatException("header '" + h.key() + "' has no value", null);
        }
        return new String(h.value(), StandardCharsets.UTF_8);
    }

    private static UUID uuid(Header h) {
        String s = string(h);
        if (s.length() != 36) {
            throw new EnvelopeFormatException(h.key() + " is not a UUID", null);
        }
        return UUID.fromString(s);
    }

    private static void require(Object value, String name) {
        if (value == null) {
            throw new EnvelopeFormatException("missing header " + name, null);
        }
    }
}
